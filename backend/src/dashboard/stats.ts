// The dashboard's figures for the clinic's "today" (R-D6): served by GET /api/dashboard/stats and
// carried by the `stats.changed` events telephony emits inside its transactions (pass the
// transaction, so the figures include what it is about to commit).
//
// Counted: the clinic's real calls created today. Test calls (the agent page's "Call my phone" and
// web tests) are left out, because they are not patients and would skew the booking rate.
import { sql } from 'kysely';
import type { DashboardStats } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { clinicToday } from '../clinics/clinic-days.js';

/** Outcomes where someone (the assistant or staff) spoke with the caller. */
const ANSWERED = ['booked', 'answered', 'transferred'] as const;
/** Outcomes where the caller went unserved. Spam and platform failures are neither. */
const MISSED = ['missed', 'abandoned'] as const;
const LIVE_STATUSES = ['queued', 'ringing', 'in-progress', 'forwarding'] as const;

export async function computeDashboardStats(db: Db, clinicId: string, now: Date = new Date()): Promise<DashboardStats> {
  const today = await clinicToday(db, clinicId, now);

  const calls = await db
    .selectFrom('calls')
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      sql<number>`count(*) filter (where ${eb('outcome', 'in', ANSWERED)})`.as('answered'),
      sql<number>`count(*) filter (where ${eb('outcome', 'in', MISSED)})`.as('missed'),
      sql<number>`count(*) filter (where ${eb('status', 'in', LIVE_STATUSES)})`.as('in_progress'),
      sql<number>`count(*) filter (where ${eb('outcome', '=', 'booked')})`.as('booked'),
      sql<number | null>`avg(duration_seconds) filter (where ${eb('status', '=', 'ended')})`.as('average_duration'),
    ])
    .where('clinic_id', '=', clinicId)
    .where('is_test', '=', false)
    .where('created_at', '>=', today.start)
    .where('created_at', '<', today.end)
    .executeTakeFirstOrThrow();

  // Appointments made today (whenever they are for), as long as they still stand.
  const bookings = await db
    .selectFrom('bookings')
    .select((eb) => eb.fn.countAll<number>().as('made'))
    .where('clinic_id', '=', clinicId)
    .where('status', '<>', 'cancelled')
    .where('created_at', '>=', today.start)
    .where('created_at', '<', today.end)
    .executeTakeFirstOrThrow();

  const answered = Number(calls.answered);
  const average = calls.average_duration === null ? null : Number(calls.average_duration);
  return {
    date: today.date,
    timeZone: today.timeZone,
    callsToday: Number(calls.total),
    answered,
    missed: Number(calls.missed),
    inProgress: Number(calls.in_progress),
    bookingsToday: Number(bookings.made),
    averageDurationSeconds: average === null ? null : Math.round(average * 10) / 10,
    bookingRate: answered === 0 ? null : Math.min(1, Number(calls.booked) / answered),
  };
}
