// Reading a clinic's audit log: the Activity page's filtered, paged list and the CSV export. Every
// query is scoped by the reader's clinic; there is no query that changes an entry.
import type { AuditEntry, AuditExportQuery, AuditListQuery, AuditListResponse } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { assertDayRange, endOfClinicDay, startOfClinicDay } from '../clinics/clinic-days.js';
import { toAuditEntry } from './audit-log.js';

function filtered(db: Db, clinicId: string, query: AuditExportQuery) {
  assertDayRange(query.from, query.to);
  let select = db.selectFrom('audit_log').selectAll().where('clinic_id', '=', clinicId);
  if (query.actor) select = select.where('actor_staff_id', '=', query.actor);
  if (query.action) select = select.where('action', '=', query.action);
  if (query.objectId) select = select.where('object_id', '=', query.objectId);
  if (query.from) select = select.where('at', '>=', startOfClinicDay(clinicId, query.from));
  if (query.to) select = select.where('at', '<', endOfClinicDay(clinicId, query.to));
  return select;
}

/** Newest first; the cursor is the last entry's position in the chain. */
export async function listAudit(db: Db, clinicId: string, query: AuditListQuery): Promise<AuditListResponse> {
  let select = filtered(db, clinicId, query);
  if (query.cursor) select = select.where('seq', '<', Number(query.cursor));
  const rows = await select
    .orderBy('seq', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(toAuditEntry), nextCursor: rows.length > query.limit && last ? String(last.seq) : null };
}

const EXPORT_BATCH = 1_000;

/** Every matching entry, oldest first, a batch at a time (an export can be years of entries). */
export async function* exportAudit(db: Db, clinicId: string, query: AuditExportQuery): AsyncGenerator<AuditEntry[]> {
  let after = 0;
  for (;;) {
    const rows = await filtered(db, clinicId, query).where('seq', '>', after).orderBy('seq').limit(EXPORT_BATCH).execute();
    if (rows.length) yield rows.map(toAuditEntry);
    if (rows.length < EXPORT_BATCH) return;
    after = Number(rows.at(-1)!.seq);
  }
}

export const AUDIT_CSV_HEADER = [
  'seq',
  'at',
  'staff_id',
  'staff_name',
  'role',
  'instance',
  'address',
  'action',
  'object_type',
  'object_id',
  'details',
];

export function auditCsvRow(entry: AuditEntry): string {
  return [
    String(entry.seq),
    entry.at,
    entry.actor?.staffId ?? '',
    entry.actor?.name ?? '',
    entry.actor?.role ?? '',
    entry.instanceId ?? '',
    entry.address ?? '',
    entry.action,
    entry.objectType ?? '',
    entry.objectId ?? '',
    entry.details ? JSON.stringify(entry.details) : '',
  ]
    .map(csvCell)
    .join(',');
}

/**
 * RFC 4180 quoting, and a leading quote on anything a spreadsheet would run as a formula (a staff name
 * or a file name starting with "=" must stay text when the auditor opens the file).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
