// POST /api/auth/login, /api/auth/refresh, /api/auth/logout and GET /api/me.
import { Router, type RequestHandler } from 'express';
import { LoginRequestSchema, LogoutRequestSchema, RefreshRequestSchema, type MeResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { parseBody } from '../http/validate.js';
import { findStaffById, toFrontDeskUser } from '../clinics/clinic-queries.js';
import type { IdentityProvider } from './identity-provider.js';
import { principalOf } from './middleware.js';

export function authRoutes(deps: { db: Db; identity: IdentityProvider; authLimiter: RequestHandler; requireAuth: RequestHandler }): Router {
  const { db, identity } = deps;
  const router = Router();

  router.post('/auth/login', deps.authLimiter, async (req, res) => {
    const body = parseBody(LoginRequestSchema, req);
    res.json(await identity.login(body.email, body.password, { userAgent: req.get('user-agent') }));
  });

  router.post('/auth/refresh', deps.authLimiter, async (req, res) => {
    const body = parseBody(RefreshRequestSchema, req);
    res.json(await identity.refresh(body.refreshToken, { userAgent: req.get('user-agent') }));
  });

  router.post('/auth/logout', deps.requireAuth, async (req, res) => {
    const body = parseBody(LogoutRequestSchema, req);
    await identity.logout(principalOf(req), body.refreshToken);
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
