// Runs once per Vitest run, before any worker: migrates one PostgreSQL database (when TEST_DATABASE_URL
// is set) that each suite's private database is then copied from (CREATE DATABASE … TEMPLATE), instead
// of every suite running every migration on its own database. The copy is a database of its own as
// before, dropped by its suite; the template is dropped when the run ends.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated PostgreSQL database suites copy theirs from ('' without TEST_DATABASE_URL). */
    postgresTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('postgresTemplate', '');
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return undefined;
  const name = `voxanne_template_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
    await client.connect().catch((error: Error) => {
      throw new Error(`TEST_DATABASE_URL is set but the PostgreSQL server is unreachable: ${error.message}`);
    });
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // Every connection to the template is closed before the first copy: PostgreSQL refuses to copy a
  // database others are connected to.
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 1, preparedStatements: false });
  try {
    await migrate(handle.db);
  } finally {
    await handle.close();
  }
  project.provide('postgresTemplate', name);
  return () => admin(`drop database if exists ${name} with (force)`);
}
