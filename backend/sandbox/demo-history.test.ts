import { beforeEach, describe, expect, it } from 'vitest';
import { CallDetailSchema, CallListResponseSchema } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../test/support/test-database.js';
import { getCallDetail, listCalls } from '../src/calls/call-queries.js';
import { listBookingsOnDays } from '../src/bookings/booking-service.js';
import { computeDashboardStats } from '../src/dashboard/stats.js';
import { createClinic } from '../src/clinics/clinic-queries.js';
import { ensureDemoHistory } from './demo-history.js';

// A Wednesday afternoon in London.
const NOW = new Date('2030-03-13T15:00:00Z');

describe.each(databaseKinds())('demo clinic sample history on %s', (kind) => {
  const database = useTestDatabase(kind);
  let clinicId: string;

  beforeEach(async () => {
    clinicId = (await createClinic(database.db, { name: 'Riverside Family Clinic', timeZone: 'Europe/London' })).id;
  });

  it('fills two weeks of calls, transcripts, returning patients and bookings, once', async () => {
    const first = await ensureDemoHistory(database.db, clinicId, NOW);
    expect(first.created).toBe(true);
    expect(first.calls).toBeGreaterThan(80);
    expect(first.bookings).toBeGreaterThan(15);
    expect(await ensureDemoHistory(database.db, clinicId, NOW)).toEqual({ created: false, calls: 0, bookings: 0 });
    const count = await database.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(first.calls);

    const page = CallListResponseSchema.parse(await listCalls(database.db, clinicId, { limit: 100 }));
    const oldest = new Date(page.items.at(-1)!.createdAt);
    expect(NOW.getTime() - oldest.getTime()).toBeLessThan(15 * 86_400_000);
    expect(page.items.every((c) => new Date(c.createdAt) < NOW)).toBe(true);
    expect(new Set(page.items.map((c) => c.outcome))).toEqual(
      new Set(['booked', 'answered', 'transferred', 'missed', 'abandoned', 'spam']),
    );
    const returning = page.items.filter((c) => c.patientName !== null);
    expect(new Set(returning.map((c) => c.patientName)).size).toBeLessThan(returning.length);
    expect(page.items.filter((c) => c.needsAttention).length).toBeGreaterThanOrEqual(1);
    expect(page.items.filter((c) => c.needsAttention).length).toBeLessThanOrEqual(3);

    const booked = page.items.find((c) => c.outcome === 'booked')!;
    const detail = CallDetailSchema.parse(await getCallDetail(database.db, clinicId, booked.id));
    expect(detail.transcript.length).toBeGreaterThan(4);
    expect(detail.timeline.map((t) => ('status' in t ? t.status : 'incident' in t ? t.incident : t.action))).toEqual([
      'ringing',
      'in-progress',
      'ended',
    ]);
    expect(detail.bookings).toHaveLength(1);
    expect(detail.summary).toContain('booked');
  });

  it('gives today a dashboard and a schedule', async () => {
    await ensureDemoHistory(database.db, clinicId, NOW);
    const stats = await computeDashboardStats(database.db, clinicId, NOW);
    expect(stats.callsToday).toBeGreaterThan(0);
    const coming = await listBookingsOnDays(database.db, clinicId, { from: '2030-03-13', to: '2030-03-20' }, NOW);
    expect(coming.length).toBeGreaterThan(3);
  });

  it('leaves bookings the clinic already has alone', async () => {
    const existing = await database.db
      .insertInto('bookings')
      .values({
        clinic_id: clinicId,
        patient_name: 'Already Booked',
        call_id: null,
        patient_id: null,
        patient_phone: null,
        service: null,
        notes: null,
        idempotency_key: null,
        starts_at: new Date('2030-02-01T00:00:00Z'),
        ends_at: new Date('2030-04-30T00:00:00Z'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Every slot in the fortnight overlaps that (three-month) booking: calls are stored, bookings are not.
    const result = await ensureDemoHistory(database.db, clinicId, NOW);
    expect(result.created).toBe(true);
    expect(result.bookings).toBe(0);
    const bookings = await database.db.selectFrom('bookings').select('id').execute();
    expect(bookings).toEqual([{ id: existing.id }]);
  });
});
