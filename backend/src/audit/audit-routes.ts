// GET /api/audit-log (the Activity page) and GET /api/audit-log.csv (the export, itself logged).
// Administrators only; there is deliberately no route that changes or removes an entry.
import { Router } from 'express';
import { AuditExportQuerySchema, AuditListQuerySchema } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { principalOf, requireRole } from '../auth/middleware.js';
import { parseQuery } from '../http/validate.js';
import { auditBy } from '../http/audit-context.js';
import type { AuditAppender } from './audit-log.js';
import { AUDIT_CSV_HEADER, auditCsvRow, exportAudit, listAudit } from './audit-queries.js';

export function auditRoutes(deps: { db: Db; audit: AuditAppender }): Router {
  const router = Router();
  const adminOnly = requireRole('admin', 'Only a clinic administrator can see the activity log.');

  router.get('/audit-log', adminOnly, async (req, res) => {
    const query = parseQuery(AuditListQuerySchema, req);
    res.json(await listAudit(deps.db, principalOf(req).clinicId, query));
  });

  router.get('/audit-log.csv', adminOnly, async (req, res) => {
    const query = parseQuery(AuditExportQuerySchema, req);
    const clinicId = principalOf(req).clinicId;
    // Logged before the first byte leaves: an export that fails half-way was still an export.
    await deps.audit({ ...auditBy(req), action: 'audit.exported', details: { filters: query } });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="activity-${new Date().toISOString().slice(0, 10)}.csv"`);
    res.write(`${AUDIT_CSV_HEADER.join(',')}\r\n`);
    for await (const batch of exportAudit(deps.db, clinicId, query)) {
      res.write(batch.map((entry) => `${auditCsvRow(entry)}\r\n`).join(''));
    }
    res.end();
  });

  return router;
}
