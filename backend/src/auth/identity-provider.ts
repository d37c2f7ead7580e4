// One interface for where identities live: local accounts (scrypt + our own JWTs and rotating
// refresh tokens) or Supabase Auth. Selected by configuration in backend.ts; routes and middleware
// only ever see this interface.
import type { LoginResponse } from '@voxanne/protocol';
import type { Principal } from './principal.js';

export interface LoginContext {
  userAgent: string | undefined;
}

export interface IdentityProvider {
  readonly kind: 'local' | 'supabase';
  login(email: string, password: string, context: LoginContext): Promise<LoginResponse>;
  /** Rotates: the presented refresh token stops working. */
  refresh(refreshToken: string, context: LoginContext): Promise<LoginResponse>;
  /** Ends the principal's session; the refresh token, when given, must belong to it. */
  logout(principal: Principal, refreshToken: string | undefined): Promise<void>;
  /** Verifies signature, expiry, audience and that the session is still alive. */
  verifyAccessToken(token: string): Promise<Principal>;
  csrfFor(sessionId: string): string;
  csrfMatches(sessionId: string, presented: string | undefined): boolean;
  /** Forgets cached session checks, so sessions ended elsewhere (disabled, role changed) stop at once. */
  forgetCachedSessions?(): void;
}
