import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) process.stderr.write('shared (Redis) rate-limit tests skipped: TEST_REDIS_URL is not set\n');

describe.each(databaseKinds())('rate limits on %s', (kind) => {
  const database = useTestDatabase(kind);
  const backends: TestBackend[] = [];
  let staff: TestStaff;

  beforeEach(async () => {
    staff = await createClinicWithStaff(database.db);
  });
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });

  // The sign-in backoff's clock stands still: each wait is exactly what the policy says.
  const stoppedClock = () => Date.UTC(2025, 0, 6, 9);
  const start = async (env: Record<string, string>) => {
    const backend = await startTestBackend(database, { TRUST_PROXY: '1', ...env }, undefined, { clock: stoppedClock });
    backends.push(backend);
    return backend;
  };
  const login = (backend: TestBackend, from: string, who: TestStaff = staff, password = 'wrong password') =>
    fetch(`${backend.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify({ email: who.email, password }),
    });
  const accessToken = async (backend: TestBackend, who: TestStaff) => {
    const res = await login(backend, `198.51.100.${Math.floor(Math.random() * 250) + 1}`, who, who.password);
    expect(res.status).toBe(200);
    return (await json(res)).accessToken as string;
  };
  const calls = (backend: TestBackend, token: string) =>
    fetch(`${backend.url}/api/calls`, { headers: { authorization: `Bearer ${token}` } });
  const expectLimited = async (res: Response) => {
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await json(res)).error.code).toBe('rate_limited');
  };

  it('limits sign-in attempts per client address, with 429 and Retry-After; other addresses still sign in', async () => {
    const backend = await start({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i++) expect((await login(backend, '203.0.113.7')).status).toBe(401);
    await expectLimited(await login(backend, '203.0.113.7'));
    // Even the right password waits out the window from that address ...
    await expectLimited(await login(backend, '203.0.113.7', staff, staff.password));
    // ... while the clinic's own desk, elsewhere, is unaffected.
    expect((await login(backend, '203.0.113.8', staff, staff.password)).status).toBe(200);
  });

  it('counts IPv6 clients by their /56: hopping addresses inside it does not reset the limit', async () => {
    const backend = await start({ AUTH_RATE_LIMIT_PER_MINUTE: '2' });
    expect((await login(backend, '2001:db8:1:100::1')).status).toBe(401);
    expect((await login(backend, '2001:db8:1:1ff::2')).status).toBe(401);
    await expectLimited(await login(backend, '2001:db8:1:1ab:5:6:7:8'));
    // The next /56 is another subscriber.
    expect((await login(backend, '2001:db8:1:200::1')).status).toBe(401);
  });

  it('backs off guesses at one account from one address; the owner elsewhere still signs in', async () => {
    const backend = await start({ LOGIN_BACKOFF_AFTER_FAILURES: '3' });
    for (let i = 0; i < 3; i++) expect((await login(backend, '203.0.113.20')).status).toBe(401);
    const refused = await login(backend, '203.0.113.20');
    await expectLimited(refused.clone());
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await json(refused)).error.message).toBe('Too many sign-in attempts for this account. Try again in 1 second.');
    // Not even the right password gets through from there during the wait ...
    await expectLimited(await login(backend, '203.0.113.20', staff, staff.password));
    // ... while the desk, at its own address, is not locked out of its account.
    expect((await login(backend, '198.51.100.20', staff, staff.password)).status).toBe(200);
    // Another account from the guessing address is not affected either.
    const colleague = await createClinicWithStaff(database.db);
    expect((await login(backend, '203.0.113.20', colleague, colleague.password)).status).toBe(200);
  });

  it('backs off an account tried from many addresses, except from addresses it signed in from', async () => {
    const backend = await start({ LOGIN_ACCOUNT_BACKOFF_AFTER_ATTEMPTS: '4' });
    expect((await login(backend, '198.51.100.30', staff, staff.password)).status).toBe(200);
    for (const from of ['203.0.113.31', '203.0.113.32', '203.0.113.33']) expect((await login(backend, from)).status).toBe(401);
    const refused = await login(backend, '203.0.113.34', staff, staff.password);
    await expectLimited(refused.clone());
    expect(refused.headers.get('retry-after')).toBe('60');
    expect((await login(backend, '198.51.100.30', staff, staff.password)).status).toBe(200);
  });

  it('limits the API per clinic, not per address: one busy clinic does not slow another', async () => {
    const backend = await start({ API_RATE_LIMIT_PER_MINUTE: '5' });
    const busy = await accessToken(backend, staff);
    const quiet = await accessToken(backend, await createClinicWithStaff(database.db));
    for (let i = 0; i < 5; i++) expect((await calls(backend, busy)).status).toBe(200);
    await expectLimited(await calls(backend, busy));
    expect((await calls(backend, quiet)).status).toBe(200);
  });

  it('lets requests through when the shared counter store (Redis) is unreachable, instead of failing them', async () => {
    const deadPort = await freePort();
    const backend = await start({ REDIS_URL: `redis://127.0.0.1:${deadPort}`, API_RATE_LIMIT_PER_MINUTE: '2' });
    const token = await accessToken(backend, staff);
    for (let i = 0; i < 4; i++) expect((await calls(backend, token)).status).toBe(200);
  });

  describe.skipIf(!redisUrl)('shared by every instance through Redis', () => {
    it('counts sign-ins and API requests across two instances', async () => {
      const env = { REDIS_URL: redisUrl!, RATE_LIMIT_REDIS_PREFIX: `test:shared:${randomBytes(6).toString('hex')}:` };
      const a = await start({ ...env, AUTH_RATE_LIMIT_PER_MINUTE: '4', API_RATE_LIMIT_PER_MINUTE: '4' });
      const b = await start({ ...env, AUTH_RATE_LIMIT_PER_MINUTE: '4', API_RATE_LIMIT_PER_MINUTE: '4' });

      const address = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
      expect((await login(a, address)).status).toBe(401);
      expect((await login(b, address)).status).toBe(401);
      expect((await login(a, address)).status).toBe(401);
      expect((await login(b, address)).status).toBe(401);
      await expectLimited(await login(a, address));
      await expectLimited(await login(b, address));

      const tokenA = await accessToken(a, staff);
      for (const backend of [a, b, a, b]) expect((await calls(backend, tokenA)).status).toBe(200);
      await expectLimited(await calls(b, tokenA));
      await expectLimited(await calls(a, tokenA));
    });

    it('backs off sign-in guesses across instances', async () => {
      const env = { REDIS_URL: redisUrl!, RATE_LIMIT_REDIS_PREFIX: `test:shared:${randomBytes(6).toString('hex')}:` };
      const a = await start({ ...env, LOGIN_BACKOFF_AFTER_FAILURES: '2' });
      const b = await start({ ...env, LOGIN_BACKOFF_AFTER_FAILURES: '2' });
      expect((await login(a, '203.0.113.40')).status).toBe(401);
      expect((await login(b, '203.0.113.40')).status).toBe(401);
      await expectLimited(await login(a, '203.0.113.40'));
      await expectLimited(await login(b, '203.0.113.40', staff, staff.password));
      expect((await login(b, '198.51.100.40', staff, staff.password)).status).toBe(200);
    });
  });
});

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
