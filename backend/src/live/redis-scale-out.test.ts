// Scale-out over the real Redis server: two backend instances on one database. The plain test uses
// TEST_REDIS_URL; the outage test starts a private redis-server (never the shared one) so it can kill
// and restart it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type TestStaff } from '../../test/support/fixtures.js';
import { openLiveClient, range, seqs, writeLiveEvents, type LiveTestClient } from '../../test/support/live-client.js';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) process.stderr.write('live Redis scale-out tests skipped: TEST_REDIS_URL is not set\n');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function assertRedisReachable(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(`TEST_REDIS_URL is set but Redis is unreachable: ${(error as Error).message}`);
  } finally {
    probe.disconnect();
  }
}

async function health(backend: TestBackend): Promise<{ httpStatus: number; status: string; liveBus: { status: string } }> {
  const res = await fetch(`${backend.url}/health`);
  const body = (await res.json()) as { status: string; checks: { liveBus: { status: string } } };
  return { httpStatus: res.status, status: body.status, liveBus: body.checks.liveBus };
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

/** Connects, resumes from `afterSeq` (hello's lastSeq when omitted) and waits for replay-complete. */
async function consoleOn(backend: TestBackend, token: string, afterSeq?: number): Promise<LiveTestClient> {
  const client = await openLiveClient(backend.url, token);
  const hello = await client.next('hello');
  client.send({ type: 'resume', afterSeq: afterSeq ?? hello.lastSeq });
  await client.next('replay-complete');
  return client;
}

function envFor(url: string, channel: string) {
  return {
    REDIS_URL: url,
    LIVE_REDIS_CHANNEL: channel,
    // Long enough that cross-instance delivery in these tests can only come through Redis (or the
    // reconnect signal), not the periodic catch-up.
    LIVE_CATCHUP_INTERVAL_MS: '600000',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
  };
}

describe.skipIf(!redisUrl).each(databaseKinds())('live scale-out over Redis on %s', (kind) => {
  let database: TestDatabase;
  let staff: TestStaff;
  const clients: LiveTestClient[] = [];

  beforeAll(async () => {
    await assertRedisReachable(redisUrl!);
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await database.reset();
    staff = await createClinicWithStaff(database.db);
  });

  it('a console on instance A receives the events written through instance B, and the reverse', async () => {
    const channel = `voxanne-test:live:${randomBytes(6).toString('hex')}`;
    const a = await startTestBackend(database, envFor(redisUrl!, channel));
    const b = await startTestBackend(database, envFor(redisUrl!, channel));
    try {
      const token = (await signIn(a.url, staff)).session.accessToken;
      const onA = await consoleOn(a, token);
      const onB = await consoleOn(b, token);
      clients.push(onA, onB);
      await writeLiveEvents(database.db, b.bus, staff.clinicId, 10, { perTransaction: 2 });
      await writeLiveEvents(database.db, a.bus, staff.clinicId, 10, { perTransaction: 5 });
      expect(seqs(await onA.seqReached(20))).toEqual(range(0, 20));
      expect(seqs(await onB.seqReached(20))).toEqual(range(0, 20));
      expect(await health(a)).toMatchObject({ httpStatus: 200, status: 'ok', liveBus: { status: 'ok' } });
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all([a.close(), b.close()]);
    }
  });

  describe('when Redis restarts mid-stream', () => {
    let redis: PrivateRedis;

    beforeAll(async () => {
      redis = await PrivateRedis.start();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it("keeps serving each instance's own consoles, reports degraded, and loses nothing once Redis is back", async () => {
      const env = envFor(redis.url, 'voxanne-test:live');
      const a = await startTestBackend(database, env);
      const b = await startTestBackend(database, env);
      try {
        const token = (await signIn(a.url, staff)).session.accessToken;
        const onA = await consoleOn(a, token);
        const onB = await consoleOn(b, token);
        const leaver = await consoleOn(a, token);
        clients.push(onA, onB, leaver);
        await waitFor(
          'Redis to be ready on both instances',
          async () => (await health(a)).status === 'ok' && (await health(b)).status === 'ok',
        );

        await writeLiveEvents(database.db, b.bus, staff.clinicId, 5);
        await onA.seqReached(5);

        await redis.kill();
        await waitFor('both instances to report degraded', async () => {
          const [ha, hb] = [await health(a), await health(b)];
          return ha.status === 'degraded' && hb.status === 'degraded';
        });
        // Degraded, not down: the instance still serves its own consoles, so 200 for the load balancer.
        expect(await health(a)).toMatchObject({ httpStatus: 200, liveBus: { status: 'fail' } });

        // During the outage each instance still serves what is written through it.
        await writeLiveEvents(database.db, a.bus, staff.clinicId, 5);
        expect(seqs(await onA.seqReached(10))).toEqual(range(0, 10));
        await leaver.seqReached(10);
        leaver.ws.terminate(); // this console drops off while Redis is away ...
        await writeLiveEvents(database.db, b.bus, staff.clinicId, 5);
        await onB.seqReached(15); // B fills A's events from the log when its own reveal the hole

        await redis.restart();
        await waitFor(
          'both instances to report ok again',
          async () => (await health(a)).status === 'ok' && (await health(b)).status === 'ok',
        );

        // ... A catches up on what B wrote while Redis was away (nothing new has been written, so
        // only the reconnect can have told it), and cross-instance delivery resumes.
        expect(seqs(await onA.seqReached(15))).toEqual(range(0, 15));
        await writeLiveEvents(database.db, b.bus, staff.clinicId, 5);
        expect(seqs(await onA.seqReached(20))).toEqual(range(0, 20));
        expect(seqs(await onB.seqReached(20))).toEqual(range(0, 20));

        // ... and resumes on the other instance from its last seq, losing nothing.
        const returned = await consoleOn(b, token, leaver.events().at(-1)!.seq);
        clients.push(returned);
        expect([...seqs(leaver.events()), ...seqs(returned.events())]).toEqual(range(0, 20));
      } finally {
        await Promise.all(clients.splice(0).map((c) => c.close()));
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('starts while Redis is down (degraded, serving its own consoles) and catches up once Redis comes up', async () => {
      await redis.kill();
      const env = envFor(redis.url, 'voxanne-test:live:late');
      const a = await startTestBackend(database, env);
      const b = await startTestBackend(database, env);
      try {
        expect(await health(a)).toMatchObject({ httpStatus: 200, status: 'degraded', liveBus: { status: 'fail' } });
        const token = (await signIn(a.url, staff)).session.accessToken;
        const onA = await consoleOn(a, token);
        const onB = await consoleOn(b, token);
        clients.push(onA, onB);
        await writeLiveEvents(database.db, a.bus, staff.clinicId, 3);
        expect(seqs(await onA.seqReached(3))).toEqual(range(0, 3));
        await writeLiveEvents(database.db, b.bus, staff.clinicId, 2);
        expect(seqs(await onB.seqReached(5))).toEqual(range(0, 5));

        await redis.restart();
        await waitFor('both instances to report ok', async () => (await health(a)).status === 'ok' && (await health(b)).status === 'ok');
        // Nothing new was written: only Redis coming up can have told A about B's two events.
        expect(seqs(await onA.seqReached(5))).toEqual(range(0, 5));
      } finally {
        await Promise.all(clients.splice(0).map((c) => c.close()));
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
});

/** A redis-server of this test's own on a free port (the shared one at 6379 is never restarted). */
class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    if (spawnSync('redis-server', ['--version']).status !== 0) {
      throw new Error('TEST_REDIS_URL is set but the redis-server binary is not on PATH (needed to restart a private Redis)');
    }
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  async restart(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
