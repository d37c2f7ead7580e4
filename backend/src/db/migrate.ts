// Applies backend/migrations/*.sql in file-name order, each once, each in its own transaction.
// An advisory lock makes concurrent instances starting together take turns.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './database.js';

const MIGRATION_LOCK_KEY = 724_311_001;

/** The migrations folder, from the source tree (src/db), the bundle's entry files (dist/) or its shared chunks (dist/chunks/). */
export function migrationsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.resolve(here, '../../migrations'), path.resolve(here, '../migrations')]) {
    if (fs.existsSync(path.join(candidate, '0001_initial.sql'))) return candidate;
  }
  throw new Error(`migrations folder not found near ${here}`);
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(db: Db, dir = migrationsDir()): Promise<MigrationResult> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (
        name text primary key,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      const done = new Set((await conn.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name));
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file)) continue;
        const text = fs.readFileSync(path.join(dir, file), 'utf8');
        await conn.transaction().execute(async (tx) => {
          await sql.raw(text).execute(tx);
          await tx.insertInto('schema_migrations').values({ name: file }).execute();
        });
        applied.push(file);
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
