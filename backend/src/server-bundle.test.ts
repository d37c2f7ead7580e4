// The deployable bundle (what the container runs: `node dist/server.js`, production settings) starts,
// answers /health, and on SIGTERM stops taking connections but finishes the request in flight,
// closes the database and exits 0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { buildTestBundle, type TestBundle } from '../test/support/bundle.js';

// A give-up, not a verdict: quiet, the test takes ~6 s; beside 16 busy processes on 2 cores it took
// 62 s, and two whole suites at once (load 20) once pushed it past 120 s.
const SLOW = 300_000;

describe.each(databaseKinds())('the deployable bundle on %s', (kind) => {
  let bundle: TestBundle;
  let serverDatabase: TestDatabase | undefined;
  let dataDir: string;

  beforeAll(async () => {
    bundle = await buildTestBundle();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxanne-bundle-data-'));
    if (kind === 'postgres') serverDatabase = await openTestDatabase('postgres');
  }, SLOW);
  afterAll(async () => {
    bundle?.remove();
    await serverDatabase?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'starts with plain node, answers /health, and finishes an in-flight request on SIGTERM before exiting 0',
    async () => {
      const server = startServer(bundle.server, {
        DATA_DIR: dataDir,
        ...(serverDatabase ? { DATABASE_URL: serverDatabase.url! } : {}),
      });
      const url = await server.listening;

      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: { status: 'ok' } } });

      // A sign-in whose body is still on its way when the signal arrives.
      const body = JSON.stringify({ email: 'nobody@clinic.example', password: 'not a real password' });
      const { port } = new URL(url);
      const request = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/auth/login',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
      });
      const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
        request.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        request.on('error', reject);
      });
      // "100 Continue" means the server has the request in hand.
      await new Promise<void>((resolve) => request.once('continue', resolve));

      server.child.kill('SIGTERM');
      await server.logged('shutting down: no new connections, finishing in-flight requests');
      await expect(fetch(`${url}/health`)).rejects.toThrow();

      request.end(body);
      const response = await answered;
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'invalid_credentials', message: 'The email or password is not right.' } });

      expect(await server.exited).toBe(0);
      expect(server.lines.some((l) => l.msg === 'shutdown complete')).toBe(true);
      // Structured logs only: every line the process wrote is JSON.
      expect(server.stray).toEqual([]);
    },
    SLOW,
  );
});

interface RunningServer {
  child: ChildProcessWithoutNullStreams;
  listening: Promise<string>;
  exited: Promise<number | null>;
  lines: Array<{ msg?: string; url?: string }>;
  stray: string[];
  logged(message: string): Promise<void>;
}

function startServer(entry: string, env: Record<string, string>): RunningServer {
  const child = spawn(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'https://voxanne.example.test',
      JWT_SECRET: 'bundle-test-secret-that-is-long-enough-0123456789',
      // Production wants the real voice platform and a guarded /metrics; nothing here calls Vapi.
      VAPI_API_KEY: 'vapi-key-for-the-bundle-test',
      VAPI_BASE_URL: 'http://127.0.0.1:9',
      VAPI_WEBHOOK_SECRET: 'bundle-test-webhook-secret',
      METRICS_TOKEN: 'bundle-test-metrics-token-0123456789',
      LOG_LEVEL: 'info',
      // The in-flight request must finish because it is in flight, not because it beat the cut-off:
      // on a loaded machine the default 10 s can pass before its body is even sent.
      SHUTDOWN_TIMEOUT_MS: String(SLOW),
      ...env,
    },
  });
  const lines: RunningServer['lines'] = [];
  const stray: string[] = [];
  const waiters: Array<{ message: string; resolve: () => void }> = [];
  let buffered = '';
  let resolveListening!: (url: string) => void;
  const listening = new Promise<string>((resolve) => (resolveListening = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        lines.push(entry);
        if (entry.msg === 'backend listening' && entry.url) resolveListening(entry.url);
        for (const waiter of waiters.filter((w) => w.message === entry.msg)) waiter.resolve();
      } catch {
        stray.push(line);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => stray.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then((code) => resolveListening(`exited early with code ${code}: ${stray.join('')}`));
  return {
    child,
    listening,
    exited,
    lines,
    stray,
    logged: (message) =>
      lines.some((l) => l.msg === message) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ message, resolve })),
  };
}
