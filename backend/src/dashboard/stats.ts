// The dashboard's figures for the clinic's "today": served by GET /api/dashboard/stats and
// carried by the `stats.changed` events telephony emits inside its transactions (pass the
// transaction, so the figures include what it is about to commit).
//
// Counted: the clinic's real calls created today. Test calls (the agent page's "Call my phone" and
// web tests) are left out, because they are not patients and would skew the booking rate.
import { sql } from 'kysely';
import type { DashboardStats } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';

/**
 * One statement (it also runs inside every call-start and call-end transaction): the SQL function
 * `dashboard_stats` (migrations/0020_call_ingestion.sql), which the database's own call ingestion
 * uses too, so both count by one definition.
 */
export async function computeDashboardStats(db: Db, clinicId: string, now: Date = new Date()): Promise<DashboardStats> {
  const { rows } = await sql<{ stats: DashboardStats | null }>`select dashboard_stats(${clinicId}, ${now}) as stats`.execute(db);
  const stats = rows[0]?.stats;
  if (!stats) throw AppError.notFound('Clinic');
  return stats;
}
