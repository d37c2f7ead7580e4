// One writer for the embedded database, with real processes (the deployable bundle, as an operator
// runs it): while a backend holds DATA_DIR, `admin create-...` and a second backend refuse with one
// line and exit 75 instead of writing the same files behind its back; once the backend is killed, its
// stale lock is taken over, and the next backend sees what the CLI wrote.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestBundle, type TestBundle } from '../../test/support/bundle.js';
import { LOCK_FILE } from './embedded-lock.js';

const SLOW = 180_000; // first opens of an embedded database on a shared 2-core machine
const PASSWORD = 'a password for the lock test';

let bundle: TestBundle;
let dataDir: string;
const started: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  bundle = await buildTestBundle();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-lock-'));
}, SLOW);
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  bundle?.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  PATH: process.env.PATH ?? '',
  HOME: os.tmpdir(),
  NODE_ENV: 'development',
  DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  SEED_DEMO: 'false',
  LOG_LEVEL: 'info',
});

interface Backend {
  child: ChildProcessWithoutNullStreams;
  /** The URL once it listens, or an Error when it exits first. */
  ready: Promise<string | Error>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

function backend(): Backend {
  const child = spawn(process.execPath, [bundle.server], { env: env() });
  started.push(child);
  let stdout = '';
  let stderr = '';
  let resolveReady!: (value: string | Error) => void;
  const ready = new Promise<string | Error>((resolve) => (resolveReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const line = stdout.split('\n').find((l) => l.includes('"backend listening"'));
    if (line) resolveReady((JSON.parse(line) as { url: string }).url);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      resolveReady(new Error(`exited ${code}: ${stderr}`));
      resolve({ code, stderr });
    }),
  );
  return { child, ready, exited };
}

function admin(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle.admin, ...args], { env: { ...env(), LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const lockFile = () => path.join(dataDir, LOCK_FILE);
const readLock = () => JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as { pid: number; port: number | null; role: string };

describe('the embedded database has one writer', () => {
  let first: Backend;

  it(
    'refuses the CLI and a second backend while a backend runs, naming it: one line, exit 75',
    async () => {
      first = backend();
      const url = await first.ready;
      if (url instanceof Error) throw url;
      expect(readLock()).toMatchObject({ pid: first.child.pid, port: Number(new URL(url).port), role: 'backend' });
      expect(fs.statSync(lockFile()).mode & 0o777).toBe(0o600);

      const refused = await admin(['create-clinic', '--name', 'Lakeside Clinic', '--json']);
      expect(refused.code).toBe(75);
      const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string } };
      expect(error.code).toBe('busy');
      expect(error.message).toContain(`the backend (pid ${first.child.pid}, port ${new URL(url).port})`);
      expect(error.message).toContain('stop the backend or use DATABASE_URL');
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);

      const second = backend();
      const outcome = await second.exited;
      expect(outcome.code).toBe(75);
      expect(outcome.stderr.trim().split('\n')).toEqual([expect.stringContaining('stop the backend or use DATABASE_URL')]);

      // Neither touched the lock: the first backend still holds it.
      expect(readLock()).toMatchObject({ pid: first.child.pid });
    },
    SLOW,
  );

  it(
    'takes over the lock of a killed backend; the next backend sees what the CLI wrote; a clean stop removes it',
    async () => {
      first.child.kill('SIGKILL');
      await first.exited;
      expect(readLock().pid).toBe(first.child.pid); // left behind by the crash

      const clinic = await admin(['create-clinic', '--name', 'Lakeside Clinic', '--json']);
      expect([clinic.code, clinic.stderr]).toEqual([0, '']);
      const { clinicId } = JSON.parse(clinic.stdout) as { clinicId: string };
      const user = await admin(
        ['create-user', '--clinic', clinicId, '--email', 'desk@lakeside.example', '--role', 'front_desk', '--password-stdin', '--json'],
        PASSWORD,
      );
      expect([user.code, user.stderr]).toEqual([0, '']);
      expect(fs.existsSync(lockFile())).toBe(false); // the CLI released it

      const next = backend();
      const url = await next.ready;
      if (url instanceof Error) throw url;
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'desk@lakeside.example', password: PASSWORD }),
      });
      expect(login.status).toBe(200);

      next.child.kill('SIGTERM');
      expect((await next.exited).code).toBe(0);
      expect(fs.existsSync(lockFile())).toBe(false);
    },
    SLOW,
  );
});
