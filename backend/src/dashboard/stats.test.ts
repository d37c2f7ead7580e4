import { beforeEach, describe, expect, it } from 'vitest';
import { DashboardStatsSchema } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { insertBooking, insertCall } from '../../test/support/call-fixtures.js';
import { createClinic } from '../clinics/clinic-queries.js';
import { computeDashboardStats } from './stats.js';

// 10 March 2030 is the day New York springs forward: the local day runs 05:00Z to 04:00Z (23 hours).
const NOW = new Date('2030-03-10T15:00:00Z');
const at = (iso: string) => new Date(iso);

describe.each(databaseKinds())('dashboard stats on %s', (kind) => {
  const database = useTestDatabase(kind);
  let clinicId: string;

  beforeEach(async () => {
    clinicId = (await createClinic(database.db, { name: 'Hudson Clinic', timeZone: 'America/New_York' })).id;
  });

  it('answers zeros and nulls for a clinic with no calls yet', async () => {
    expect(await computeDashboardStats(database.db, clinicId, NOW)).toEqual({
      date: '2030-03-10',
      timeZone: 'America/New_York',
      callsToday: 0,
      answered: 0,
      missed: 0,
      inProgress: 0,
      bookingsToday: 0,
      averageDurationSeconds: null,
      bookingRate: null,
    });
  });

  it('counts today in the clinic’s time zone across a daylight-saving change', async () => {
    const db = database.db;
    await insertCall(db, clinicId, { created_at: at('2030-03-10T04:59:59Z'), outcome: 'answered' }); // 23:59 yesterday
    await insertCall(db, clinicId, { created_at: at('2030-03-10T05:00:00Z'), outcome: 'answered', duration_seconds: 120 });
    await insertCall(db, clinicId, { created_at: at('2030-03-10T09:00:00Z'), outcome: 'booked', duration_seconds: 60 });
    await insertCall(db, clinicId, { created_at: at('2030-03-10T10:00:00Z'), outcome: 'missed', duration_seconds: 0 });
    await insertCall(db, clinicId, { created_at: at('2030-03-10T11:00:00Z'), outcome: 'abandoned', duration_seconds: 5 });
    await insertCall(db, clinicId, { created_at: at('2030-03-10T12:00:00Z'), outcome: 'spam', duration_seconds: 10 });
    await insertCall(db, clinicId, {
      created_at: at('2030-03-10T14:55:00Z'),
      status: 'in-progress',
      outcome: null,
      duration_seconds: null,
    });
    await insertCall(db, clinicId, { created_at: at('2030-03-10T13:00:00Z'), outcome: 'answered', is_test: true, duration_seconds: 999 });
    await insertCall(db, clinicId, { created_at: at('2030-03-11T03:59:00Z'), outcome: 'transferred', duration_seconds: 300 }); // 23:59 EDT
    await insertCall(db, clinicId, { created_at: at('2030-03-11T04:00:00Z'), outcome: 'answered' }); // tomorrow
    const other = (await createClinic(db, { name: 'Other', timeZone: 'America/New_York' })).id;
    await insertCall(db, other, { created_at: at('2030-03-10T12:00:00Z'), outcome: 'booked' });

    await insertBooking(db, clinicId, {
      created_at: at('2030-03-10T09:01:00Z'),
      starts_at: at('2030-03-12T14:00:00Z'),
      ends_at: at('2030-03-12T14:30:00Z'),
    });
    await insertBooking(db, clinicId, {
      created_at: at('2030-03-10T09:30:00Z'),
      status: 'cancelled',
      starts_at: at('2030-03-12T15:00:00Z'),
      ends_at: at('2030-03-12T15:30:00Z'),
    });
    await insertBooking(db, clinicId, {
      created_at: at('2030-03-09T12:00:00Z'),
      starts_at: at('2030-03-10T16:00:00Z'),
      ends_at: at('2030-03-10T16:30:00Z'),
    });

    const stats = await computeDashboardStats(db, clinicId, NOW);
    expect(DashboardStatsSchema.parse(stats)).toEqual(stats);
    expect(stats).toEqual({
      date: '2030-03-10',
      timeZone: 'America/New_York',
      callsToday: 7,
      answered: 3,
      missed: 2,
      inProgress: 1,
      bookingsToday: 1,
      averageDurationSeconds: 82.5, // (120 + 60 + 0 + 5 + 10 + 300) / 6 ended calls
      bookingRate: 1 / 3,
    });
  });

  it('includes what the surrounding transaction is about to commit', async () => {
    const stats = await database.db.transaction().execute(async (tx) => {
      await tx.insertInto('calls').values({ clinic_id: clinicId, direction: 'inbound', status: 'ringing', created_at: NOW }).execute();
      return computeDashboardStats(tx, clinicId, NOW);
    });
    expect(stats).toMatchObject({ callsToday: 1, inProgress: 1 });
  });
});
