// How a booking is made, changed and looked up. The assistant's tools (telephony) and the front desk's
// PATCH both come through here, inside the caller's transaction, so the booking and its live event
// commit together.
//
// No double booking: the `bookings_no_overlap` exclusion constraint is the only judge, because only
// the database sees concurrent transactions. Each write runs inside a savepoint, so a refused slot
// rolls back just that statement and the caller's transaction (a webhook that also stores a
// transcript, say) stays usable and can answer "that time is taken" instead of failing as a whole.
import { sql } from 'kysely';
import { normalizePhoneNumber, type Booking, type BookingPatch, type BookingListQuery } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { BookingRow } from '../db/schema.js';
import type { EventRecorder, Tx } from '../live/event-log.js';
import { AppError } from '../errors.js';
import { assertDayRange, clinicToday, endOfClinicDay, startOfClinicDay } from '../clinics/clinic-days.js';
import { toBooking } from './booking-mapping.js';

export interface NewBooking {
  clinicId: string;
  callId: string | null;
  patientId: string | null;
  patientName: string;
  /** E.164 */
  patientPhone: string | null;
  /** A number the patient gave that is not a valid number: kept as given, shown as unverified. */
  patientPhoneRaw?: string | null;
  service: string | null;
  startsAt: Date;
  endsAt: Date;
  /** Bookings the assistant makes start as `pending` until the front desk confirms them. */
  status?: 'pending' | 'confirmed';
  notes: string | null;
  /** e.g. the tool call id: the same key books once, however often the request is replayed. */
  idempotencyKey: string | null;
  /** Why staff should review the booking before relying on it. */
  reviewReason?: string | null;
}

export interface CreatedBooking {
  booking: Booking;
  /** False when the idempotency key had already booked: nothing new was stored or emitted. */
  created: boolean;
}

const EXCLUSION_VIOLATION = '23P01';
const UNIQUE_VIOLATION = '23505';
const OVERLAP_CONSTRAINT = 'bookings_no_overlap';
const IDEMPOTENCY_CONSTRAINT = 'bookings_clinic_id_idempotency_key_key';

