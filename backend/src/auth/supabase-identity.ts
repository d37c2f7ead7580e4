// Identities kept by Supabase Auth (selected when SUPABASE_URL is set): sign-in, refresh (Supabase
// rotates its refresh tokens) and sign-out go to the project's GoTrue through supabase-js; access
// tokens are Supabase's own JWTs, verified here with jose (SUPABASE_JWT_SECRET for HS256 projects,
// else the project's JWKS). Who may use the console is still our staff table: a Supabase user maps to
// a staff row by its user id, linked by email on first sign-in to a row the operator created, and
// only once GoTrue says the user has confirmed that address (`email_confirmed_at`): otherwise anyone
// who could sign up at the project with a clinic's address would take over that clinic's staff row.
// The clinic always comes from that row, never from anything the user can edit in Supabase.
import { createClient, type AuthError, type Session, type User } from '@supabase/supabase-js';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import WebSocket from 'ws';
import { z } from 'zod';
import type { LoginResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { findStaffByEmail, findStaffByExternalId, toFrontDeskUser, type StaffWithClinic } from '../clinics/clinic-queries.js';
import type { IdentityProvider, LoginContext } from './identity-provider.js';
import type { Principal } from './principal.js';

export interface SupabaseAuthSettings {
  url: string;
  anonKey: string;
  /** HS256 projects sign with this; unset means the project's JWKS (asymmetric keys). */
  jwtSecret: string | undefined;
}

/** The CSRF half of AccessTokens: an HMAC keyed by our own secret, bound to Supabase's session id. */
export interface CsrfTokens {
  csrfFor(sessionId: string): string;
  csrfMatches(sessionId: string, presented: string | undefined): boolean;
}

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(100),
  session_id: z.uuid(),
  exp: z.number(),
});

const STAFF_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;
const GOTRUE_TIMEOUT_MS = 10_000;
/** Marks an answer we made up because GoTrue could not be reached (see gotrueFetch). */
const UNREACHABLE = 'voxanne_gotrue_unreachable';
const WRONG_CREDENTIALS = 'The email or password is not right.';
const SESSION_ENDED = 'Your session has ended. Sign in again.';
const CONFIRM_EMAIL = 'Confirm your email address first (open the link in the email Supabase sent you), then sign in again.';

