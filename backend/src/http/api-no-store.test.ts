// Every /api answer carries `Cache-Control: no-store`, failures included: a shared PC's browser cache,
// a proxy or a disk cache must never keep a clinic's calls, patients or tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';

// Database-independent (a header on every answer): PGlite only.
describe('Cache-Control on /api', () => {
  let database: TestDatabase;
  let backend: TestBackend;
  let session: SignedIn;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database, { BODY_LIMIT_BYTES: '2048', AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    session = await signIn(backend.url, await createClinicWithStaff(database.db));
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  const login = (body: string) =>
    fetch(`${backend.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('is no-store on successes and on every kind of failure', async () => {
    const answers: Array<[string, Response]> = [
      ['200 me', await session.api('/api/me')],
      ['200 calls', await session.api('/api/calls?limit=5')],
      ['401 no token', await fetch(`${backend.url}/api/me`)],
      ['403 csrf', await session.api('/api/agent', { method: 'PUT', body: '{}', headers: { 'x-csrf-token': 'forged' } })],
      ['404 route', await session.api('/api/no-such-route')],
      ['404 id', await session.api('/api/calls/not-a-uuid')],
      ['400 json', await login('{"email":')],
      ['413 body', await login(JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(4096) }))],
    ];
    // The sign-in limiter allows 3 a minute: the 400 and 413 above may or may not count, so keep
    // trying until it answers 429 (it must, within a few attempts).
    let limited: Response | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      const res = await login(JSON.stringify({ email: 'nobody@clinic.example', password: 'wrong password' }));
      if (res.status === 429) limited = res;
    }
    expect(limited, 'the sign-in limiter never answered 429').toBeDefined();
    answers.push(['429 limited', limited!]);

    const statuses = answers.map(([name, res]) => [name, res.status]);
    expect(statuses).toEqual([
      ['200 me', 200],
      ['200 calls', 200],
      ['401 no token', 401],
      ['403 csrf', 403],
      ['404 route', 404],
      ['404 id', 404],
      ['400 json', 400],
      ['413 body', 413],
      ['429 limited', 429],
    ]);
    for (const [name, res] of answers) expect([name, res.headers.get('cache-control')]).toEqual([name, 'no-store']);
  });
});
