import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LoginResponseSchema, type LoginResponse } from '@voxanne/protocol';
import { databaseKinds, useTestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { startFakeGoTrue, type FakeGoTrue, type FakeGoTrueUser } from '../../test/support/fake-gotrue.js';
import { json } from '../../test/support/http.js';
import { createClinic, createStaff } from '../clinics/clinic-queries.js';

const PASSWORD = 'a supabase password';

describe.each(databaseKinds())('Supabase Auth sign-in on %s', (kind) => {
  const database = useTestDatabase(kind, { resetEachTest: false });

  describe.each(['hs256', 'jwks'] as const)('with a project signing %s tokens', (mode) => {
    let gotrue: FakeGoTrue;
    let backend: TestBackend;
    let clinicId: string;
    let user: FakeGoTrueUser;
    let staffId: string;

    beforeAll(async () => {
      gotrue = await startFakeGoTrue(mode);
      backend = await startTestBackend(database, {
        SUPABASE_URL: gotrue.url,
        SUPABASE_ANON_KEY: gotrue.anonKey,
        SUPABASE_JWT_SECRET: gotrue.jwtSecret,
        AUTH_RATE_LIMIT_PER_MINUTE: '1000', // every test signs in afresh
      });
    });
    afterAll(async () => {
      await backend?.close();
      await gotrue?.close();
    });
    beforeEach(async () => {
      await database.reset();
      gotrue.requests.length = 0;
      gotrue.failWith = undefined;
      clinicId = (await createClinic(database.db, { name: 'Willow Clinic', timeZone: 'Europe/London' })).id;
      const email = `desk-${crypto.randomUUID().slice(0, 8)}@willow.test`;
      user = gotrue.addUser(email, PASSWORD);
      // The operator invited this user: a staff row with no password and no Supabase id yet.
      staffId = (
        await createStaff(database.db, {
          clinicId,
          email,
          name: 'Willow Desk',
          role: 'front_desk',
          passwordHash: null,
          authProvider: 'supabase',
        })
      ).id;
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${backend.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const login = async (email = user.email, password = PASSWORD) => post('/api/auth/login', { email, password });
    const signedIn = async (): Promise<LoginResponse> => {
      const res = await login();
      expect(res.status).toBe(200);
      return LoginResponseSchema.parse(await json(res));
    };
    const me = (token: string) => fetch(`${backend.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    const externalId = async () =>
      (await database.db.selectFrom('staff').select('external_id').where('id', '=', staffId).executeTakeFirstOrThrow()).external_id;

    it('signs in through Supabase and links the invited staff row on first sign-in', async () => {
      const session = await signedIn();
      expect(gotrue.requests).toContain('POST /auth/v1/token?grant_type=password');
      expect(session.user).toMatchObject({ id: staffId, clinicId, clinicName: 'Willow Clinic', role: 'front_desk' });
      expect(await externalId()).toBe(user.id);
      const res = await me(session.accessToken);
      expect(res.status).toBe(200);
      expect((await json(res)).user.id).toBe(staffId);
    });

    it('refuses a wrong password like an unknown email', async () => {
      const wrong = await login(user.email, 'not it');
      const unknown = await login('nobody@willow.test', PASSWORD);
      expect(wrong.status).toBe(401);
      expect(await json(wrong)).toEqual(await json(unknown));
      expect(await externalId()).toBeNull();
    });

    it('links an invited row only to a user who confirmed the address: a sign-up with the clinic’s email takes nothing', async () => {
      // Someone signs up at the project with an address a clinic invited, and never confirms it
      // (they cannot: the mailbox is not theirs). GoTrue may still let them sign in.
      const invitedEmail = `admin-${crypto.randomUUID().slice(0, 8)}@willow.test`;
      const invitedId = (
        await createStaff(database.db, {
          clinicId,
          email: invitedEmail,
          name: 'Willow Admin',
          role: 'admin',
          passwordHash: null,
          authProvider: 'supabase',
        })
      ).id;
      const squatter = gotrue.addUser(invitedEmail, PASSWORD, { confirmed: false });
      const linked = async () =>
        (await database.db.selectFrom('staff').select('external_id').where('id', '=', invitedId).executeTakeFirstOrThrow()).external_id;

      const res = await login(invitedEmail);
      expect(res.status).toBe(403);
      expect((await json(res)).error).toEqual({
        code: 'forbidden',
        message: 'Confirm your email address first (open the link in the email Supabase sent you), then sign in again.',
      });
      expect(await linked()).toBeNull();

      // A valid project token for that user, with the invited address as its email claim, links nothing either.
      const token = await gotrue.mintAccessToken(squatter, crypto.randomUUID(), { email: invitedEmail });
      const viaToken = await me(token);
      expect(viaToken.status).toBe(403);
      expect(await linked()).toBeNull();

      // The same answer for an unconfirmed address no clinic invited: it tells nobody who was.
      gotrue.addUser('nobody-invited@willow.test', PASSWORD, { confirmed: false });
      expect(await json(await login('nobody-invited@willow.test'))).toEqual(await json(await login(invitedEmail)));

      // Once the address is confirmed, the first sign-in links the row.
      squatter.emailConfirmedAt = new Date().toISOString();
      const confirmed = await login(invitedEmail);
      expect(confirmed.status).toBe(200);
      expect((await json(confirmed)).user).toMatchObject({ id: invitedId, role: 'admin' });
      expect(await linked()).toBe(squatter.id);
    });

    it('refuses a Supabase user the clinic never added (403)', async () => {
      const stranger = gotrue.addUser('stranger@elsewhere.test', PASSWORD);
      const res = await login(stranger.email);
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe('forbidden');
    });

    it('takes the clinic from the staff row, never from the token’s metadata', async () => {
      const session = await signedIn();
      const otherClinic = (await createClinic(database.db, { name: 'Other' })).id;
      const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString()) as { session_id: string };
      const token = await gotrue.mintAccessToken(user, claims.session_id, {
        user_metadata: { clinic_id: otherClinic },
        app_metadata: { clinic_id: otherClinic, role: 'admin' },
      });
      const res = await me(token);
      expect((await json(res)).user).toMatchObject({ clinicId, role: 'front_desk' });
    });

    it('refreshes through Supabase (rotation) and refuses a reused refresh token', async () => {
      const session = await signedIn();
      const first = await post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect(first.status).toBe(200);
      const rotated = LoginResponseSchema.parse(await json(first));
      expect(gotrue.requests).toContain('POST /auth/v1/token?grant_type=refresh_token');
      expect(rotated.refreshToken).not.toBe(session.refreshToken);
      expect(rotated.csrfToken).toBe(session.csrfToken); // same Supabase session, same CSRF binding
      const replay = await post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect(replay.status).toBe(401);
      expect((await post('/api/auth/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
    });

    it('binds CSRF to the Supabase session: missing, wrong or another session’s token is 403', async () => {
      const session = await signedIn();
      const other = await signedIn();
      const auth = { authorization: `Bearer ${session.accessToken}` };
      const body = { phone: 'x' };
      // A write front-desk staff may make (the assistant's configuration is an administrator's).
      const put = (headers: Record<string, string>) =>
        fetch(`${backend.url}/api/test-calls/phone`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth, ...headers },
          body: JSON.stringify(body),
        });
      expect((await put({})).status).toBe(403);
      expect((await put({ 'x-csrf-token': 'wrong' })).status).toBe(403);
      expect((await put({ 'x-csrf-token': other.csrfToken })).status).toBe(403);
      // The right token gets past CSRF to validation (the body is deliberately incomplete).
      expect((await put({ 'x-csrf-token': session.csrfToken })).status).toBe(400);
    });

    it('signs out at Supabase with the user’s token; refresh and access token stop working', async () => {
      const session = await signedIn();
      const res = await post('/api/auth/logout', {}, { authorization: `Bearer ${session.accessToken}`, 'x-csrf-token': session.csrfToken });
      expect(res.status).toBe(204);
      expect(gotrue.requests).toContain('POST /auth/v1/logout?scope=local');
      expect(gotrue.logouts.at(-1)).toBe(`Bearer ${session.accessToken}`);
      expect((await post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
      expect((await me(session.accessToken)).status).toBe(401);
    });

    it('refuses forged, foreign-key, expired, wrong-audience, wrong-issuer and alg:none tokens', async () => {
      const session = await signedIn();
      const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      const sid = claims.session_id as string;
      const now = Math.floor(Date.now() / 1000);
      const forgedHs = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('not-the-project-secret-not-the-project-secret'));
      const cases: Array<[string, string]> = [
        ['forged HS256', forgedHs],
        ['foreign ES256 key', await gotrue.mintAccessToken(user, sid, {}, 'foreign')],
        ['expired', await gotrue.mintAccessToken(user, sid, { iat: now - 7200, exp: now - 60 })],
        ['wrong audience', await gotrue.mintAccessToken(user, sid, { aud: 'anon' })],
        ['wrong issuer', await gotrue.mintAccessToken(user, sid, { iss: 'https://evil.example/auth/v1' })],
        ['alg:none', new UnsecuredJWT(claims).encode()],
      ];
      for (const [name, token] of cases) {
        const res = await me(token);
        expect(res.status, name).toBe(401);
      }
      const expired = await me(cases[2]![1]);
      expect((await json(expired)).error.code).toBe('token_expired');
      expect((await me(session.accessToken)).status).toBe(200);
    });

    it('shuts out a disabled staff member', async () => {
      const session = await signedIn();
      await database.db.updateTable('staff').set({ disabled_at: new Date() }).where('id', '=', staffId).execute();
      expect((await login()).status).toBe(401);
      expect((await post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    });

    it('answers 503 at once when Supabase Auth is failing, instead of hanging in retries', async () => {
      gotrue.failWith = 503;
      const res = await login();
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe('provider_unavailable');
      expect(gotrue.requests.filter((r) => r.startsWith('POST /auth/v1/token'))).toHaveLength(1);
    });
  });
});
