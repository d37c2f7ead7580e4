import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { createLogger } from '../logging/logger.js';
import { createClinic } from '../clinics/clinic-queries.js';
import { startEmbeddedUpkeep } from './embedded-upkeep.js';

describe('embedded database upkeep (PGlite has no autovacuum)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refreshes planner statistics so the call history pages through its index', async () => {
    const clinicId = (await createClinic(database.db, { name: 'Busy Clinic' })).id;
    await database.db
      .insertInto('calls')
      .values(
        Array.from({ length: 2000 }, (_, i) => ({
          clinic_id: clinicId,
          direction: 'inbound' as const,
          status: 'ended' as const,
          created_at: new Date(Date.UTC(2030, 0, 1) + i * 60_000),
        })),
      )
      .execute();
    const plan = async () =>
      (
        (
          await sql
            .raw(`explain select * from calls where clinic_id = '${clinicId}' order by created_at desc, id desc limit 51`)
            .execute(database.db)
        ).rows as Array<{ 'QUERY PLAN': string }>
      )
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    expect(await plan()).not.toContain('calls_clinic_created_idx');

    const upkeep = startEmbeddedUpkeep(database.db, createLogger('silent'));
    try {
      await upkeep.runNow();
    } finally {
      upkeep.stop();
    }
    expect(await plan()).toContain('Index Scan using calls_clinic_created_idx');
    const stats = await sql<{ last_analyze: Date | null; last_vacuum: Date | null }>`
      select last_analyze, last_vacuum from pg_stat_user_tables where relname = 'calls'`.execute(database.db);
    expect(stats.rows[0]?.last_analyze).not.toBeNull();
    expect(stats.rows[0]?.last_vacuum).not.toBeNull();
  });
});
