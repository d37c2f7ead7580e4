// The dashboard's figures for the clinic's "today" (R-D6): served by GET /api/dashboard/stats and
// carried by the `stats.changed` events telephony emits inside its transactions (pass the
// transaction, so the figures include what it is about to commit).
//
// Counted: the clinic's real calls created today. Test calls (the agent page's "Call my phone" and
// web tests) are left out, because they are not patients and would skew the booking rate.
import { sql } from 'kysely';
import type { DashboardStats } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import { clinicDayQuery } from '../clinics/clinic-days.js';
import { AppError } from '../http/errors.js';

/** Outcomes where someone (the assistant or staff) spoke with the caller. */
const ANSWERED = ['booked', 'answered', 'transferred'] as const;
/** Outcomes where the caller went unserved. Spam and platform failures are neither. */
const MISSED = ['missed', 'abandoned'] as const;
const LIVE_STATUSES = ['queued', 'ringing', 'in-progress', 'forwarding'] as const;

export async function computeDashboardStats(db: Db, clinicId: string, now: Date = new Date()): Promise<DashboardStats> {
  // One statement (it also runs inside every call-start and call-end transaction): the clinic's day
  // in its time zone, then the day's calls and bookings counted against it.
  const { rows } = await sql<{
    time_zone: string;
    date: string;
    total: number | string;
    answered: number | string;
    missed: number | string;
    in_progress: number | string;
    booked: number | string;
    average_duration: number | string | null;
    bookings_made: number | string;
  }>`
    with day as (${clinicDayQuery(clinicId, now)}), today_calls as (
      select count(*) as total,
             count(*) filter (where outcome in (${sql.join(ANSWERED)})) as answered,
             count(*) filter (where outcome in (${sql.join(MISSED)})) as missed,
             count(*) filter (where status in (${sql.join(LIVE_STATUSES)})) as in_progress,
             count(*) filter (where outcome = 'booked') as booked,
             avg(duration_seconds) filter (where status = 'ended') as average_duration
      from calls, day
      where clinic_id = ${clinicId} and not is_test and created_at >= day.start and created_at < day.end
    ), today_bookings as (
      -- Appointments made today (whenever they are for), as long as they still stand.
      select count(*) as bookings_made
      from bookings, day
      where clinic_id = ${clinicId} and status <> 'cancelled' and created_at >= day.start and created_at < day.end
    )
    select day.time_zone, day.date, today_calls.*, today_bookings.bookings_made
    from day, today_calls, today_bookings`.execute(db);
  const row = rows[0];
  if (!row) throw AppError.notFound('Clinic');

  const answered = Number(row.answered);
  const average = row.average_duration === null ? null : Number(row.average_duration);
  return {
    date: row.date,
    timeZone: row.time_zone,
    callsToday: Number(row.total),
    answered,
    missed: Number(row.missed),
    inProgress: Number(row.in_progress),
    bookingsToday: Number(row.bookings_made),
    averageDurationSeconds: average === null ? null : Math.round(average * 10) / 10,
    bookingRate: answered === 0 ? null : Math.min(1, Number(row.booked) / answered),
  };
}
