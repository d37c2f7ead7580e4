// The operator CLI run the way an operator runs it: a separate process with its own configuration,
// against an embedded database directory (DATA_DIR) and against the PostgreSQL server (DATABASE_URL).
// Most runs use the deployable bundle (plain node, as in the container: also much faster to start);
// one goes through tsx from source, as `npm run admin` does.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend } from '../../test/support/test-backend.js';
import { buildTestBundle, type TestBundle } from '../../test/support/bundle.js';
import { sql } from 'kysely';
import { AuditLog } from '../audit/audit-log.js';

const BACKEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(BACKEND_DIR, 'src/admin/cli.ts');
const SLOW = 120_000; // each run starts Node and opens the database, on a shared 2-core machine
let bundle: TestBundle;

beforeAll(async () => {
  bundle = await buildTestBundle();
}, SLOW);
afterAll(() => bundle?.remove());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}

function admin(args: string[], env: Record<string, string>, stdin = '', from: 'bundle' | 'source' = 'bundle'): Promise<Run> {
  const entry = from === 'bundle' ? [bundle.admin] : ['--conditions=@voxanne/source', '--import', 'tsx', CLI];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: BACKEND_DIR,
      // Only what the operator's shell would hold: nothing leaks in from the test run.
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_ENV: 'development', LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json = {};
      try {
        json = JSON.parse(stdout);
      } catch {
        // human output
      }
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(stdin);
  });
}

