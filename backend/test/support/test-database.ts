// Databases for integration suites. Every suite runs on embedded PGlite; suites that also run on the
// PostgreSQL server (TEST_DATABASE_URL) get a database of their own, dropped afterwards, so test files
// running in parallel never see each other's rows.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { openDatabase, openPglite, PGLITE_EXTENSIONS, PGLITE_START_PARAMS, type DatabaseHandle, type Db } from '../../src/db/database.js';
import { migrate, migrationsDir } from '../../src/db/migrate.js';

export type TestDatabaseKind = 'pglite' | 'postgres';

/**
 * The kinds a suite should run on: PGlite always, plus the PostgreSQL server when TEST_DATABASE_URL
 * is set (CI sets it, so there the server suites run and fail loudly if it is unreachable).
 */
export function databaseKinds(): TestDatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase extends DatabaseHandle {
  /** Empties every table (keeps the schema); call between tests. */
  reset(): Promise<void>;
  /** The private server database's connection string (postgres kind only), e.g. for a child process. */
  url?: string;
}

export async function openTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const handle =
    kind === 'pglite'
      ? await openPglite(
          await PGlite.create({ loadDataDir: await pgliteTemplate(), extensions: PGLITE_EXTENSIONS, startParams: PGLITE_START_PARAMS }),
        )
      : await openServerDatabase();
  return { ...handle, reset: () => resetDatabase(handle.db) };
}

/**
 * The suite's database of `kind`, with its hooks registered: opened before the suite, emptied before
 * each test (unless `resetEachTest` is false), closed after the suite (after the suite's own
 * after-hooks, which vitest runs in reverse). Use it from the suite's hooks and tests.
 */
export function useTestDatabase(kind: TestDatabaseKind, options: { resetEachTest?: boolean } = {}): TestDatabase {
  let opened: TestDatabase | undefined;
  const current = () => {
    if (!opened) throw new Error('the suite database opens in beforeAll: use it from hooks and tests');
    return opened;
  };
  beforeAll(async () => {
    opened = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await opened?.close();
  });
  if (options.resetEachTest ?? true) beforeEach(() => current().reset());
  return {
    get db() {
      return current().db;
    },
    get kind() {
      return current().kind;
    },
    get url() {
      return current().url;
    },
    ping: (timeoutMs) => current().ping(timeoutMs),
    close: () => current().close(),
    reset: () => current().reset(),
  };
}

export async function resetDatabase(db: Db): Promise<void> {
  const tables = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = current_schema() and tablename <> 'schema_migrations'`.execute(db);
  if (tables.rows.length === 0) return;
  const list = tables.rows.map((t) => `"${t.tablename}"`).join(', ');
  // A previous test's stragglers (e.g. the sandbox's last webhooks of a call that test ended) may still
  // be writing: TRUNCATE takes its table locks one by one and can then be picked as a deadlock's
  // victim. It is one statement, rolled back whole, so running it again is safe.
  for (let attempt = 1; ; attempt++) {
    try {
      await sql.raw(`truncate ${list} restart identity cascade`).execute(db);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt === 5) throw error;
    }
  }
}

/**
 * A migrated PGlite data directory, dumped once per migration set and shared by every test file:
 * loading a dump takes well under a second where a fresh initdb takes several.
 */
async function pgliteTemplate(): Promise<Blob> {
  const dir = migrationsDir();
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(dir).sort()) hash.update(file).update(fs.readFileSync(path.join(dir, file)));
  const file = path.join(os.tmpdir(), `voxanne-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
  if (!fs.existsSync(file)) {
    const fresh = await PGlite.create('memory://', { extensions: PGLITE_EXTENSIONS });
    const handle = await openPglite(fresh);
    await migrate(handle.db);
    const dump = await fresh.dumpDataDir('none');
    await handle.close();
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(partial, file); // atomic: a parallel worker never reads half a file
  }
  return new Blob([fs.readFileSync(file)]);
}

async function openServerDatabase(): Promise<DatabaseHandle & { url: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `voxanne_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect().catch((error: Error) => {
    throw new Error(`TEST_DATABASE_URL is set but the PostgreSQL server is unreachable: ${error.message}`);
  });
  // The run's migrated template (global-setup.ts) when there is one: copying it is far cheaper than
  // running every migration again. Without it (a run with another config), migrate here.
  const template = inject('postgresTemplate');
  try {
    await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 10, preparedStatements: true });
  if (!template) await migrate(handle.db);
  return {
    ...handle,
    url: url.toString(),
    async close() {
      await handle.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
