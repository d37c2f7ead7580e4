import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DashboardStatsSchema } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn } from '../../test/support/fixtures.js';
import { insertCall } from '../../test/support/call-fixtures.js';
import { json } from '../../test/support/http.js';

describe.each(databaseKinds())('GET /api/dashboard/stats on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(() => database.reset());

  it('answers today’s figures for the signed-in clinic only', async () => {
    const mine = await createClinicWithStaff(database.db, { timeZone: 'Asia/Tokyo' });
    const theirs = await createClinicWithStaff(database.db, { timeZone: 'Asia/Tokyo' });
    await insertCall(database.db, mine.clinicId, { outcome: 'booked', duration_seconds: 90 });
    await insertCall(database.db, mine.clinicId, { status: 'ringing', outcome: null, duration_seconds: null });
    for (let i = 0; i < 3; i++) await insertCall(database.db, theirs.clinicId, { outcome: 'missed' });

    const res = await (await signIn(backend.url, mine)).api('/api/dashboard/stats');
    expect(res.status).toBe(200);
    const stats = DashboardStatsSchema.parse(await json(res));
    expect(stats).toMatchObject({
      timeZone: 'Asia/Tokyo',
      callsToday: 2,
      answered: 1,
      missed: 0,
      inProgress: 1,
      averageDurationSeconds: 90,
      bookingRate: 1,
    });
    const theirStats = await json(await (await signIn(backend.url, theirs)).api('/api/dashboard/stats'));
    expect(theirStats).toMatchObject({ callsToday: 3, missed: 3, answered: 0, bookingRate: null });
  });

  it('requires a signed-in user', async () => {
    expect((await fetch(`${backend.url}/api/dashboard/stats`)).status).toBe(401);
  });
});
