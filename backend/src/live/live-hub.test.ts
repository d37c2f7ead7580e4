import type { Socket } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { AUTH_SUBPROTOCOL_PREFIX, LIVE_PROTOCOL, LiveCloseCode, type CallSummary, type LiveEvent } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, TEST_JWT_SECRET, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type TestStaff } from '../../test/support/fixtures.js';
import { openLiveClient, range, refusedUpgrade, seqs, writeLiveEvents, type LiveTestClient } from '../../test/support/live-client.js';
import { InProcessEventBus } from './event-bus.js';
import { pruneEventLog } from './event-retention.js';
import { transactionWithEvents } from './event-log.js';

const ALLOWED_ORIGIN = 'https://console.voxanne.test';
const BUFFER_LIMIT = 64 * 1024;
const HEARTBEAT_MS = 1_000; // short for the test, long enough for a loaded machine's healthy sockets

const LIVE_ENV = {
  WS_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
  LIVE_SOCKET_BUFFER_LIMIT_BYTES: String(BUFFER_LIMIT),
  LIVE_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
  LIVE_SESSION_RECHECK_MS: '300',
  LIVE_RESUME_WAIT_MS: '1000',
  AUTH_RATE_LIMIT_PER_MINUTE: '1000', // every test signs in afresh
  LIVE_CATCHUP_INTERVAL_MS: '500',
};

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
/** The same identity and session as `token`, expiring `seconds` from now. */
const tokenExpiringIn = (token: string, seconds: number) =>
  new SignJWT({ ...claimsOf(token), exp: Math.floor(Date.now() / 1000) + seconds }).setProtectedHeader({ alg: 'HS256' }).sign(key);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(databaseKinds())('live stream /ws/live-calls on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;
  let token: string;
  const clients: LiveTestClient[] = [];

  const connect = async (accessToken = token, options: Parameters<typeof openLiveClient>[2] = {}) => {
    const client = await openLiveClient(backend.url, accessToken, options);
    clients.push(client);
    return client;
  };
  /** Connects and resumes from `afterSeq` (hello's lastSeq when omitted); resolves after replay-complete. */
  const connectResumed = async (afterSeq?: number, accessToken = token) => {
    const client = await connect(accessToken);
    const hello = await client.next('hello');
    client.send({ type: 'resume', afterSeq: afterSeq ?? hello.lastSeq });
    await client.next('replay-complete');
    return client;
  };
  const write = (count: number, clinicId = staff.clinicId, options: Parameters<typeof writeLiveEvents>[4] = {}) =>
    writeLiveEvents(database.db, backend.bus, clinicId, count, options);

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, LIVE_ENV);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await createClinicWithStaff(database.db);
    token = (await signIn(backend.url, staff)).session.accessToken;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  describe('authentication at the upgrade', () => {
    it('selects voxanne.v1 and says hello with the clinic, its lastSeq and the token expiry', async () => {
      await write(3);
      const client = await connect();
      expect(client.ws.protocol).toBe(LIVE_PROTOCOL);
      const hello = await client.next('hello');
      expect(hello).toMatchObject({ protocolVersion: 1, clinicId: staff.clinicId, lastSeq: 3 });
      expect(new Date(hello.tokenExpiresAt).getTime()).toBe((claimsOf(token).exp as number) * 1000);
    });

    it('refuses an upgrade without a token with 401 and no socket', async () => {
      expect(await refusedUpgrade(backend.url, [LIVE_PROTOCOL])).toEqual({ status: 401, opened: false });
    });

    it('refuses a forged token (signed with another key) with 401', async () => {
      const forged = await new SignJWT(claimsOf(token))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
      expect(await refusedUpgrade(backend.url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + forged])).toEqual({ status: 401, opened: false });
    });

    it('refuses an expired token with 401', async () => {
      const expired = await tokenExpiringIn(token, -10);
      expect(await refusedUpgrade(backend.url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + expired])).toEqual({ status: 401, opened: false });
    });

    it('refuses the token of a signed-out session with 401', async () => {
      const { session, api } = await signIn(backend.url, staff);
      expect((await api('/api/auth/logout', { method: 'POST', body: '{}' })).status).toBe(204);
      const refused = await refusedUpgrade(backend.url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + session.accessToken]);
      expect(refused).toEqual({ status: 401, opened: false });
    });

    it('refuses a token passed in the URL, even alongside a valid subprotocol token', async () => {
      expect(await refusedUpgrade(backend.url, [LIVE_PROTOCOL], { query: `?access_token=${token}` })).toEqual({
        status: 401,
        opened: false,
      });
      expect(await refusedUpgrade(backend.url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token], { query: `?token=${token}` })).toEqual({
        status: 401,
        opened: false,
      });
    });

    it('refuses a client that does not offer voxanne.v1 with 403', async () => {
      expect(await refusedUpgrade(backend.url, [AUTH_SUBPROTOCOL_PREFIX + token])).toEqual({ status: 403, opened: false });
      expect(await refusedUpgrade(backend.url, ['voxanne.v0', AUTH_SUBPROTOCOL_PREFIX + token])).toEqual({ status: 403, opened: false });
    });

    it('refuses a browser Origin that is not allowed with 403, and accepts an allowed one and none (the desktop app)', async () => {
      const protocols = [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token];
      expect(await refusedUpgrade(backend.url, protocols, { headers: { Origin: 'https://evil.example' } })).toEqual({
        status: 403,
        opened: false,
      });
      const browser = await connect(token, { headers: { Origin: ALLOWED_ORIGIN } });
      expect(await browser.next('hello')).toMatchObject({ clinicId: staff.clinicId });
      const desktop = await connect();
      expect(await desktop.next('hello')).toMatchObject({ clinicId: staff.clinicId });
    });
  });

  describe('events, resume and replay', () => {
    it('front desk gets callers’ numbers in call events as the last three digits, live and replayed; admins and callbacks the whole', async () => {
      const admin = await addStaff(database.db, staff.clinicId, 'admin');
      const adminToken = (await signIn(backend.url, admin)).session.accessToken;
      const deskLive = await connectResumed();
      const adminLive = await connectResumed(undefined, adminToken);
      const now = new Date().toISOString();
      const call: CallSummary = {
        id: randomUUID(),
        direction: 'inbound',
        status: 'ringing',
        callerNumber: '+447700900123',
        callerNumberRaw: null,
        patientName: null,
        startedAt: now,
        endedAt: null,
        durationSeconds: null,
        endedReason: null,
        outcome: null,
        summary: null,
        isTest: false,
        needsAttention: false,
        transfer: null,
        createdAt: now,
      };
      await transactionWithEvents(database.db, backend.bus, async (_tx, events) => {
        events.emit(staff.clinicId, { kind: 'call.started', data: { call } });
        events.emit(staff.clinicId, { kind: 'call.status', data: { callId: call.id, status: 'in-progress', call } });
        events.emit(staff.clinicId, {
          kind: 'call.ended',
          data: { call: { ...call, callerNumber: null, callerNumberRaw: '0123 garbled' } },
        });
        events.emit(staff.clinicId, {
          kind: 'attention.needed',
          data: {
            callId: call.id,
            reason: 'caller_asked_for_staff',
            message: 'Call back',
            patientName: null,
            callerNumber: '+447700900123',
          },
        });
      });
      const numbers = (events: LiveEvent[]) =>
        events.map((e) =>
          e.kind === 'attention.needed'
            ? e.data.callerNumber
            : 'call' in e.data
              ? (e.data.call.callerNumber ?? e.data.call.callerNumberRaw)
              : null,
        );
      expect(numbers((await deskLive.eventCount(4)).slice(-4))).toEqual(['…123', '…123', '…123', '+447700900123']);
      expect(numbers((await adminLive.eventCount(4)).slice(-4))).toEqual([
        '+447700900123',
        '+447700900123',
        '0123 garbled',
        '+447700900123',
      ]);
      // The same from the log, for a console that resumes from before them.
      const replayed = await connectResumed(0);
      expect(numbers(replayed.events().slice(-4))).toEqual(['…123', '…123', '…123', '+447700900123']);
      expect(JSON.stringify(replayed.events().filter((e) => e.kind.startsWith('call.')))).not.toContain('900123');
    });

    it("a socket never sees another clinic's event", async () => {
      const other = await createClinicWithStaff(database.db);
      const otherToken = (await signIn(backend.url, other)).session.accessToken;
      const ours = await connectResumed();
      const theirs = await connectResumed(undefined, otherToken);
      await Promise.all([write(20), write(15, other.clinicId)]);
      expect(seqs(await ours.eventCount(20))).toEqual(range(0, 20));
      expect(seqs(await theirs.eventCount(15))).toEqual(range(0, 15));
      await write(1); // a marker after everything: nothing else may have slipped in before it
      await ours.seqReached(21);
      expect(ours.events().every((e) => e.clinicId === staff.clinicId)).toBe(true);
      expect(theirs.events().every((e) => e.clinicId === other.clinicId)).toBe(true);
      expect(theirs.events()).toHaveLength(15);
    });

    it('resume replays every missed event in order, then live ones with no gap and no duplicate at the seam', async () => {
      const before = await write(40, staff.clinicId, { perTransaction: 7 });
      const client = await connect();
      await client.next('hello');
      client.send({ type: 'resume', afterSeq: 10 });
      // Live events keep arriving while the replay runs.
      const writing = write(40, staff.clinicId, { perTransaction: 3 });
      const complete = await client.next('replay-complete');
      const during = await writing;
      const events = await client.seqReached(80);
      expect(seqs(events)).toEqual(range(10, 80));
      // The replayed ones (from the log) and the live ones (from the bus) are the events as written.
      expect(events).toEqual([...before.slice(10), ...during]);
      expect(complete.lastSeq).toBeGreaterThanOrEqual(40);
      // replay-complete comes after exactly the events it names.
      const completeAt = client.messages.findIndex((m) => m.type === 'replay-complete');
      const replayed = client.messages.slice(0, completeAt).flatMap((m) => (m.type === 'event' ? [m.event.seq] : []));
      expect(replayed.at(-1)).toBe(complete.lastSeq);
    });

    it('delivers events whose publish was lost after commit: at once when a later one shows the hole, else by the catch-up', async () => {
      const client = await connectResumed();
      const nowhere = new InProcessEventBus(); // a writer that crashed between commit and publish
      await write(2);
      await writeLiveEvents(database.db, nowhere, staff.clinicId, 3);
      await write(1); // seq 6 arrives; 3..5 are read from the log first
      expect(seqs(await client.seqReached(6))).toEqual(range(0, 6));
      await writeLiveEvents(database.db, nowhere, staff.clinicId, 2); // the last ones: nothing reveals them
      expect(seqs(await client.seqReached(8))).toEqual(range(0, 8));
    });

    it("a client that never resumes gets the live events after hello's lastSeq", async () => {
      await write(5);
      const client = await connect();
      expect((await client.next('hello')).lastSeq).toBe(5);
      await write(4);
      expect(seqs(await client.eventCount(4))).toEqual(range(5, 9));
      expect(client.messages.some((m) => m.type === 'replay-complete')).toBe(false);
    });

    it('resumes after a forced disconnect: events written meanwhile arrive, none lost, none doubled', async () => {
      const first = await connectResumed();
      await write(10);
      await first.eventCount(10);
      first.ws.terminate();
      await first.closed;
      await write(25, staff.clinicId, { perTransaction: 5 });
      const lastSeen = first.events().at(-1)!.seq;
      const second = await connectResumed(lastSeen);
      await write(5);
      await second.seqReached(40);
      expect([...seqs(first.events()), ...seqs(second.events())]).toEqual(range(0, 40));
    });

    it('resumes across a full backend restart on the same database', async () => {
      const instance = await startTestBackend(database, LIVE_ENV);
      try {
        const client = await openLiveClient(instance.url, token);
        const hello = await client.next('hello');
        client.send({ type: 'resume', afterSeq: hello.lastSeq });
        await client.next('replay-complete');
        await writeLiveEvents(database.db, instance.bus, staff.clinicId, 8);
        await client.eventCount(8);
        await instance.close();
        expect((await client.closed).code).toBe(LiveCloseCode.serverRestart);

        // Written while no backend runs (say, by a webhook retried against the new instance).
        await writeLiveEvents(database.db, new InProcessEventBus(), staff.clinicId, 12);
        const restarted = await startTestBackend(database, LIVE_ENV);
        try {
          const resumed = await openLiveClient(restarted.url, token);
          expect((await resumed.next('hello')).lastSeq).toBe(20);
          resumed.send({ type: 'resume', afterSeq: client.events().at(-1)!.seq });
          await resumed.next('replay-complete');
          await writeLiveEvents(database.db, restarted.bus, staff.clinicId, 3);
          await resumed.seqReached(23);
          expect([...seqs(client.events()), ...seqs(resumed.events())]).toEqual(range(0, 23));
          await resumed.close();
        } finally {
          await restarted.close();
        }
      } finally {
        await instance.close();
      }
    });

    it('answers resync-required for a resume older than the retained log, then resumes from its lastSeq', async () => {
      await write(20, staff.clinicId, { perTransaction: 20 });
      // Keep the newest 5; "now" is a minute ahead so every event counts as old enough.
      const deleted = await pruneEventLog(database.db, { minAgeMs: 0, minEventsPerClinic: 5 }, new Date(Date.now() + 60_000));
      expect(deleted).toBe(15);

      const client = await connect();
      await client.next('hello');
      client.send({ type: 'resume', afterSeq: 3 });
      const resync = await client.next('resync-required');
      expect(resync.lastSeq).toBe(20);
      expect(client.events()).toHaveLength(0);
      client.send({ type: 'resume', afterSeq: resync.lastSeq });
      expect((await client.next('replay-complete')).lastSeq).toBe(20);
      await write(2);
      expect(seqs(await client.eventCount(2))).toEqual([21, 22]);

      // The oldest retained point still replays.
      const edge = await connectResumed(15);
      expect(seqs(edge.events())).toEqual(range(15, 22));
    });

    it('answers resync-required to a resume point ahead of the log (a console of another database)', async () => {
      await write(3);
      const client = await connect();
      await client.next('hello');
      client.send({ type: 'resume', afterSeq: 500 });
      expect(await client.next('resync-required')).toMatchObject({ lastSeq: 3 });
    });

    it('closes a client that breaks the protocol with 4400 after saying why', async () => {
      const client = await connect();
      await client.next('hello');
      client.send('{"type":"resume","afterSeq":-1}');
      expect(await client.next('error')).toMatchObject({ code: 'bad_message' });
      expect((await client.closed).code).toBe(LiveCloseCode.protocolError);
    });
  });

  describe('backpressure', () => {
    it('closes a consumer that stops reading with the resync code, keeps its buffer bounded, and lets it resume', async () => {
      // An instance of its own with slow heartbeats: a reader that stops also stops answering pings,
      // and this test is about the buffer bound, not the heartbeat.
      const instance = await startTestBackend(database, { ...LIVE_ENV, LIVE_HEARTBEAT_INTERVAL_MS: '15000' });
      try {
        const slow = await openLiveClient(instance.url, token);
        clients.push(slow);
        slow.send({ type: 'resume', afterSeq: (await slow.next('hello')).lastSeq });
        await slow.next('replay-complete');
        const rawSocket = (slow.ws as unknown as { _socket: Socket })._socket;
        rawSocket.pause();

        const serverSide = () => instance.liveHub.diagnostics().sockets.filter((s) => s.clinicId === staff.clinicId);
        let peak = 0;
        let written = 0;
        // Far more than the socket and kernel buffers hold, until the server gives up on this reader.
        while (written < 8_000 && serverSide().some((s) => s.mode !== 'closing')) {
          await writeLiveEvents(database.db, instance.bus, staff.clinicId, 200, { perTransaction: 200, textBytes: 4_000 });
          written += 200;
          for (const s of serverSide()) peak = Math.max(peak, s.bufferedBytes, s.peakBufferedBytes);
        }
        expect(serverSide().map((s) => s.mode)).toEqual(['closing']);
        // Bounded: the hub queued up to the limit for this socket (it was under real pressure), never past it.
        expect(peak).toBeGreaterThan(BUFFER_LIMIT / 2);
        expect(peak).toBeLessThanOrEqual(BUFFER_LIMIT);

        rawSocket.resume();
        expect((await slow.closed).code).toBe(LiveCloseCode.resync);
        await slow.until(() => (serverSide().length === 0 ? true : undefined), 10_000, 'the server to release the socket');

        const lastSeen = slow.events().at(-1)?.seq ?? 0;
        expect(seqs(slow.events())).toEqual(range(0, lastSeen));
        const resumed = await openLiveClient(instance.url, token);
        clients.push(resumed);
        await resumed.next('hello');
        resumed.send({ type: 'resume', afterSeq: lastSeen });
        await resumed.seqReached(written);
        expect([...seqs(slow.events()), ...seqs(resumed.events())]).toEqual(range(0, written));
        await resumed.close();
      } finally {
        await instance.close();
      }
    });
  });

  describe('token lifetime and session', () => {
    it('warns before the access token expires and closes with authExpired when no re-auth comes', async () => {
      const shortLived = await tokenExpiringIn(token, 2);
      const client = await connect(shortLived);
      const hello = await client.next('hello');
      const warning = await client.next('token-expiring');
      expect(warning.expiresAt).toBe(hello.tokenExpiresAt);
      const closed = await client.closed;
      expect(closed.code).toBe(LiveCloseCode.authExpired);
      expect(Date.now()).toBeGreaterThanOrEqual(new Date(hello.tokenExpiresAt).getTime());
    });

    it("keeps the connection when the client re-authenticates in time, and refuses another person's token", async () => {
      const shortLived = await tokenExpiringIn(token, 2);
      const client = await connectResumed(undefined, shortLived);
      await client.next('token-expiring');

      const colleague = await addStaff(database.db, staff.clinicId);
      client.send({ type: 'auth', accessToken: (await signIn(backend.url, colleague)).session.accessToken });
      expect(await client.next('error')).toMatchObject({ code: 'forbidden' });

      const fresh = (await signIn(backend.url, staff)).session.accessToken;
      client.send({ type: 'auth', accessToken: fresh });
      const ok = await client.next('auth-ok');
      expect(ok.tokenExpiresAt).toBe(new Date((claimsOf(fresh).exp as number) * 1000).toISOString());

      await sleep(2_500); // past the first token's expiry
      await write(2);
      expect(seqs(await client.eventCount(2))).toEqual([1, 2]);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    });

    it('ends the sockets of a session that signs out, with authRevoked', async () => {
      const { session, api } = await signIn(backend.url, staff);
      const client = await connectResumed(undefined, session.accessToken);
      const bystander = await connectResumed(); // another session of the same person stays
      expect((await api('/api/auth/logout', { method: 'POST', body: '{}' })).status).toBe(204);
      expect((await client.closed).code).toBe(LiveCloseCode.authRevoked);
      await write(1);
      expect(seqs(await bystander.eventCount(1))).toEqual([1]);
    });
  });

  describe('heartbeat', () => {
    it('pings every interval and terminates a peer that stops answering', async () => {
      const healthy = await connectResumed();
      let pings = 0;
      healthy.ws.on('ping', () => pings++);
      const silent = await connect(token, { autoPong: false });
      await silent.next('hello');

      const closed = await silent.closed;
      expect(closed.code).toBe(1006); // terminated: no close handshake with a dead peer
      await healthy.until(
        () => (backend.liveHub.diagnostics().sockets.length === 1 ? true : undefined),
        5_000,
        'the dead socket to be dropped',
      );
      expect(pings).toBeGreaterThanOrEqual(1);
      expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
    });
  });

  it('publishes ws_connections for the live socket', async () => {
    await connectResumed();
    await connectResumed();
    const metrics = await (await fetch(`${backend.url}/metrics`)).text();
    expect(metrics).toMatch(/ws_connections\{socket="live-calls"\} 2/);
  });
});
