import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { createClinic } from '../clinics/clinic-queries.js';
import { InProcessEventBus } from './event-bus.js';
import { transactionWithEvents } from './event-log.js';

describe.each(databaseKinds())('transactions with live events on %s', (kind) => {
  const database = useTestDatabase(kind);
  let bus: InProcessEventBus;
  let published: LiveEvent[];
  let clinics: [string, string];

  beforeEach(async () => {
    bus = new InProcessEventBus();
    published = [];
    bus.subscribe((events) => published.push(...events));
    clinics = [
      (await createClinic(database.db, { name: 'North Clinic', timeZone: 'Europe/London' })).id,
      (await createClinic(database.db, { name: 'South Clinic', timeZone: 'Europe/London' })).id,
    ];
  });
  const storedEvents = () => database.db.selectFrom('events').select(['clinic_id', 'seq', 'kind']).orderBy('seq').execute();

  it('runs a transaction that fails for another reason once, and stores and publishes nothing', async () => {
    let runs = 0;
    const failing = transactionWithEvents(database.db, bus, async (tx, events) => {
      runs++;
      await tx.updateTable('clinics').set({ name: 'Renamed' }).where('id', '=', clinics[0]).execute();
      events.emit(clinics[0], {
        kind: 'agent.updated',
        data: { name: 'Renamed', sync: { status: 'pending', message: null, syncedAt: null } },
      });
      throw new Error('not a conflict');
    });
    await expect(failing).rejects.toThrow('not a conflict');
    expect(runs).toBe(1);
    expect(published).toEqual([]);
    expect(await storedEvents()).toEqual([]);
    expect((await database.db.selectFrom('clinics').select('name').where('id', '=', clinics[0]).executeTakeFirstOrThrow()).name).toBe(
      'North Clinic',
    );
  });

  it('gives up after three serialization failures, having published nothing', async () => {
    let runs = 0;
    const conflicted = transactionWithEvents(database.db, bus, async (_tx, events) => {
      runs++;
      events.emit(clinics[0], { kind: 'agent.updated', data: { name: 'x', sync: { status: 'pending', message: null, syncedAt: null } } });
      throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    });
    await expect(conflicted).rejects.toMatchObject({ code: '40001' });
    expect(runs).toBe(3);
    expect(published).toEqual([]);
    expect(await storedEvents()).toEqual([]);
  });

  // Two connections are needed to deadlock: the PostgreSQL server only (PGlite has one).
  if (kind === 'postgres')
    it('runs the deadlock victim again, so both transactions commit and each event is published once', async () => {
      let bothHoldTheirFirstLock!: () => void;
      const barrier = new Promise<void>((resolve) => (bothHoldTheirFirstLock = resolve));
      let holding = 0;
      const runs = [0, 0];
      // Each locks one clinic, waits until the other holds its own, then wants the other's: a deadlock.
      const crossing = (first: 0 | 1) =>
        transactionWithEvents(database.db, bus, async (tx, events) => {
          runs[first]!++;
          const [mine, theirs] = first === 0 ? clinics : [clinics[1], clinics[0]];
          await sql`select id from clinics where id = ${mine} for update`.execute(tx);
          if (runs[first] === 1 && ++holding === 2) bothHoldTheirFirstLock();
          if (runs[first] === 1) await barrier;
          await sql`select id from clinics where id = ${theirs} for update`.execute(tx);
          events.emit(mine, {
            kind: 'agent.updated',
            data: { name: `from ${first}`, sync: { status: 'pending', message: null, syncedAt: null } },
          });
          return first;
        });

      expect(await Promise.all([crossing(0), crossing(1)])).toEqual([0, 1]);
      expect(runs.reduce((a, b) => a + b)).toBe(3); // one of the two ran again
      expect(published.map((e) => [e.clinicId, e.seq]).sort()).toEqual(
        [
          [clinics[0], 1],
          [clinics[1], 1],
        ].sort(),
      );
      expect(await storedEvents()).toHaveLength(2);
    });
});
