// GET /api/dashboard/stats: today's figures for the caller's clinic.
import { Router } from 'express';
import type { Db } from '../db/database.js';
import { principalOf } from '../auth/middleware.js';
import { computeDashboardStats } from './stats.js';

export function dashboardRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get('/dashboard/stats', async (req, res) => {
    res.json(await computeDashboardStats(deps.db, principalOf(req).clinicId));
  });
  return router;
}
