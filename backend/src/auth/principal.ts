// Who is making a request, as proven by a verified access token. Every query is scoped by `clinicId`.
import type { Role } from '@voxanne/protocol';

export interface Principal {
  staffId: string;
  clinicId: string;
  role: Role;
  /** The sign-in session the token belongs to; the CSRF token is bound to it. */
  sessionId: string;
  tokenExpiresAt: Date;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requireAuth. */
    principal?: Principal;
  }
}
