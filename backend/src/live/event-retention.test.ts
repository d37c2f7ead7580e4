import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { createClinicWithStaff } from '../../test/support/fixtures.js';
import { writeLiveEvents } from '../../test/support/live-client.js';
import { InProcessEventBus } from './event-bus.js';
import { pruneEventLog } from './event-retention.js';

const HOUR = 3_600_000;

describe.each(databaseKinds())('event log retention on %s: keep ≥ 24 h AND ≥ the newest N per clinic', (kind) => {
  const database = useTestDatabase(kind);
  const bus = new InProcessEventBus();

  const clinicWithEvents = async (count: number, olderThanDayUpTo: number) => {
    const { clinicId } = await createClinicWithStaff(database.db);
    await writeLiveEvents(database.db, bus, clinicId, count, { perTransaction: count });
    // `at` is write-once in the schema types; back-dating is what only a test may do.
    await sql`update events set at = ${new Date(Date.now() - 30 * HOUR)} where clinic_id = ${clinicId} and seq <= ${olderThanDayUpTo}`.execute(
      database.db,
    );
    return clinicId;
  };
  const seqsOf = async (clinicId: string) =>
    (await database.db.selectFrom('events').select('seq').where('clinic_id', '=', clinicId).orderBy('seq').execute()).map((r) => r.seq);

  it('deletes only events that are both older than the age and outside the newest N', async () => {
    const busy = await clinicWithEvents(30, 25); // 1..25 are old; the newest 10 are 21..30
    const deleted = await pruneEventLog(database.db, { minAgeMs: 24 * HOUR, minEventsPerClinic: 10 });
    expect(deleted).toBe(20);
    // 21..25 are old but among the newest 10: kept.
    expect(await seqsOf(busy)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
  });

  it('keeps everything of a clinic with fewer than N events, however old', async () => {
    const quiet = await clinicWithEvents(8, 8);
    expect(await pruneEventLog(database.db, { minAgeMs: 24 * HOUR, minEventsPerClinic: 10 })).toBe(0);
    expect(await seqsOf(quiet)).toHaveLength(8);
  });

  it('keeps everything younger than the age, however many', async () => {
    const recent = await clinicWithEvents(40, 0);
    expect(await pruneEventLog(database.db, { minAgeMs: 24 * HOUR, minEventsPerClinic: 10 })).toBe(0);
    expect(await seqsOf(recent)).toHaveLength(40);
  });

  it('treats every clinic on its own, and a second run finds nothing more', async () => {
    const a = await clinicWithEvents(30, 30);
    const b = await clinicWithEvents(12, 12);
    expect(await pruneEventLog(database.db, { minAgeMs: 24 * HOUR, minEventsPerClinic: 10 })).toBe(22);
    expect(await seqsOf(a)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    expect(await seqsOf(b)).toEqual(Array.from({ length: 10 }, (_, i) => 3 + i));
    expect(await pruneEventLog(database.db, { minAgeMs: 24 * HOUR, minEventsPerClinic: 10 })).toBe(0);
  });
});
