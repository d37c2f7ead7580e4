// Request guards: a verified access token and, on state-changing requests, the CSRF token
// bound to the token's session.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CSRF_HEADER, type Role } from '@voxanne/protocol';
import { AppError } from '../errors.js';
import type { IdentityProvider } from './identity-provider.js';
import type { Principal } from './principal.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9\-_.]+)$/.exec(header);
  return match?.[1];
}

/** Verifies the bearer token and, for unsafe methods, the CSRF header. */
export function requireAuth(identity: IdentityProvider): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) throw new AppError('unauthenticated', 'Sign in first: this request has no access token.');
    const principal = await identity.verifyAccessToken(token);
    if (!SAFE_METHODS.has(req.method) && !identity.csrfMatches(principal.sessionId, req.get(CSRF_HEADER))) {
      throw new AppError('csrf_failed', 'The request is missing its CSRF token or the token does not match the session.');
    }
    req.principal = principal;
    next();
  };
}

/** Refuses (403) anyone without `role`; `refusal` says what they tried, in the clinic's words. */
export function requireRole(role: Role, refusal?: string): RequestHandler {
  const message = refusal ?? `Only ${role === 'admin' ? 'a clinic administrator' : 'front-desk staff'} can do this.`;
  return (req, _res, next) => {
    if (principalOf(req).role !== role) throw new AppError('forbidden', message);
    next();
  };
}

/** The principal requireAuth put on the request; a route without requireAuth is a programming error. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new Error('principalOf() used on a route without requireAuth');
  return req.principal;
}
