import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, TEST_JWT_SECRET, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';

describe.each(databaseKinds())('auth over HTTP on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    // Every test signs in afresh: the per-address limit is the subject of rate-limits.test.ts.
    backend = await startTestBackend(database, { AUTH_RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await createClinicWithStaff(database.db);
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${backend.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const me = (token: string) => fetch(`${backend.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const claimsOf = async (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it('signs in and returns tokens, CSRF token and the user of the right clinic', async () => {
    const { session } = await signIn(backend.url, staff);
    expect(session).toMatchObject({ expiresIn: 900, user: { email: staff.email, clinicId: staff.clinicId, role: 'front_desk' } });
    const res = await me(session.accessToken);
    expect(res.status).toBe(200);
    expect((await json(res)).user.id).toBe(staff.staffId);
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const wrong = await post('/api/auth/login', { email: staff.email, password: 'nope' });
    const unknown = await post('/api/auth/login', { email: 'nobody@clinic.test', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await json(wrong)).toEqual(await json(unknown));
  });

  it('refuses a forged token signed with another key', async () => {
    const { session } = await signIn(backend.url, staff);
    const forged = await new SignJWT(await claimsOf(session.accessToken))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    expect((await me(forged)).status).toBe(401);
  });

  it('refuses an alg:none token', async () => {
    const { session } = await signIn(backend.url, staff);
    const unsigned = new UnsecuredJWT(await claimsOf(session.accessToken)).encode();
    expect((await me(unsigned)).status).toBe(401);
  });

  it('refuses an expired token with token_expired', async () => {
    const { session } = await signIn(backend.url, staff);
    const claims = await claimsOf(session.accessToken);
    const expired = await new SignJWT({ ...claims, iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 10 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key);
    const res = await me(expired);
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe('token_expired');
  });

  it('refuses a token for another audience', async () => {
    const { session } = await signIn(backend.url, staff);
    const claims = await claimsOf(session.accessToken);
    const other = await new SignJWT({ ...claims, aud: 'some-other-app' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect((await me(other)).status).toBe(401);
  });

  it('requires the session CSRF token on state-changing requests (403 when missing or wrong)', async () => {
    const { session } = await signIn(backend.url, staff);
    const auth = { authorization: `Bearer ${session.accessToken}` };
    expect((await post('/api/auth/logout', {}, auth)).status).toBe(403);
    expect((await post('/api/auth/logout', {}, { ...auth, 'x-csrf-token': 'wrong' })).status).toBe(403);
    const other = await signIn(backend.url, staff);
    expect((await post('/api/auth/logout', {}, { ...auth, 'x-csrf-token': other.session.csrfToken })).status).toBe(403);
    // Nothing changed: the session still works.
    expect((await me(session.accessToken)).status).toBe(200);
    expect((await post('/api/auth/logout', {}, { ...auth, 'x-csrf-token': session.csrfToken })).status).toBe(204);
  });

  it('rotates the refresh token, and a reused one revokes the session', async () => {
    const { session } = await signIn(backend.url, staff);
    const first = await post('/api/auth/refresh', { refreshToken: session.refreshToken });
    expect(first.status).toBe(200);
    const rotated = await json(first);
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    expect(rotated.csrfToken).toBe(session.csrfToken); // same session, same CSRF binding

    const replay = await post('/api/auth/refresh', { refreshToken: session.refreshToken });
    expect(replay.status).toBe(401);
    // The thief's replay ended the session for the legitimate holder too.
    expect((await post('/api/auth/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
  });

  it('a replay of ANY earlier refresh token of the session revokes the whole family, newest token included', async () => {
    const { session } = await signIn(backend.url, staff);
    // The thief copied the first token; the desk then rotated it three times.
    const chain = [session.refreshToken];
    let newest = session;
    for (let i = 0; i < 3; i++) {
      const res = await post('/api/auth/refresh', { refreshToken: chain.at(-1) });
      expect(res.status).toBe(200);
      newest = await json(res);
      chain.push(newest.refreshToken);
    }
    expect(new Set(chain).size).toBe(4);
    expect((await me(newest.accessToken)).status).toBe(200);

    const replay = await post('/api/auth/refresh', { refreshToken: chain[0] });
    expect(replay.status).toBe(401);
    // Every token of the family is dead, the newest one too, and so is its access token.
    expect((await post('/api/auth/refresh', { refreshToken: chain[3] })).status).toBe(401);
    expect((await post('/api/auth/refresh', { refreshToken: chain[1] })).status).toBe(401);
    expect((await me(newest.accessToken)).status).toBe(401);
    const row = await database.db.selectFrom('auth_sessions').select(['revoked_reason']).executeTakeFirstOrThrow();
    expect(row.revoked_reason).toBe('refresh token reused');
    // A dead family keeps no retired tokens around.
    expect(await database.db.selectFrom('auth_retired_refresh_tokens').selectAll().execute()).toEqual([]);

    // Another session of the same person is untouched.
    const other = await signIn(backend.url, staff);
    expect((await post('/api/auth/refresh', { refreshToken: other.session.refreshToken })).status).toBe(200);
  });

  it('an unknown refresh token revokes nothing', async () => {
    const { session } = await signIn(backend.url, staff);
    expect((await post('/api/auth/refresh', { refreshToken: 'made-up-token-made-up-token-made-up' })).status).toBe(401);
    expect((await post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(200);
  });

  it('logout revokes the session: refresh and access tokens stop working', async () => {
    const { session, api } = await signIn(backend.url, staff);
    expect((await api('/api/auth/logout', { method: 'POST', body: JSON.stringify({ refreshToken: session.refreshToken }) })).status).toBe(
      204,
    );
    expect((await post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    expect((await me(session.accessToken)).status).toBe(401);
  });

  it('answers malformed JSON, unknown fields and oversized bodies with 4xx', async () => {
    const bad = await fetch(`${backend.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe('invalid_json');
    const extra = await post('/api/auth/login', { email: staff.email, password: staff.password, admin: true });
    expect(extra.status).toBe(400);
    expect((await json(extra)).error).toMatchObject({
      code: 'validation_failed',
      details: [{ message: expect.stringContaining('admin') }],
    });
    const huge = await post('/api/auth/login', { email: staff.email, password: 'x'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
  });
});
