import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { healthProbe, type HealthCheck } from './health-probe.js';

describe('GET /health', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  /** A plain node:http server answering /health with `checks`, and 418 for anything the probe leaves alone. */
  const failures: Array<[string, unknown]> = [];
  async function serve(checks: HealthCheck[], now?: () => number): Promise<string> {
    const probe = healthProbe({
      version: '9.9.9',
      startedAt: Date.now() - 42_000,
      checks,
      ...(now ? { now } : {}),
      onFailure: (name, error) => failures.push([name, error]),
    });
    server = http.createServer((req, res) => {
      if (!probe(req, res)) res.writeHead(418).end('not mine');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const check = (
    name: string,
    critical: boolean,
    outcome: () => Promise<Record<string, unknown> | void>,
  ): HealthCheck & { runs: number } => {
    const c = { name, critical, runs: 0, run: () => (c.runs++, outcome()) };
    return c;
  };

  it('answers 200 ok with status, timestamp, uptime, version and every check’s status and latency only', async () => {
    const url = await serve([check('database', true, async () => ({ driver: 'pglite' })), check('liveBus', false, async () => undefined)]);
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { uptime: number; timestamp: string; checks: { database: { latencyMs: unknown } } };
    expect(body).toMatchObject({ status: 'ok', version: '9.9.9' });
    // What a check knows (drivers, modes, addresses) is not for an unauthenticated caller.
    expect(body.checks).toEqual({
      database: { status: 'ok', latencyMs: expect.any(Number) },
      liveBus: { status: 'ok', latencyMs: expect.any(Number) },
    });
    expect(Object.keys(body).sort()).toEqual(['checks', 'status', 'timestamp', 'uptime', 'version']);
    expect(body.uptime).toBeGreaterThanOrEqual(42);
    expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(5_000);
    expect(body.checks.database.latencyMs).toBeTypeOf('number');
  });

  it('answers 503 degraded when a critical check fails, 200 degraded when only a non-critical one does', async () => {
    const secret = 'connect ECONNREFUSED 10.0.3.7:5432 (user voxanne_prod)';
    const critical = await serve([
      check('database', true, () => Promise.reject(new Error(secret))),
      check('liveBus', false, async () => undefined),
    ]);
    const down = await fetch(`${critical}/health`);
    expect(down.status).toBe(503);
    const text = await down.text();
    expect(JSON.parse(text)).toMatchObject({
      status: 'degraded',
      checks: { database: { status: 'fail', latencyMs: expect.any(Number) }, liveBus: { status: 'ok' } },
    });
    // Why it failed goes to the log, never to the answer.
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toContain('10.0.3.7');
    expect(failures).toEqual([['database', new Error(secret)]]);
    await new Promise((resolve) => server!.close(resolve));

    const optional = await serve([
      check('database', true, async () => undefined),
      check('liveBus', false, () => Promise.reject(new Error('redis gone'))),
    ]);
    const degraded = await fetch(`${optional}/health`);
    expect(degraded.status).toBe(200);
    const body = (await degraded.json()) as { status: string; checks: { liveBus: Record<string, unknown> } };
    expect(body).toMatchObject({ status: 'degraded', checks: { liveBus: { status: 'fail' } } });
    expect(body.checks.liveBus).not.toHaveProperty('error');
  });

  it('runs the checks at most once a second, however many probes arrive', async () => {
    let now = 1_000_000;
    const database = check('database', true, async () => undefined);
    const url = await serve([database], () => now);
    await Promise.all(Array.from({ length: 20 }, () => fetch(`${url}/health`)));
    expect(database.runs).toBe(1);
    now += 999;
    await fetch(`${url}/health`);
    expect(database.runs).toBe(1);
    now += 2;
    await fetch(`${url}/health`);
    expect(database.runs).toBe(2);
  });

  it('answers HEAD without a body, and leaves every other request to the application', async () => {
    const url = await serve([check('database', true, async () => undefined)]);
    const head = await fetch(`${url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${url}/health?probe=lb`)).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/health'],
      ['GET', '/healthz'],
      ['GET', '/health/x'],
      ['GET', '/api/health'],
    ] as const) {
      expect((await fetch(`${url}${path}`, { method })).status, `${method} ${path}`).toBe(418);
    }
  });

  // A real outage needs a server that can refuse: PostgreSQL (TEST_DATABASE_URL; CI sets it).
  describe.runIf(process.env.TEST_DATABASE_URL)('in the backend, on PostgreSQL', () => {
    let database: TestDatabase;
    let backend: TestBackend;
    let admin: pg.Client;
    beforeAll(async () => {
      database = await openTestDatabase('postgres');
      backend = await startTestBackend(database);
      admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
      await backend?.close();
      await database?.close();
    });
    const probe = async () => {
      const res = await fetch(`${backend.url}/health`);
      return { status: res.status, body: await res.json() };
    };
    const pastSharedAnswer = () => new Promise((resolve) => setTimeout(resolve, 1_100));

    it('answers 503 degraded while the database refuses connections, and ok again once it is back', async () => {
      expect(await probe()).toMatchObject({
        status: 200,
        body: { status: 'ok', checks: { database: { status: 'ok' } } },
      });

      const name = new URL(database.url!).pathname.slice(1);
      await admin.query(`alter database ${name} allow_connections false`);
      try {
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
        await pastSharedAnswer();
        expect(await probe()).toMatchObject({ status: 503, body: { status: 'degraded', checks: { database: { status: 'fail' } } } });
      } finally {
        await admin.query(`alter database ${name} allow_connections true`);
      }
      await pastSharedAnswer();
      expect(await probe()).toMatchObject({ status: 200, body: { status: 'ok' } });
    });
  });
});
