// GET /api/calls (history: paged, searchable, filtered) and GET /api/calls/:id (one call in full).
import { Router } from 'express';
import { CallListQuerySchema, type CallDetail, type CallListResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { principalOf } from '../auth/middleware.js';
import { parseIdParam, parseQuery } from '../http/validate.js';
import { getCallDetail, listCalls } from './call-queries.js';

export function callRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get('/calls', async (req, res) => {
    const query = parseQuery(CallListQuerySchema, req);
    const body: CallListResponse = await listCalls(deps.db, principalOf(req).clinicId, query);
    res.json(body);
  });
  router.get('/calls/:id', async (req, res) => {
    const body: CallDetail = await getCallDetail(deps.db, principalOf(req).clinicId, parseIdParam(req, 'Call'));
    res.json(body);
  });
  return router;
}
