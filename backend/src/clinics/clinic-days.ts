// A clinic's calendar days. "Today", "from 3 March to 5 March" and similar are days in the clinic's
// own time zone (clinics.time_zone), so their boundaries are computed by Postgres from its time-zone
// database: right across daylight-saving changes, the same on PGlite and on a server.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';

export interface ClinicDay {
  timeZone: string;
  /** YYYY-MM-DD in the clinic's time zone. */
  date: string;
  /** The day's first instant. */
  start: Date;
  /** The next day's first instant (exclusive end). */
  end: Date;
}

/**
 * The clinic's calendar day at `now` as a query (columns time_zone, date, start, end), to run alone
 * or to use as a CTE in a larger statement.
 */
export function clinicDayQuery(clinicId: string, now: Date): RawBuilder<ClinicDayRow> {
  return sql<ClinicDayRow>`
    select time_zone, day as date,
           day::timestamp at time zone time_zone as start,
           (day + 1)::timestamp at time zone time_zone as end
    from (select time_zone, (${now}::timestamptz at time zone time_zone)::date as day from clinics where id = ${clinicId}) as today`;
}

interface ClinicDayRow {
  time_zone: string;
  date: string;
  start: Date;
  end: Date;
}

/** The clinic's current calendar day at `now`. */
export async function clinicToday(db: Db, clinicId: string, now: Date): Promise<ClinicDay> {
  const result = await clinicDayQuery(clinicId, now).execute(db);
  const row = result.rows[0];
  if (!row) throw AppError.notFound('Clinic');
  return { timeZone: row.time_zone, date: row.date, start: row.start, end: row.end };
}

/** The first instant of `day` (YYYY-MM-DD) in the clinic's time zone, for use inside a query. */
export function startOfClinicDay(clinicId: string, day: string): RawBuilder<Date> {
  return sql<Date>`(select ${day}::date::timestamp at time zone time_zone from clinics where id = ${clinicId})`;
}

/** The first instant after `day` in the clinic's time zone (an exclusive upper bound). */
export function endOfClinicDay(clinicId: string, day: string): RawBuilder<Date> {
  return sql<Date>`(select (${day}::date + 1)::timestamp at time zone time_zone from clinics where id = ${clinicId})`;
}

/** Refuses a range whose last day comes before its first (a clear 400 instead of an empty page). */
export function assertDayRange(from: string | undefined, to: string | undefined): void {
  if (from && to && to < from) {
    throw new AppError('validation_failed', `Invalid query: to (${to}) is before from (${from})`, [
      { path: 'to', message: 'must be on or after from' },
    ]);
  }
}