export class SupabaseIdentityProvider implements IdentityProvider {
  readonly kind = 'supabase';
  private readonly baseUrl: string;
  private readonly issuer: string;
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  /** Raw access token per verified principal, for GoTrue's logout (which wants the user's JWT). */
  private readonly tokenOf = new WeakMap<Principal, string>();
  private readonly staffCache = new Map<string, { staff: StaffWithClinic; until: number }>();
  /** Sessions signed out through this instance, until their access tokens expire anyway. */
  private readonly signedOut = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly settings: SupabaseAuthSettings,
    private readonly csrf: CsrfTokens,
    private readonly now: () => number = Date.now,
  ) {
    this.baseUrl = settings.url.replace(/\/+$/, '');
    this.issuer = `${this.baseUrl}/auth/v1`;
    if (settings.jwtSecret) {
      this.key = new TextEncoder().encode(settings.jwtSecret);
      this.algorithms = ['HS256'];
    } else {
      this.key = createRemoteJWKSet(new URL(`${this.issuer}/.well-known/jwks.json`), { timeoutDuration: 5_000 });
      this.algorithms = ['ES256', 'RS256', 'EdDSA'];
    }
  }

  async login(email: string, password: string, _context: LoginContext): Promise<LoginResponse> {
    const { data, error } = await this.client().auth.signInWithPassword({ email, password });
    if (error || !data.session) throw this.gotrueError(error, WRONG_CREDENTIALS, 'invalid_credentials');
    return this.respond(data.session);
  }

  async refresh(refreshToken: string, _context: LoginContext): Promise<LoginResponse> {
    const { data, error } = await this.client().auth.refreshSession({ refresh_token: refreshToken });
    if (error || !data.session) throw this.gotrueError(error, SESSION_ENDED, 'unauthenticated');
    return this.respond(data.session);
  }

  async logout(principal: Principal, _refreshToken: string | undefined): Promise<void> {
    const token = this.tokenOf.get(principal);
    if (!token) throw new Error('logout() needs a principal from verifyAccessToken()');
    // Ends the session at Supabase (its refresh tokens stop working) ...
    const { error } = await this.client().auth.admin.signOut(token, 'local');
    if (error && error.status !== 401 && error.status !== 403 && error.status !== 404) {
      throw this.gotrueError(error, SESSION_ENDED, 'unauthenticated');
    }
    // ... and here, its access token. Other instances accept it until it expires (Supabase's own rule).
    this.forgetExpired();
    this.signedOut.set(principal.sessionId, principal.tokenExpiresAt.getTime());
  }

  async verifyAccessToken(token: string): Promise<Principal> {
    let claims: z.infer<typeof ClaimsSchema>;
    try {
      const { payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        audience: 'authenticated',
        issuer: this.issuer,
        requiredClaims: ['exp', 'sub', 'session_id'],
      });
      claims = ClaimsSchema.parse(payload);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new AppError('token_expired', 'Your session has expired. Refresh or sign in again.');
      throw new AppError('unauthenticated', 'The access token is not valid.');
    }
    if (this.signedOut.has(claims.session_id)) throw new AppError('unauthenticated', SESSION_ENDED);
    // Tokens only find a row already linked: a token's email claim says nothing about who confirmed it.
    const staff = await this.staffFor(claims.sub, null);
    const principal: Principal = {
      staffId: staff.id,
      clinicId: staff.clinicId,
      role: staff.role,
      sessionId: claims.session_id,
      tokenExpiresAt: new Date(claims.exp * 1000),
    };
    this.tokenOf.set(principal, token);
    return principal;
  }

  csrfFor(sessionId: string): string {
    return this.csrf.csrfFor(sessionId);
  }

  csrfMatches(sessionId: string, presented: string | undefined): boolean {
    return this.csrf.csrfMatches(sessionId, presented);
  }

  private async respond(session: Session): Promise<LoginResponse> {
    // Sign-in and refresh look the staff row up afresh: a just-disabled account gets no new tokens.
    // The row is linked here, if at all: GoTrue's user object is its own word on the address.
    this.staffCache.delete(session.user.id);
    const staff = await this.staffFor(session.user.id, session.user);
    const principal = await this.verifyAccessToken(session.access_token);
    return {
      accessToken: session.access_token,
      refreshToken: session.refresh_token,
      expiresIn: Math.max(1, Math.round(session.expires_in)),
      csrfToken: this.csrf.csrfFor(principal.sessionId),
      user: toFrontDeskUser(staff),
    };
  }

  /**
   * The staff row of a Supabase user: by user id, else (with GoTrue's user object, at sign-in) linked
   * once by its confirmed email to a row the operator made for them.
   */
  private async staffFor(userId: string, user: User | null): Promise<StaffWithClinic> {
    const now = this.now();
    const cached = this.staffCache.get(userId);
    if (cached && cached.until > now) return cached.staff;

    let staff = await findStaffByExternalId(this.db, userId);
    if (!staff && user?.email) {
      // Said whether or not a row exists for the address: the answer must not tell who was invited.
      if (!user.email_confirmed_at) throw new AppError('forbidden', CONFIRM_EMAIL);
      const invited = await findStaffByEmail(this.db, user.email);
      if (invited && invited.authProvider === 'supabase' && invited.externalId === null) {
        await this.db
          .updateTable('staff')
          .set({ external_id: userId, updated_at: new Date(now) })
          .where('id', '=', invited.id)
          .where('external_id', 'is', null)
          .execute();
        staff = await findStaffByExternalId(this.db, userId);
      }
    }
    if (!staff) {
      throw new AppError('forbidden', 'This account is not set up for any clinic. Ask your clinic’s administrator to add you.');
    }
    if (staff.disabled) throw new AppError('unauthenticated', 'Your account is no longer active.');
    if (this.staffCache.size >= CACHE_MAX) this.staffCache.clear();
    this.staffCache.set(userId, { staff, until: now + STAFF_CACHE_MS });
    return staff;
  }

  /** One short-lived client per call: supabase-js keeps a "current session", which must never be shared between users. */
  private client() {
    return createClient(this.baseUrl, this.settings.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // supabase-js builds a realtime client even when unused and wants a WebSocket on Node 20.
      realtime: { transport: WebSocket as never },
      global: { fetch: gotrueFetch },
    });
  }

  private gotrueError(error: AuthError | null, refusal: string, refusalCode: 'invalid_credentials' | 'unauthenticated'): AppError {
    if (error && (error.code === UNREACHABLE || error.status === 0 || (error.status ?? 0) >= 500)) {
      return new AppError('provider_unavailable', 'The sign-in service is not reachable right now. Try again in a minute.');
    }
    if (error && error.status === 429) return new AppError('rate_limited', 'Too many sign-in attempts. Wait a minute and try again.');
    return new AppError(refusalCode, refusal);
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [sessionId, expiresAt] of this.signedOut) if (expiresAt <= now) this.signedOut.delete(sessionId);
    if (this.signedOut.size >= CACHE_MAX) this.signedOut.clear();
  }
}

/**
 * fetch for supabase-js: a time limit, and an unreachable or failing GoTrue answered at once as a
 * plain failure. Otherwise auth-js writes the network error to the console and retries server
 * errors with back-off for up to half a minute while the console's sign-in request waits.
 */
async function gotrueFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  try {
    const response = await fetch(input, { ...init, signal: AbortSignal.timeout(GOTRUE_TIMEOUT_MS) });
    if (response.status < 500) return response;
    await response.body?.cancel();
  } catch {
    // Falls through to the made-up answer below.
  }
  // 599: a server-side failure auth-js does not retry (it retries 500-504 and 520-530).
  return new Response(JSON.stringify({ code: UNREACHABLE, error_code: UNREACHABLE, msg: 'Supabase Auth is not reachable' }), {
    status: 599,
    headers: { 'content-type': 'application/json' },
  });
}
