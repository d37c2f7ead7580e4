// Opens the database the configuration names: node-postgres against a Postgres server when
// DATABASE_URL is set, otherwise embedded PGlite (real Postgres in WebAssembly) under DATA_DIR.
// Both go through the same pg Pool and the same Kysely query layer, so every query and migration
// runs unchanged on either.
import v8 from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.js';
import type { Database } from './schema.js';
import { PreparingClient } from './prepared-statements.js';
import { secureDataDir, tightenTree } from './data-dir.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Answers within `timeoutMs` or rejects: used by /health. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

// int8 and numeric as numbers (counts, seq and money stay far below 2^53); `date` stays `YYYY-MM-DD`
// instead of becoming a midnight-UTC Date that shifts with the time zone.
const TYPE_PARSERS: Record<number, (value: string) => unknown> = {
  20: Number, // int8
  1700: Number, // numeric
  1082: (value) => value, // date
};
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format);
  },
};

export async function openDatabase(config: Config['database']): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      ...(config.preparedStatements ? { Client: PreparingClient } : {}),
      connectionString: config.url,
      max: config.poolMax,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      types: pgTypes,
    });
    // An idle client losing its server connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    return wrap(pool, 'postgres', () => pool.end());
  }

  // Owner-only (data-dir.ts), whoever opens it: the backend or the operator CLI.
  secureDataDir(config.dir);
  // PGlite's Postgres is one large WebAssembly module. V8's optimising tier recompiles its hot
  // functions at a cost of 55-90 MB of resident memory, with no measurable gain for this backend's
  // queries (bench/backend; CPU per request A/B within noise), so it keeps the baseline code. Must be
  // set before the module is compiled; it only changes how WebAssembly is compiled.
  v8.setFlagsFromString('--liftoff-only');
  const pglite = await PGlite.create(config.dir, { extensions: PGLITE_EXTENSIONS, startParams: PGLITE_START_PARAMS });
  // A new database's files come out of PGlite's initdb image as 0666: owner-only from the first start.
  tightenTree(config.dir);
  return openPglite(pglite);
}

/** An embedded database from an existing PGlite instance (e.g. loaded from a dump in tests). */
export async function openPglite(pglite: PGlite): Promise<DatabaseHandle> {
  // PGlite is one connection in this process: prepared statements are always safe there.
  const pool = new pg.Pool({ ...createPgConfig(pglite), Client: PreparingClient, types: pgTypes } as pg.PoolConfig);
  return wrap(pool, 'pglite', async () => {
    await pool.end();
    await pglite.close();
  });
}

export const PGLITE_EXTENSIONS = { btree_gist };

/**
 * Postgres's default 128 MB of shared buffers live inside PGlite's WebAssembly memory, i.e. in this
 * process: 16 MB keeps a clinic's working set cached and start-up RSS ~125 MB lower (bench/backend).
 */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

function wrap(pool: pg.Pool, kind: DatabaseHandle['kind'], end: () => Promise<void>): DatabaseHandle {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind,
    async ping(timeoutMs = 1_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([sql`select 1`.execute(db), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Kysely's destroy ends the pool; PGlite then needs its own close.
      await db.destroy().catch(() => undefined);
      await end().catch(() => undefined);
    },
  };
}
