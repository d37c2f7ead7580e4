// What every socket endpoint guarantees, tried as an attacker would: a web test does not outlive the
// sign-in it rides on (sign-out, a disabled account, an expired token), and no one staff member can
// hold more sockets open than the configured cap.
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LiveCloseCode } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, TEST_JWT_SECRET, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { eventually } from '../../test/support/eventually.js';
import { openLiveClient, type LiveTestClient } from '../../test/support/live-client.js';
import { openWebTestClient, type WebTestClient } from '../../test/support/web-test-client.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
/** The same identity and session as `token`, expiring `seconds` from now. */
const tokenExpiringIn = (token: string, seconds: number) =>
  new SignJWT({ ...claimsOf(token), exp: Math.floor(Date.now() / 1000) + seconds }).setProtectedHeader({ alg: 'HS256' }).sign(key);

describe.each(databaseKinds())('socket endpoints on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: SignedIn;
  const webTests: WebTestClient[] = [];
  const lives: LiveTestClient[] = [];

  const openWebTest = async (token = staff.session.accessToken) => {
    const client = await openWebTestClient(backend.url, token);
    webTests.push(client);
    return client;
  };
  const openLive = async (token = staff.session.accessToken) => {
    const client = await openLiveClient(backend.url, token);
    lives.push(client);
    return client;
  };
  /** A running web test: started, and the voice platform's call connected. */
  const runningWebTest = async (token?: string) => {
    const client = await openWebTest(token);
    client.send({ type: 'start' });
    const ready = await client.next('ready');
    const call = await database.db.selectFrom('calls').select('provider_call_id').where('id', '=', ready.callId).executeTakeFirstOrThrow();
    return { client, providerCallId: call.provider_call_id! };
  };
  const voiceCallEnded = async (providerCallId: string) => {
    const res = await sandboxControl(backend)(`/voice-calls/${providerCallId}`);
    return ((await res.json()) as { endedReason: string | null }).endedReason !== null;
  };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, {
      LIVE_SESSION_RECHECK_MS: '200',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      WEB_TEST_STARTS_PER_MINUTE: '100',
    });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await eventually(async () => expect(backend.webTest.sessionCount).toBe(0));
    await database.reset();
    staff = await signIn(backend.url, await createClinicWithStaff(database.db));
  });
  afterEach(async () => {
    await Promise.all([...webTests.splice(0), ...lives.splice(0)].map((c) => c.close()));
  });

  describe('a web test ends with the sign-in it rides on', () => {
    it('signing out (on another device too) ends a running web test and hangs up the platform call', async () => {
      const { client, providerCallId } = await runningWebTest();
      // The session is ended through the API, as a stolen-laptop sign-out from elsewhere would.
      expect((await staff.api('/api/auth/logout', { method: 'POST', body: '{}' })).status).toBe(204);
      expect(await client.next('ended')).toEqual({
        type: 'ended',
        reason: 'session-ended',
        message: 'You were signed out, so the web test ended. Sign in again to start another.',
      });
      expect(await client.closed).toEqual({ code: LiveCloseCode.authRevoked, reason: 'session-ended' });
      await eventually(async () => expect(await voiceCallEnded(providerCallId)).toBe(true));
    });

    it('disabling the staff member ends their running web test', async () => {
      const { client, providerCallId } = await runningWebTest();
      // Straight in the database, without revoking any session: the account itself is what counts.
      await database.db.updateTable('staff').set({ disabled_at: new Date() }).where('id', '=', staff.session.user.id).execute();
      expect((await client.closed).code).toBe(LiveCloseCode.authRevoked);
      expect(client.messages.find((m) => m.type === 'ended')).toMatchObject({ reason: 'session-ended' });
      await eventually(async () => expect(await voiceCallEnded(providerCallId)).toBe(true));
    });

    it('a web test on an expiring token is warned, and ends at expiry without a fresh token', async () => {
      const client = await openWebTest(await tokenExpiringIn(staff.session.accessToken, 4));
      client.send({ type: 'start' });
      await client.next('token-expiring');
      expect(await client.next('ended')).toMatchObject({ reason: 'session-ended', message: expect.stringMatching(/sign-in expired/) });
      expect((await client.closed).code).toBe(LiveCloseCode.authExpired);
    });

    it('a fresh token of the same person keeps the test going; someone else’s token ends it', async () => {
      const expiring = await tokenExpiringIn(staff.session.accessToken, 6);
      const { client } = await runningWebTest(expiring);
      expect((await client.next('token-expiring')).expiresAt).toBe(new Date((claimsOf(expiring).exp as number) * 1000).toISOString());
      client.send({ type: 'auth', accessToken: staff.session.accessToken });
      // Once the first token is past its expiry, a pong (which the server sends after anything it
      // said before) finds the test still running.
      await new Promise((resolve) => setTimeout(resolve, (claimsOf(expiring).exp as number) * 1000 - Date.now() + 200));
      await new Promise((resolve) => {
        client.ws.once('pong', resolve);
        client.ws.ping();
      });
      expect(client.messages.some((m) => m.type === 'ended')).toBe(false);
      expect(client.ws.readyState).toBe(client.ws.OPEN);

      const colleague = await signIn(backend.url, await addStaff(database.db, staff.session.user.clinicId));
      client.send({ type: 'auth', accessToken: colleague.session.accessToken });
      expect(await client.next('error')).toMatchObject({ code: 'unauthenticated' });
      expect((await client.closed).code).toBe(LiveCloseCode.authExpired);
    });
  });

  describe('sockets per staff member', () => {
    it('closes a third web-test socket at once with 4029; the others, and colleagues, are unaffected', async () => {
      const first = await openWebTest();
      const second = await openWebTest();
      const third = await openWebTest();
      expect(await third.closed).toEqual({ code: LiveCloseCode.tooManyConnections, reason: 'too many connections (at most 2 per user)' });
      expect(first.ws.readyState).toBe(first.ws.OPEN);
      expect(second.ws.readyState).toBe(second.ws.OPEN);
      // No session was made for the refused one.
      expect(backend.webTest.sessionCount).toBe(2);

      const colleague = await signIn(backend.url, await addStaff(database.db, staff.session.user.clinicId));
      const theirs = await openWebTest(colleague.session.accessToken);
      theirs.send({ type: 'start' });
      await theirs.next('ready');

      // A place frees up when a socket closes.
      await first.close();
      await eventually(async () => expect(backend.webTest.sessionCount).toBe(2));
      const again = await openWebTest();
      again.send({ type: 'start' });
      await again.next('ready');
    });

    it('closes a 21st live socket at once with 4029', async () => {
      const open: LiveTestClient[] = [];
      for (let i = 0; i < 20; i++) open.push(await openLive());
      await Promise.all(open.map((c) => c.next('hello')));
      const refused = await openLive();
      expect(await refused.closed).toEqual({
        code: LiveCloseCode.tooManyConnections,
        reason: 'too many connections (at most 20 per user)',
      });
      expect(refused.messages).toEqual([]);
      expect(open.every((c) => c.ws.readyState === c.ws.OPEN)).toBe(true);
      // Another member of staff connects as usual.
      const colleague = await signIn(backend.url, await addStaff(database.db, staff.session.user.clinicId));
      expect(await (await openLive(colleague.session.accessToken)).next('hello')).toMatchObject({ clinicId: staff.session.user.clinicId });
    });
  });
});
