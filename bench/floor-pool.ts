// The database connection of the benches' floor servers (webhooks-floor-server.ts, and
// live-baseline-server.ts's `ws-insert`): a pg Pool of the backend's size (DATABASE_POOL_MAX, as the
// backend reads it) on the same database kind as the backend under test: PostgreSQL from DATABASE_URL,
// else embedded PGlite in DATA_DIR through the same pool adapter, compiled as the backend compiles it.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';

export interface FloorPool {
  pool: pg.Pool;
  close(): Promise<void>;
}

/** `dirName`: the PGlite directory's name inside DATA_DIR, when there is no DATABASE_URL. */
export async function floorPool(dirName: string): Promise<FloorPool> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: Number(process.env.DATABASE_POOL_MAX ?? '10') });
    return { pool, close: () => pool.end() };
  }
  if (!process.env.DATA_DIR) throw new Error('a floor server needs DATABASE_URL or DATA_DIR');
  // As the backend compiles PGlite (db/database.ts).
  v8.setFlagsFromString('--liftoff-only');
  const dir = path.join(process.env.DATA_DIR, dirName);
  fs.mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const pool = new pg.Pool(createPgConfig(pglite) as pg.PoolConfig);
  return { pool, close: () => pool.end().then(() => pglite.close()) };
}
