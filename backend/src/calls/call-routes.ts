// GET /api/calls (history: paged, searchable, filtered) and GET /api/calls/:id (one call in full).
import { Router } from 'express';
import { CallListQuerySchema, type CallDetail, type CallListResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { principalOf } from '../auth/middleware.js';
import { parseIdParam, parseQuery } from '../http/validate.js';
import type { AuditAppender } from '../audit/audit-log.js';
import { auditBy } from '../http/audit-context.js';
import { getCallDetail, listCalls } from './call-queries.js';
import { maskCaller } from './call-mapping.js';

export function callRoutes(deps: { db: Db; audit: AuditAppender }): Router {
  const router = Router();
  router.get('/calls', async (req, res) => {
    const query = parseQuery(CallListQuerySchema, req);
    const { clinicId, role } = principalOf(req);
    const page = await listCalls(deps.db, clinicId, query);
    // Front-desk lists show a caller by the last three digits only; the call's own page (opened, and
    // so logged) shows the whole number. Administrators see it everywhere.
    const body: CallListResponse = role === 'admin' ? page : { ...page, items: page.items.map(maskCaller) };
    res.json(body);
  });
  router.get('/calls/:id', async (req, res) => {
    const body: CallDetail = await getCallDetail(deps.db, principalOf(req).clinicId, parseIdParam(req, 'Call'));
    // The detail carries the transcript and the recording link: opening it is what an auditor asks about.
    await deps.audit({ ...auditBy(req), action: 'call.viewed', object: { type: 'call', id: body.id } });
    res.json(body);
  });
  return router;
}
