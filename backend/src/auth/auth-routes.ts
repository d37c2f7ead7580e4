// POST /api/auth/login, /api/auth/refresh, /api/auth/logout and GET /api/me. Sign-in passes the
// per-address limit, then the per-account backoff (login-throttle.ts), before any password is checked.
import { Router, type RequestHandler } from 'express';
import { LoginRequestSchema, LogoutRequestSchema, RefreshRequestSchema, type MeResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { parseBody } from '../http/validate.js';
import { clientIp } from '../http/rate-limits.js';
import { findStaffByEmail, findStaffById, toFrontDeskUser } from '../clinics/clinic-queries.js';
import type { AuditAppender } from '../audit/audit-log.js';
import { auditBy, originOf } from '../http/audit-context.js';
import type { IdentityProvider } from './identity-provider.js';
import { principalOf } from './middleware.js';
import type { LoginThrottle } from './login-throttle.js';

export function authRoutes(deps: {
  db: Db;
  identity: IdentityProvider;
  authLimiter: RequestHandler;
  loginThrottle: LoginThrottle;
  requireAuth: RequestHandler;
  audit: AuditAppender;
}): Router {
  const { db, identity } = deps;
  const router = Router();

  router.post('/auth/login', deps.authLimiter, async (req, res) => {
    const body = parseBody(LoginRequestSchema, req);
    const address = clientIp(req);
    const admission = await deps.loginThrottle.admit(body.email, address);
    if (!admission.ok) {
      const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
      res.setHeader('Retry-After', String(seconds));
      throw new AppError('rate_limited', `Too many sign-in attempts for this account. Try again in ${describeWait(seconds)}.`);
    }
    const session = await identity.login(body.email, body.password, { userAgent: req.get('user-agent') }).catch(async (error: unknown) => {
      // A wrong password for a real account goes in that clinic's log; an unknown email has no clinic.
      if (error instanceof AppError && error.code === 'invalid_credentials') {
        const target = await findStaffByEmail(db, body.email);
        if (target) {
          await deps.audit({
            clinicId: target.clinicId,
            actor: null,
            origin: originOf(req),
            action: 'auth.sign_in_failed',
            object: { type: 'staff', id: target.id },
          });
        }
      }
      throw error;
    });
    await deps.loginThrottle.succeeded(body.email, address);
    await deps.audit({
      clinicId: session.user.clinicId,
      actor: { staffId: session.user.id, role: session.user.role },
      origin: originOf(req),
      action: 'auth.signed_in',
      object: { type: 'staff', id: session.user.id },
    });
    res.json(session);
  });

  router.post('/auth/refresh', deps.authLimiter, async (req, res) => {
    const body = parseBody(RefreshRequestSchema, req);
    res.json(await identity.refresh(body.refreshToken, { userAgent: req.get('user-agent') }));
  });

  router.post('/auth/logout', deps.requireAuth, async (req, res) => {
    const body = parseBody(LogoutRequestSchema, req);
    await identity.logout(principalOf(req), body.refreshToken);
    await deps.audit({ ...auditBy(req), action: 'auth.signed_out', object: { type: 'staff', id: principalOf(req).staffId } });
    res.status(204).end();
  });

  router.get('/me', deps.requireAuth, async (req, res) => {
    const staff = await findStaffById(db, principalOf(req).staffId);
    if (!staff || staff.disabled) throw new AppError('unauthenticated', 'Your account is no longer active.');
    const body: MeResponse = { user: toFrontDeskUser(staff) };
    res.json(body);
  });

  return router;
}

function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