/** Books a slot, or throws `booking_conflict` (the caller's transaction stays usable). Emits `booking.created`. */
export async function createBooking(tx: Tx, events: EventRecorder, input: NewBooking): Promise<CreatedBooking> {
  const values = validateNewBooking(input);
  if (input.idempotencyKey) {
    const existing = await findByIdempotencyKey(tx, input.clinicId, input.idempotencyKey);
    if (existing) return { booking: toBooking(existing), created: false };
  }
  await takeClinicBookingTurn(tx, input.clinicId);
  try {
    const row = await insideSavepoint(tx, () =>
      tx
        .insertInto('bookings')
        .values({
          clinic_id: input.clinicId,
          call_id: input.callId,
          patient_id: input.patientId,
          patient_name: values.patientName,
          patient_phone: values.patientPhone,
          patient_phone_raw: values.patientPhone === null ? (input.patientPhoneRaw?.trim().slice(0, 40) ?? null) : null,
          service: input.service?.trim() || null,
          starts_at: input.startsAt,
          ends_at: input.endsAt,
          status: input.status ?? 'pending',
          notes: input.notes?.trim() || null,
          idempotency_key: input.idempotencyKey,
          review_reason: input.reviewReason?.trim() || null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    const booking = toBooking(row);
    events.emit(input.clinicId, { kind: 'booking.created', data: { booking } });
    return { booking, created: true };
  } catch (error) {
    if (violated(error, UNIQUE_VIOLATION, IDEMPOTENCY_CONSTRAINT) && input.idempotencyKey) {
      // A concurrent replay with the same key committed first: that booking is the answer.
      const existing = await findByIdempotencyKey(tx, input.clinicId, input.idempotencyKey);
      if (existing) return { booking: toBooking(existing), created: false };
    }
    if (violated(error, EXCLUSION_VIOLATION, OVERLAP_CONSTRAINT)) {
      throw await slotTaken(tx, input.clinicId, input.startsAt, input.endsAt, null);
    }
    throw error;
  }
}

export interface BookingChange {
  clinicId: string;
  bookingId: string;
  change: BookingPatch;
}

/**
 * Confirms, cancels or reschedules one of the clinic's bookings (another clinic's booking is simply
 * not found). Emits `booking.updated` when something changed; repeating a change is a no-op.
 */
export async function updateBooking(tx: Tx, events: EventRecorder, input: BookingChange, now = new Date()): Promise<Booking> {
  await takeClinicBookingTurn(tx, input.clinicId);
  const current = await tx
    .selectFrom('bookings')
    .selectAll()
    .where('id', '=', input.bookingId)
    .where('clinic_id', '=', input.clinicId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw AppError.notFound('Booking');

  const change = input.change;
  let update: { status?: 'confirmed' | 'cancelled'; starts_at?: Date; ends_at?: Date } = {};
  switch (change.action) {
    case 'confirm':
      if (current.status === 'cancelled') {
        throw new AppError('conflict', 'This booking was cancelled; make a new booking instead of confirming it.');
      }
      if (current.status !== 'confirmed') update = { status: 'confirmed' };
      break;
    case 'cancel':
      if (current.status !== 'cancelled') update = { status: 'cancelled' };
      break;
    case 'reschedule': {
      if (current.status === 'cancelled') {
        throw new AppError('conflict', 'This booking was cancelled; make a new booking instead of moving it.');
      }
      const startsAt = new Date(change.startsAt);
      const endsAt = change.endsAt
        ? new Date(change.endsAt)
        : new Date(startsAt.getTime() + (current.ends_at.getTime() - current.starts_at.getTime()));
      if (endsAt <= startsAt) {
        throw new AppError('validation_failed', 'Invalid request body: endsAt must be after startsAt', [
          { path: 'endsAt', message: 'must be after startsAt' },
        ]);
      }
      if (startsAt < now) {
        throw new AppError('validation_failed', 'Invalid request body: a booking cannot be moved into the past', [
          { path: 'startsAt', message: 'must be in the future' },
        ]);
      }
      if (startsAt.getTime() !== current.starts_at.getTime() || endsAt.getTime() !== current.ends_at.getTime()) {
        update = { starts_at: startsAt, ends_at: endsAt };
      }
      break;
    }
  }
  if (Object.keys(update).length === 0) return toBooking(current);

  try {
    const row = await insideSavepoint(tx, () =>
      tx
        .updateTable('bookings')
        .set({ ...update, updated_at: now })
        .where('id', '=', current.id)
        .where('clinic_id', '=', input.clinicId)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    const booking = toBooking(row);
    events.emit(input.clinicId, { kind: 'booking.updated', data: { booking } });
    return booking;
  } catch (error) {
    if (violated(error, EXCLUSION_VIOLATION, OVERLAP_CONSTRAINT)) {
      throw await slotTaken(tx, input.clinicId, update.starts_at ?? current.starts_at, update.ends_at ?? current.ends_at, current.id);
    }
    throw error;
  }
}

/**
 * The clinic's live (not cancelled, unless asked) bookings overlapping [from, to), by start time.
 * What `checkAvailability` reads to offer free slots.
 */
export async function findBookingsBetween(
  db: Db,
  clinicId: string,
  from: Date,
  to: Date,
  options: { includeCancelled?: boolean } = {},
): Promise<Booking[]> {
  let query = db
    .selectFrom('bookings')
    .selectAll()
    .where('clinic_id', '=', clinicId)
    .where('starts_at', '<', to)
    .where('ends_at', '>', from);
  if (!options.includeCancelled) query = query.where('status', '<>', 'cancelled');
  const rows = await query.orderBy('starts_at').orderBy('id').execute();
  return rows.map(toBooking);
}

/** Bookings starting on the given days of the clinic's calendar (both ends default to today). */
export async function listBookingsOnDays(db: Db, clinicId: string, query: BookingListQuery, now = new Date()): Promise<Booking[]> {
  assertDayRange(query.from, query.to);
  const today = query.from && query.to ? '' : (await clinicToday(db, clinicId, now)).date;
  let from = query.from ?? today;
  let to = query.to ?? today;
  // One end given on the far side of today: the range is just that day, not an inverted range.
  if (to < from) {
    if (query.to) from = to;
    else to = from;
  }
  let select = db
    .selectFrom('bookings')
    .selectAll()
    .where('clinic_id', '=', clinicId)
    .where('starts_at', '>=', startOfClinicDay(clinicId, from))
    .where('starts_at', '<', endOfClinicDay(clinicId, to));
  if (query.status) select = select.where('status', '=', query.status);
  const rows = await select.orderBy('starts_at').orderBy('id').limit(MAX_LISTED_BOOKINGS).execute();
  return rows.map(toBooking);
}

/**
 * How many of the clinic's live bookings a call made, or a phone number was booked under since a
 * time: what the caps on bookings per call and per caller per day count. Take the clinic's booking
 * turn first (takeClinicBookingTurn) so concurrent bookings cannot both slip under a cap.
 */
export async function countLiveBookings(
  tx: Tx,
  clinicId: string,
  by: { callId: string } | { patientPhone: string; since: Date },
): Promise<number> {
  let query = tx
    .selectFrom('bookings')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('clinic_id', '=', clinicId)
    .where('status', '<>', 'cancelled');
  query =
    'callId' in by
      ? query.where('call_id', '=', by.callId)
      : query.where('patient_phone', '=', by.patientPhone).where('created_at', '>=', by.since);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.count);
}

/** A clinic books at most a few hundred appointments a day; this only stops a year-long range from flooding a response. */
const MAX_LISTED_BOOKINGS = 2_000;

function validateNewBooking(input: NewBooking): { patientName: string; patientPhone: string | null } {
  const patientName = input.patientName.trim();
  if (!patientName || patientName.length > 200) {
    throw new AppError('validation_failed', 'A booking needs the patient’s name (at most 200 characters).', [
      { path: 'patientName', message: 'must be 1 to 200 characters' },
    ]);
  }
  if (Number.isNaN(input.startsAt.getTime()) || Number.isNaN(input.endsAt.getTime()) || input.endsAt <= input.startsAt) {
    throw new AppError('validation_failed', 'A booking must end after it starts.', [{ path: 'endsAt', message: 'must be after startsAt' }]);
  }
  let patientPhone: string | null = null;
  if (input.patientPhone !== null) {
    const phone = normalizePhoneNumber(input.patientPhone);
    if (!phone.ok) throw new AppError('invalid_phone_number', phone.message, [{ path: 'patientPhone', message: phone.message }]);
    patientPhone = phone.e164;
  }
  return { patientName, patientPhone };
}

/** The booking an idempotency key already made, if any (a replayed request answers with it). */
export function findByIdempotencyKey(tx: Tx, clinicId: string, key: string): Promise<BookingRow | undefined> {
  return tx.selectFrom('bookings').selectAll().where('clinic_id', '=', clinicId).where('idempotency_key', '=', key).executeTakeFirst();
}

let savepointCounter = 0;

/**
 * Makes the clinic's booking writers take turns until their transactions end. Without it, two
 * transactions writing overlapping slots at once each wait in the exclusion constraint's check for
 * the other to finish, and PostgreSQL breaks the deadlock by failing one with 40P01 (a 500) instead
 * of answering it `booking_conflict`. Bookings are rare enough per clinic that the queue costs nothing.
 */
export async function takeClinicBookingTurn(tx: Tx, clinicId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`voxanne.bookings:${clinicId}`}, 0))`.execute(tx);
}

/** Runs one statement so that its failure undoes only itself, not the surrounding transaction. */
async function insideSavepoint<T>(tx: Tx, work: () => Promise<T>): Promise<T> {
  const name = sql.id(`booking_write_${++savepointCounter}`);
  await sql`savepoint ${name}`.execute(tx);
  try {
    const value = await work();
    await sql`release savepoint ${name}`.execute(tx);
    return value;
  } catch (error) {
    await sql`rollback to savepoint ${name}`.execute(tx);
    throw error;
  }
}

function violated(error: unknown, code: string, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === code && e.constraint === constraint;
}

/** A readable refusal naming the booked slot in the clinic's local time (no patient details). */
async function slotTaken(tx: Tx, clinicId: string, startsAt: Date, endsAt: Date, ignoreId: string | null): Promise<AppError> {
  let query = tx
    .selectFrom('bookings')
    .innerJoin('clinics', 'clinics.id', 'bookings.clinic_id')
    .select(['bookings.starts_at', 'bookings.ends_at', 'clinics.time_zone'])
    .where('bookings.clinic_id', '=', clinicId)
    .where('bookings.status', '<>', 'cancelled')
    .where('bookings.starts_at', '<', endsAt)
    .where('bookings.ends_at', '>', startsAt);
  if (ignoreId) query = query.where('bookings.id', '<>', ignoreId);
  const taken = await query.orderBy('bookings.starts_at').executeTakeFirst();
  if (!taken) return new AppError('booking_conflict', 'That time overlaps another booking. Choose another time.');
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: taken.time_zone, hour: '2-digit', minute: '2-digit', hour12: false });
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: taken.time_zone, weekday: 'short', day: 'numeric', month: 'short' });
  return new AppError(
    'booking_conflict',
    `That time is already booked (${time.format(taken.starts_at)}–${time.format(taken.ends_at)} on ${day.format(taken.starts_at)}). Choose another time.`,
  );
}
