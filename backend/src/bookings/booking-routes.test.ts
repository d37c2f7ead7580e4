import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BookingListResponseSchema, BookingResponseSchema, type Booking } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { insertBooking } from '../../test/support/call-fixtures.js';
import { json } from '../../test/support/http.js';
import { clinicToday } from '../clinics/clinic-days.js';

const HOUR = 3_600_000;

describe.each(databaseKinds())('bookings over HTTP on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;
  let desk: SignedIn;
  /** Two days ahead, on a whole minute: every booking time in a test is relative to it. */
  let base: number;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await createClinicWithStaff(database.db, { timeZone: 'Australia/Sydney' });
    desk = await signIn(backend.url, staff);
    base = Math.floor((Date.now() + 48 * HOUR) / 60_000) * 60_000;
  });

  const future = (hours: number) => new Date(base + hours * HOUR);
  const booking = (startHour: number, fields: Record<string, unknown> = {}) =>
    insertBooking(database.db, staff.clinicId, { starts_at: future(startHour), ends_at: future(startHour + 0.5), ...fields });
  const patch = (id: string, body: unknown, as = desk, headers: Record<string, string> = {}) =>
    as.api(`/api/bookings/${id}`, { method: 'PATCH', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
  const stored = (id: string) => database.db.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('lists today’s bookings in the clinic’s time zone by default, and any range of days on request', async () => {
    const today = await clinicToday(database.db, staff.clinicId, new Date());
    const first = await insertBooking(database.db, staff.clinicId, {
      starts_at: new Date(today.start.getTime() + 9 * HOUR),
      ends_at: new Date(today.start.getTime() + 9.5 * HOUR),
    });
    const tomorrow = await insertBooking(database.db, staff.clinicId, {
      starts_at: new Date(today.end.getTime() + 9 * HOUR),
      ends_at: new Date(today.end.getTime() + 9.5 * HOUR),
      status: 'cancelled',
    });
    const lastMinute = await insertBooking(database.db, staff.clinicId, {
      starts_at: new Date(today.end.getTime() - 0.5 * HOUR),
      ends_at: today.end,
    });

    const res = await desk.api('/api/bookings');
    expect(res.status).toBe(200);
    const body = BookingListResponseSchema.parse(await json(res));
    expect(body.items.map((b) => b.id)).toEqual([first, lastMinute]);

    const nextDay = new Date(today.end.getTime() + 12 * HOUR).toISOString().slice(0, 10);
    const range = await json(await desk.api(`/api/bookings?from=${today.date}&to=${nextDay}`));
    expect(range.items.map((b: Booking) => b.id)).toEqual([first, lastMinute, tomorrow]);
    const cancelled = await json(await desk.api(`/api/bookings?from=${today.date}&to=${nextDay}&status=cancelled`));
    expect(cancelled.items.map((b: Booking) => b.id)).toEqual([tomorrow]);
    expect((await desk.api(`/api/bookings?from=${nextDay}&to=${today.date}`)).status).toBe(400);
    expect((await desk.api('/api/bookings?from=yesterday')).status).toBe(400);
    expect((await desk.api('/api/bookings?limit=5')).status).toBe(400);
  });

  it('confirms, reschedules and cancels a booking', async () => {
    const id = await booking(0);
    const confirmed = await patch(id, { action: 'confirm' });
    expect(confirmed.status).toBe(200);
    expect(BookingResponseSchema.parse(await json(confirmed)).booking.status).toBe('confirmed');

    const newStart = future(5);
    const moved = await patch(id, { action: 'reschedule', startsAt: newStart.toISOString() });
    expect(moved.status).toBe(200);
    expect((await json(moved)).booking).toMatchObject({
      startsAt: newStart.toISOString(),
      endsAt: new Date(newStart.getTime() + 0.5 * HOUR).toISOString(),
      status: 'confirmed',
    });

    const cancelled = await patch(id, { action: 'cancel' });
    expect((await json(cancelled)).booking.status).toBe('cancelled');
    expect((await stored(id)).status).toBe('cancelled');
  });

  it('answers 409 booking_conflict for a taken slot, and only one of many concurrent moves wins', async () => {
    const taken = await booking(0);
    const mover = await booking(3);
    const res = await patch(mover, { action: 'reschedule', startsAt: future(0.25).toISOString() });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toMatchObject({ code: 'booking_conflict', message: expect.stringContaining('already booked') });
    expect((await stored(mover)).starts_at).toEqual(future(3));

    const movers = await Promise.all([1, 2, 3, 4, 5, 6].map((h) => booking(10 + h)));
    const target = future(30).toISOString();
    const answers = await Promise.all(movers.map((id) => patch(id, { action: 'reschedule', startsAt: target })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const inSlot = await database.db.selectFrom('bookings').select('id').where('starts_at', '=', new Date(target)).execute();
    expect(inSlot).toHaveLength(1);
    expect((await stored(taken)).starts_at).toEqual(future(0));
  });

  it('refuses a change without the session’s CSRF token (403) and changes nothing', async () => {
    const id = await booking(0);
    const bare = await fetch(`${backend.url}/api/bookings/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${desk.session.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'cancel' }),
    });
    expect(bare.status).toBe(403);
    expect((await json(bare)).error.code).toBe('csrf_failed');
    expect((await patch(id, { action: 'cancel' }, desk, { 'x-csrf-token': 'forged' })).status).toBe(403);
    const otherSession = await signIn(backend.url, staff);
    expect((await patch(id, { action: 'cancel' }, desk, { 'x-csrf-token': otherSession.session.csrfToken })).status).toBe(403);
    expect((await stored(id)).status).toBe('pending');
  });

  it('answers malformed JSON, unknown fields, bad actions and oversized bodies with 4xx and changes nothing', async () => {
    const id = await booking(0);
    const before = await stored(id);
    const cases: Array<[string, number, string]> = [
      ['{"action":', 400, 'invalid_json'],
      [JSON.stringify({ action: 'cancel', status: 'confirmed' }), 400, 'validation_failed'],
      [JSON.stringify({ action: 'delete' }), 400, 'validation_failed'],
      [JSON.stringify({ action: 'reschedule', startsAt: 'tomorrow at 10' }), 400, 'validation_failed'],
      [
        JSON.stringify({ action: 'reschedule', startsAt: future(4).toISOString(), endsAt: future(3).toISOString() }),
        400,
        'validation_failed',
      ],
      [JSON.stringify({ action: 'reschedule', startsAt: new Date(Date.now() - HOUR).toISOString() }), 400, 'validation_failed'],
      [JSON.stringify({ action: 'cancel', notes: 'x'.repeat(1_100_000) }), 413, 'payload_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const res = await patch(id, body);
      expect(res.status, body.slice(0, 80)).toBe(status);
      expect((await json(res)).error.code).toBe(code);
    }
    expect(await stored(id)).toEqual(before);
  });

  it('never lets one clinic read or change another clinic’s bookings (IDOR)', async () => {
    const today = await clinicToday(database.db, staff.clinicId, new Date());
    const id = await insertBooking(database.db, staff.clinicId, {
      starts_at: new Date(today.start.getTime() + 10 * HOUR),
      ends_at: new Date(today.start.getTime() + 10.5 * HOUR),
    });
    const before = await stored(id);
    const intruder = await signIn(backend.url, await createClinicWithStaff(database.db, { timeZone: 'Australia/Sydney' }));
    for (const body of [{ action: 'cancel' }, { action: 'confirm' }, { action: 'reschedule', startsAt: future(9).toISOString() }]) {
      const res = await patch(id, body, intruder);
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe('not_found');
    }
    const listed = await json(await intruder.api(`/api/bookings?from=${today.date}&to=${today.date}`));
    expect(listed.items).toEqual([]);
    expect(await stored(id)).toEqual(before);
  });

  it('answers 404 for an unknown booking id and requires sign-in', async () => {
    expect((await patch(crypto.randomUUID(), { action: 'cancel' })).status).toBe(404);
    expect((await patch('not-a-uuid', { action: 'cancel' })).status).toBe(404);
    expect((await fetch(`${backend.url}/api/bookings`)).status).toBe(401);
  });
});
