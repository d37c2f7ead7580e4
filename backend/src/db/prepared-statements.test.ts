import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { InProcessEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import type { Db } from './database.js';
import { statementName } from './prepared-statements.js';

describe.each(databaseKinds())('prepared statements on %s', (kind) => {
  const database = useTestDatabase(kind, { resetEachTest: false });

  /** The statements prepared on the connection that runs `work` (one pooled connection for both). */
  async function preparedOn(work: (run: <T>(q: ReturnType<typeof sql<T>>) => Promise<T[]>) => Promise<void>): Promise<string[]> {
    return database.db.connection().execute(async (conn) => {
      await work(async (q) => (await q.execute(conn)).rows);
      const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(conn);
      return rows.map((r) => r.name);
    });
  }

  it('names a parameterised statement by its text, prepares it once and reuses it', async () => {
    const text = 'select $1::int + 1 as n';
    const prepared = await preparedOn(async (run) => {
      for (let i = 0; i < 3; i++) expect(await run(sql<{ n: number }>`select ${i}::int + 1 as n`)).toEqual([{ n: i + 1 }]);
    });
    expect(prepared.filter((name) => name === statementName(text))).toHaveLength(1);
  });

  it('leaves statements without parameters (migrations, scripts) and long value lists unnamed', async () => {
    const values = Array.from({ length: 65 }, (_, i) => i);
    const prepared = await preparedOn(async (run) => {
      expect(await run(sql<{ n: number }>`select 41 + 1 as n`)).toEqual([{ n: 42 }]);
      expect(await run(sql<{ n: number }>`select cardinality(array[${sql.join(values)}]::int[]) as n`)).toEqual([{ n: 65 }]);
    });
    expect(prepared).not.toContain(statementName('select 41 + 1 as n'));
    expect(prepared.filter((name) => name.startsWith('vx_'))).not.toContain(
      statementName(`select cardinality(array[${values.map((_, i) => `$${i + 1}`).join(', ')}]::int[]) as n`),
    );
  });

  it('recovers from a statement the server refuses to parse, and from one that fails when run', async () => {
    await expect(sql`select ${1}::int from no_such_table`.execute(database.db)).rejects.toThrow(/no_such_table/);
    await expect(sql`select ${1}::int from no_such_table`.execute(database.db)).rejects.toThrow(/no_such_table/);
    await expect(sql`select 1 / ${0}::int as n`.execute(database.db)).rejects.toThrow(/division by zero/);
    expect((await sql<{ n: number }>`select 1 / ${1}::int as n`.execute(database.db)).rows).toEqual([{ n: 1 }]);
  });

  it('prepares a statement afresh when a migration adds a column to its table, alone or in a transaction', async () => {
    const read = 'select * from shape_probe where id = $1';
    await database.db.connection().execute(async (conn) => {
      const db = conn as Db;
      await sql`create table shape_probe (id int primary key)`.execute(db);
      await sql`insert into shape_probe values (1)`.execute(db);
      expect((await sql`select * from shape_probe where id = ${1}`.execute(db)).rows).toEqual([{ id: 1 }]);

      // What an expanding migration does while this release runs: the prepared `select *` now
      // describes the wrong columns, and PostgreSQL refuses to run it.
      await sql`alter table shape_probe add column note text`.execute(db);
      expect((await sql`select * from shape_probe where id = ${1}`.execute(db)).rows).toEqual([{ id: 1, note: null }]);

      await sql`alter table shape_probe add column extra int`.execute(db);
      const inTransaction = await transactionWithEvents(
        db,
        new InProcessEventBus(),
        async (tx) => (await sql`select * from shape_probe where id = ${1}`.execute(tx)).rows,
      );
      expect(inTransaction).toEqual([{ id: 1, note: null, extra: null }]);

      // Each time under a new name: the stale statement was really met and replaced.
      const { rows } = await sql<{
        name: string;
      }>`select name from pg_prepared_statements where starts_with(name, ${statementName(read)})`.execute(db);
      expect(rows.map((r) => r.name).sort()).toEqual([statementName(read), `${statementName(read)}_1`, `${statementName(read)}_2`]);
      await sql`drop table shape_probe`.execute(db);
    });
  });

  // Last: it fills the connection's places (PGlite has one connection).
  it('keeps at most 256 named statements per connection and runs the rest unnamed', async () => {
    const prepared = await preparedOn(async (run) => {
      // 300 distinct statement texts (the alias differs), each with a parameter.
      for (let i = 0; i < 300; i++)
        expect(await run(sql<{ v: number }>`select ${i}::int as ${sql.id(`v${i}`)}`)).toEqual([{ [`v${i}`]: i }]);
    });
    const named = prepared.filter((name) => name.startsWith('vx_'));
    expect(named.length).toBeLessThanOrEqual(256);
    // The first texts took the free places; the last ones found none.
    expect(named).toContain(statementName('select $1::int as "v0"'));
    expect(named).not.toContain(statementName('select $1::int as "v299"'));
  });
});
