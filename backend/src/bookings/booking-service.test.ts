import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { insertBooking } from '../../test/support/call-fixtures.js';
import { createClinic } from '../clinics/clinic-queries.js';
import { InProcessEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import { AppError } from '../errors.js';
import { createBooking, findBookingsBetween, updateBooking, type NewBooking } from './booking-service.js';

const at = (iso: string) => new Date(iso);

describe.each(databaseKinds())('booking service on %s (no double booking)', (kind) => {
  const database = useTestDatabase(kind);
  let bus: InProcessEventBus;
  let published: LiveEvent[];
  let clinicId: string;

  beforeEach(async () => {
    bus = new InProcessEventBus();
    published = [];
    bus.subscribe((events) => published.push(...events));
    clinicId = (await createClinic(database.db, { name: 'Harbour Clinic', timeZone: 'Europe/London' })).id;
  });

  const slot = (overrides: Partial<NewBooking> = {}): NewBooking => ({
    clinicId,
    callId: null,
    patientId: null,
    patientName: 'Maria Lopez',
    patientPhone: '+447911123456',
    service: 'Check-up',
    startsAt: at('2030-06-03T09:00:00Z'),
    endsAt: at('2030-06-03T09:30:00Z'),
    notes: null,
    idempotencyKey: null,
    ...overrides,
  });
  const book = (input: NewBooking) => transactionWithEvents(database.db, bus, (tx, events) => createBooking(tx, events, input));
  const liveBookings = () =>
    database.db.selectFrom('bookings').selectAll().where('clinic_id', '=', clinicId).where('status', '<>', 'cancelled').execute();
  const conflictOf = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  };

  it('books a free slot as pending and emits booking.created after commit', async () => {
    const { booking, created } = await book(slot());
    expect(created).toBe(true);
    expect(booking).toMatchObject({ patientName: 'Maria Lopez', patientPhone: '+447911123456', status: 'pending', service: 'Check-up' });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ kind: 'booking.created', clinicId, seq: 1, data: { booking: { id: booking.id } } });
  });

  it('books once per idempotency key: a replay returns the same booking and emits nothing', async () => {
    const first = await book(slot({ idempotencyKey: 'tool-call-1' }));
    const replay = await book(slot({ idempotencyKey: 'tool-call-1' }));
    expect(replay).toEqual({ booking: first.booking, created: false });
    expect(published).toHaveLength(1);
    expect(await liveBookings()).toHaveLength(1);
  });

  it('refuses an overlapping slot with booking_conflict naming the taken time in the clinic’s zone', async () => {
    await book(slot());
    const error = await conflictOf(book(slot({ startsAt: at('2030-06-03T09:15:00Z'), endsAt: at('2030-06-03T09:45:00Z') })));
    expect(error.code).toBe('booking_conflict');
    // 09:00 UTC in June is 10:00 in London (BST).
    expect(error.message).toBe('That time is already booked (10:00–10:30 on Mon 3 Jun). Choose another time.');
    expect(await liveBookings()).toHaveLength(1);
  });

  it('keeps the caller’s transaction usable after a refused slot', async () => {
    await book(slot());
    const outcome = await transactionWithEvents(database.db, bus, async (tx, events) => {
      const refused = await createBooking(tx, events, slot({ patientName: 'Second Caller' })).catch((e: AppError) => e.code);
      // The same transaction goes on to book the next free slot and commits both pieces of work.
      const next = await createBooking(tx, events, slot({ startsAt: at('2030-06-03T09:30:00Z'), endsAt: at('2030-06-03T10:00:00Z') }));
      await tx.insertInto('patients').values({ clinic_id: clinicId, phone: '+447700900999', name: 'Second Caller' }).execute();
      return { refused, next };
    });
    expect(outcome.refused).toBe('booking_conflict');
    expect(outcome.next.created).toBe(true);
    expect(await liveBookings()).toHaveLength(2);
    expect(await database.db.selectFrom('patients').select('name').execute()).toEqual([{ name: 'Second Caller' }]);
  });

  it('lets back-to-back appointments touch, frees a cancelled slot, and keeps clinics apart', async () => {
    await book(slot());
    await book(slot({ startsAt: at('2030-06-03T09:30:00Z'), endsAt: at('2030-06-03T10:00:00Z') }));
    const other = (await createClinic(database.db, { name: 'Other Clinic' })).id;
    await book(slot({ clinicId: other }));
    await database.db.updateTable('bookings').set({ status: 'cancelled' }).where('clinic_id', '=', clinicId).execute();
    const again = await book(slot({ patientName: 'New Patient' }));
    expect(again.created).toBe(true);
  });

  it('refuses bad input without storing anything', async () => {
    expect((await conflictOf(book(slot({ endsAt: at('2030-06-03T09:00:00Z') })))).code).toBe('validation_failed');
    expect((await conflictOf(book(slot({ patientName: '   ' })))).code).toBe('validation_failed');
    expect((await conflictOf(book(slot({ patientPhone: '12345' })))).code).toBe('invalid_phone_number');
    expect(await liveBookings()).toHaveLength(0);
    expect(published).toHaveLength(0);
  });

  it('never double books one slot under many concurrent requests', async () => {
    const attempts = Array.from({ length: 16 }, (_, i) =>
      book(
        slot({
          patientName: `Caller ${i}`,
          // Every attempt overlaps 09:10–09:20 but with its own start and end.
          startsAt: new Date(at('2030-06-03T09:00:00Z').getTime() + (i % 4) * 60_000),
          endsAt: new Date(at('2030-06-03T09:20:00Z').getTime() + (i % 5) * 60_000),
        }),
      ),
    );
    const results = await Promise.allSettled(attempts);
    const booked = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(booked).toHaveLength(1);
    expect(refused.map((r) => (r.reason as AppError).code)).toEqual(Array(15).fill('booking_conflict'));
    expect(await liveBookings()).toHaveLength(1);
    expect(published.filter((e) => e.kind === 'booking.created')).toHaveLength(1);
  });

  it('books once when the same idempotency key races with itself', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => book(slot({ idempotencyKey: 'replayed-tool-call' }))));
    expect(new Set(results.map((r) => r.booking.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await liveBookings()).toHaveLength(1);
  });

  it('never double books when many bookings are rescheduled into one slot at once', async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        insertBooking(database.db, clinicId, {
          patient_name: `Patient ${i}`,
          starts_at: new Date(at('2030-06-04T08:00:00Z').getTime() + i * 3_600_000),
          ends_at: new Date(at('2030-06-04T08:30:00Z').getTime() + i * 3_600_000),
        }),
      ),
    );
    const results = await Promise.allSettled(
      ids.map((bookingId) =>
        transactionWithEvents(database.db, bus, (tx, events) =>
          updateBooking(tx, events, { clinicId, bookingId, change: { action: 'reschedule', startsAt: '2030-06-05T11:00:00Z' } }),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AppError).code)).toEqual(
      Array(9).fill('booking_conflict'),
    );
    const inSlot = await findBookingsBetween(database.db, clinicId, at('2030-06-05T11:00:00Z'), at('2030-06-05T11:30:00Z'));
    expect(inSlot).toHaveLength(1);
    // The refused ones kept their original times.
    expect(await liveBookings()).toHaveLength(10);
  });

  describe('updateBooking', () => {
    const change = (bookingId: string, c: Parameters<typeof updateBooking>[2]['change'], now?: Date, clinic = clinicId) =>
      transactionWithEvents(database.db, bus, (tx, events) => updateBooking(tx, events, { clinicId: clinic, bookingId, change: c }, now));

    it('confirms, then treats a repeated confirm as a no-op without a second event', async () => {
      const { booking } = await book(slot());
      expect((await change(booking.id, { action: 'confirm' })).status).toBe('confirmed');
      expect((await change(booking.id, { action: 'confirm' })).status).toBe('confirmed');
      expect(published.map((e) => e.kind)).toEqual(['booking.created', 'booking.updated']);
    });

    it('reschedules keeping the length unless an end is given, and refuses the past and a taken slot', async () => {
      const { booking } = await book(slot());
      await book(slot({ startsAt: at('2030-06-03T14:00:00Z'), endsAt: at('2030-06-03T15:00:00Z'), patientName: 'Other' }));
      const moved = await change(booking.id, { action: 'reschedule', startsAt: '2030-06-03T12:00:00Z' });
      expect(moved).toMatchObject({ startsAt: '2030-06-03T12:00:00.000Z', endsAt: '2030-06-03T12:30:00.000Z' });
      const longer = await change(booking.id, { action: 'reschedule', startsAt: '2030-06-03T12:00:00Z', endsAt: '2030-06-03T13:00:00Z' });
      expect(longer.endsAt).toBe('2030-06-03T13:00:00.000Z');
      expect((await conflictOf(change(booking.id, { action: 'reschedule', startsAt: '2030-06-03T14:30:00Z' }))).code).toBe(
        'booking_conflict',
      );
      const past = await conflictOf(
        change(booking.id, { action: 'reschedule', startsAt: '2030-06-01T09:00:00Z' }, at('2030-06-02T00:00:00Z')),
      );
      expect(past.code).toBe('validation_failed');
      const row = await database.db.selectFrom('bookings').selectAll().where('id', '=', booking.id).executeTakeFirstOrThrow();
      expect(row.starts_at.toISOString()).toBe('2030-06-03T12:00:00.000Z');
    });

    it('cancels (freeing the slot) and will not confirm or move a cancelled booking', async () => {
      const { booking } = await book(slot());
      expect((await change(booking.id, { action: 'cancel' })).status).toBe('cancelled');
      expect((await conflictOf(change(booking.id, { action: 'confirm' }))).code).toBe('conflict');
      expect((await conflictOf(change(booking.id, { action: 'reschedule', startsAt: '2030-06-03T16:00:00Z' }))).code).toBe('conflict');
      expect((await book(slot({ patientName: 'Next Patient' }))).created).toBe(true);
    });

    it('does not find another clinic’s booking', async () => {
      const { booking } = await book(slot());
      const other = (await createClinic(database.db, { name: 'Other Clinic' })).id;
      expect((await conflictOf(change(booking.id, { action: 'cancel' }, undefined, other))).code).toBe('not_found');
      const row = await database.db.selectFrom('bookings').select('status').where('id', '=', booking.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('pending');
    });
  });

  it('finds the live bookings overlapping a window, in start order', async () => {
    await book(slot({ startsAt: at('2030-06-03T10:00:00Z'), endsAt: at('2030-06-03T10:30:00Z'), patientName: 'B' }));
    await book(slot({ startsAt: at('2030-06-03T08:45:00Z'), endsAt: at('2030-06-03T09:15:00Z'), patientName: 'A' }));
    const cancelled = await book(slot({ startsAt: at('2030-06-03T11:00:00Z'), endsAt: at('2030-06-03T11:30:00Z'), patientName: 'C' }));
    await sql`update bookings set status = 'cancelled' where id = ${cancelled.booking.id}`.execute(database.db);
    await book(slot({ startsAt: at('2030-06-03T12:00:00Z'), endsAt: at('2030-06-03T12:30:00Z'), patientName: 'Outside' }));
    const found = await findBookingsBetween(database.db, clinicId, at('2030-06-03T09:00:00Z'), at('2030-06-03T12:00:00Z'));
    expect(found.map((b) => b.patientName)).toEqual(['A', 'B']);
    const all = await findBookingsBetween(database.db, clinicId, at('2030-06-03T09:00:00Z'), at('2030-06-03T12:00:00Z'), {
      includeCancelled: true,
    });
    expect(all.map((b) => b.patientName)).toEqual(['A', 'B', 'C']);
  });
});