describe.each(databaseKinds())('admin CLI as a process on %s', (kind) => {
  let env: Record<string, string>;
  let dataDir: string;
  let serverDatabase: TestDatabase | undefined;
  let clinicId: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-admin-cli-'));
    env = { DATA_DIR: dataDir };
    if (kind === 'postgres') {
      serverDatabase = await openTestDatabase('postgres');
      env.DATABASE_URL = serverDatabase.url!;
    }
  });
  afterAll(async () => {
    await serverDatabase?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** The same database the CLI used, opened by the test once the CLI has exited. */
  const withDatabase = async <T>(work: (database: DatabaseHandle) => Promise<T>): Promise<T> => {
    if (serverDatabase) return work(serverDatabase);
    const database = await openDatabase({ kind: 'pglite', dir: path.join(dataDir, 'pglite') });
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  };

  it(
    'creates a clinic and its first user, who can then sign in',
    async () => {
      const clinic = await admin(['create-clinic', '--name', 'Oak Clinic', '--time-zone', 'Europe/Berlin', '--json'], env);
      expect(clinic.stderr).toBe('');
      expect(clinic.code).toBe(0);
      expect(clinic.json).toEqual({ clinicId: expect.any(String), name: 'Oak Clinic', timeZone: 'Europe/Berlin' });
      clinicId = clinic.json.clinicId as string;
      // Exactly one JSON object on stdout.
      expect(clinic.stdout.trim().split('\n')).toHaveLength(1);

      const user = await admin(
        [
          'create-user',
          '--clinic',
          clinicId,
          '--email',
          'desk@oak.test',
          '--role',
          'front_desk',
          '--name',
          'Oak Desk',
          '--password-stdin',
          '--json',
        ],
        env,
        'a long enough password\n',
      );
      expect(user.code).toBe(0);
      expect(user.json).toMatchObject({ userId: expect.any(String), email: 'desk@oak.test', role: 'front_desk', clinicId });

      await withDatabase(async (database) => {
        const backend = await startTestBackend(database);
        try {
          const res = await fetch(`${backend.url}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'desk@oak.test', password: 'a long enough password' }),
          });
          expect(res.status).toBe(200);
          expect(((await res.json()) as { user: { clinicName: string } }).user.clinicName).toBe('Oak Clinic');
        } finally {
          await backend.close();
        }
      });
    },
    SLOW,
  );

  it(
    'refuses a duplicate user with exit code 65 and a JSON error, changing nothing',
    async () => {
      const again = await admin(
        ['create-user', '--clinic', clinicId, '--email', 'DESK@oak.test', '--role', 'admin', '--password-stdin', '--json'],
        env,
        'another long password',
      );
      expect(again.code).toBe(65);
      expect(again.json).toEqual({ error: { code: 'conflict', message: 'A user with the email desk@oak.test already exists.' } });
      const users = await admin(['list-users', '--clinic', clinicId, '--json'], env);
      expect(users.code).toBe(0);
      expect(users.json.users).toEqual([expect.objectContaining({ email: 'desk@oak.test', role: 'front_desk', disabled: false })]);
    },
    SLOW,
  );

  it(
    'resets a password (signing out the old session) and disables a user',
    async () => {
      const reset = await admin(
        ['reset-password', '--email', 'desk@oak.test', '--password-stdin', '--json'],
        env,
        'a second good password\n',
      );
      expect(reset.code).toBe(0);
      expect(reset.json).toMatchObject({ email: 'desk@oak.test', revokedSessions: 1 });

      const disabled = await admin(['disable-user', '--email', 'desk@oak.test'], env);
      expect(disabled.code).toBe(0);
      expect(disabled.stdout).toBe('Disabled desk@oak.test; 0 session(s) signed out.\n');

      const clinics = await admin(['list-clinics', '--json'], env);
      expect(clinics.json.clinics).toEqual([expect.objectContaining({ clinicId, name: 'Oak Clinic', users: 1 })]);
      await withDatabase(async (database) => {
        const staff = await database.db
          .selectFrom('staff')
          .select('disabled_at')
          .where('email', '=', 'desk@oak.test')
          .executeTakeFirstOrThrow();
        expect(staff.disabled_at).not.toBeNull();
        const sessions = await database.db.selectFrom('auth_sessions').select(['revoked_reason']).execute();
        expect(sessions).toEqual([{ revoked_reason: 'password reset by operator' }]);
      });
    },
    SLOW,
  );

  it(
    'verifies a clinic’s audit log, and names the first broken link once a row is edited behind the trigger',
    async () => {
      await withDatabase(async (database) => {
        const log = new AuditLog(database.db);
        for (let i = 0; i < 3; i++) {
          await log.append({ clinicId, actor: null, origin: { instanceId: null, address: null }, action: 'call.viewed' });
        }
      });
      const intact = await admin(['verify-audit', '--clinic', clinicId, '--json'], env);
      expect(intact.code).toBe(0);
      // The sign-in of the first test, then the three appended here.
      expect(intact.json).toEqual({ clinicId, entries: 4, ok: true, firstBroken: null });

      await withDatabase(async (database) => {
        await database.db.transaction().execute(async (tx) => {
          await sql`alter table audit_log disable trigger audit_log_append_only`.execute(tx);
          await sql`update audit_log set action = 'auth.signed_out' where clinic_id = ${clinicId} and seq = 3`.execute(tx);
          await sql`alter table audit_log enable trigger audit_log_append_only`.execute(tx);
        });
      });
      const broken = await admin(['verify-audit', '--clinic', clinicId], env);
      expect(broken.code).toBe(65);
      expect(broken.stdout).toMatch(new RegExp(`^Audit log of ${clinicId} is BROKEN at entry 3 \\([0-9a-f-]{36}\\): .*edited`));
    },
    SLOW,
  );

  it(
    'answers usage mistakes with exit code 64 before touching the database',
    async () => {
      const missing = await admin(['create-user', '--clinic', clinicId, '--email', 'x@oak.test', '--role', 'admin', '--json'], env);
      expect(missing.code).toBe(64);
      expect(missing.json.error).toEqual({
        code: 'usage',
        message: '--password-stdin is required (the password is read from standard input)',
      });
      const unknown = await admin(['list-clinics', '--verbose'], env);
      expect(unknown.code).toBe(64);
      expect(unknown.stderr).toContain('Usage: npm run admin');
      const misplaced = await admin(['list-clinics', '--email', 'x@oak.test', '--json'], env);
      expect(misplaced.json.error?.message).toBe('--email does not apply to list-clinics');
    },
    SLOW,
  );
});

describe('admin CLI configuration and reachability', () => {
  it(
    'exits 69 with a clear line when the database cannot be reached',
    async () => {
      const run = await admin(['list-clinics', '--json'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/voxanne' });
      expect(run.code).toBe(69);
      expect(run.json.error?.code).toBe('database_unavailable');
    },
    SLOW,
  );

  it(
    'exits 78 naming the variable when the configuration is invalid (run from source, as npm run admin does)',
    async () => {
      const run = await admin(['list-clinics'], { DATABASE_URL: 'mysql://nope' }, '', 'source');
      expect(run.code).toBe(78);
      expect(run.stderr).toBe('admin: Configuration error: DATABASE_URL must be a valid URL\n');
    },
    SLOW,
  );
});
