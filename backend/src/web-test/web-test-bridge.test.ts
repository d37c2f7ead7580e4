import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_SUBPROTOCOL_PREFIX, LIVE_PROTOCOL, WebTestDiagnosticsSchema, type LiveEvent } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { openLiveClient } from '../../test/support/live-client.js';
import {
  openWebTestClient,
  refusedWebTestUpgrade,
  rmsOfFrames,
  silentFrames,
  toneFrames,
  type WebTestClient,
} from '../../test/support/web-test-client.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';

/** A caller turn: 1.2 s of a 440 Hz tone (RMS 4000/√2), then the pause that ends a turn. */
const TURN = [...toneFrames(60, 4000), ...silentFrames(50)];
const TONE_RMS = 4000 / Math.SQRT2;

describe.each(databaseKinds())('web test bridge on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: SignedIn;
  const clients: WebTestClient[] = [];

  const open = async (who: SignedIn = staff) => {
    const client = await openWebTestClient(backend.url, who.session.accessToken);
    clients.push(client);
    return client;
  };
  const voiceStats = async (providerCallId: string) =>
    (await (await sandboxControl(backend)(`/voice-calls/${providerCallId}`)).json()) as {
      status: string;
      endedReason: string | null;
      framesReceived: number;
      soundFrames: number;
      soundRms: number;
      callerTurns: number;
      assistantTurns: number;
    };
  const providerCallIdOf = async (callId: string) => {
    const row = await database.db.selectFrom('calls').select('provider_call_id').where('id', '=', callId).executeTakeFirstOrThrow();
    expect(row.provider_call_id).toEqual(expect.any(String));
    return row.provider_call_id!;
  };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await eventually(async () => expect(backend.webTest.sessionCount).toBe(0));
    await database.reset();
    staff = await signIn(backend.url, await createClinicWithStaff(database.db));
  });

  it('bridges a test call: the assistant hears the microphone at its level, answers with audio, and both transcripts arrive', async () => {
    const live = await openLiveClient(backend.url, staff.session.accessToken);
    const client = await open();
    client.send({ type: 'start' });
    const ready = await client.next('ready');
    expect(ready.maxSeconds).toBe(600);
    expect(client.messages.map((m) => m.type).slice(0, 3)).toEqual(['status', 'ready', 'status']);

    // The assistant greets first: its voice arrives as 20 ms PCM16 frames, and its words as transcript.
    await client.next('transcript', (m) => m.speaker === 'assistant' && m.transcriptType === 'final');
    expect([...client.frameSizes]).toEqual([640]);
    expect(rmsOfFrames(client.audio)).toBeGreaterThan(300);

    await client.speak(TURN);
    const heard = await client.next('transcript', (m) => m.speaker === 'caller' && m.transcriptType === 'final');
    expect(heard.text).toMatch(/^\[speech, 1\.\d s\]$/);
    const providerCallId = await providerCallIdOf(ready.callId);
    const stats = await voiceStats(providerCallId);
    expect(stats.framesReceived).toBe(TURN.length);
    expect(stats.soundFrames).toBe(60);
    expect(Math.abs(stats.soundRms - TONE_RMS) / TONE_RMS).toBeLessThan(0.01);
    // …and the assistant answers the turn.
    await client.next('transcript', (m) => m.speaker === 'assistant' && /heard you/.test(m.text), 20_000);

    client.send({ type: 'end' });
    expect(await client.next('ended')).toEqual({ type: 'ended', reason: 'ended-by-user', message: null });
    expect((await client.closed).code).toBe(1000);
    await eventually(async () => expect((await voiceStats(providerCallId)).endedReason).toBe('customer-ended-call'));

    // The test call is one of the clinic's calls, and every console saw it live.
    const detail = await eventually(async () => {
      const body = await json(await staff.api(`/api/calls/${ready.callId}`));
      expect(body.status).toBe('ended');
      expect(body.transcript.length).toBeGreaterThanOrEqual(2);
      return body;
    });
    expect(detail).toMatchObject({ direction: 'web', isTest: true, callerNumber: null });
    expect(detail.transcript.map((t: { speaker: string }) => t.speaker)).toEqual(expect.arrayContaining(['assistant', 'caller']));
    const events = await live.until(() => {
      const mine = live.events().filter((e: LiveEvent) => 'callId' in e.data && e.data.callId === ready.callId);
      return mine.some((e) => e.kind === 'call.transcript' && e.data.speaker === 'caller') ? mine : undefined;
    });
    expect(events.some((e) => e.kind === 'call.transcript' && e.data.speaker === 'assistant')).toBe(true);
    await live.close();
  }, 60_000);

  it('hangs up the voice platform call when the desktop disconnects', async () => {
    const client = await open();
    client.send({ type: 'start' });
    const ready = await client.next('ready');
    client.ws.terminate();
    const providerCallId = await providerCallIdOf(ready.callId);
    await eventually(async () => expect((await voiceStats(providerCallId)).endedReason).toBe('customer-ended-call'));
    await eventually(async () => expect(backend.webTest.diagnostics(staff.session.user.clinicId).activeSessions).toBe(0));
  });

  it('sends silence to the assistant while muted', async () => {
    const client = await open();
    client.send({ type: 'start' });
    const ready = await client.next('ready');
    client.send({ type: 'mute', muted: true });
    await client.speak(TURN);
    const stats = await eventually(async () => {
      const s = await voiceStats(await providerCallIdOf(ready.callId));
      expect(s.framesReceived).toBe(TURN.length);
      return s;
    });
    expect(stats.soundFrames).toBe(0);
    expect(stats.callerTurns).toBe(0);
  });

  it('keeps one web test per user: a second one ends the first with a reason', async () => {
    const first = await open();
    first.send({ type: 'start' });
    await first.next('ready');
    const second = await open();
    second.send({ type: 'start' });
    expect(await first.next('ended')).toEqual({
      type: 'ended',
      reason: 'replaced-by-new-session',
      message: 'You started another web test, so this one ended.',
    });
    await second.next('ready');
    expect(backend.webTest.diagnostics(staff.session.user.clinicId).sessions).toHaveLength(1);

    // A colleague at the same clinic has a test of their own.
    const colleague = await signIn(backend.url, await addStaff(database.db, staff.session.user.clinicId));
    const theirs = await open(colleague);
    theirs.send({ type: 'start' });
    await theirs.next('ready');
    expect(second.messages.some((m) => m.type === 'ended')).toBe(false);
  });

  it('reports readiness, the audio format and only its own clinic’s sessions, counted and listed', async () => {
    const client = await open();
    client.send({ type: 'start' });
    const ready = await client.next('ready');
    const other = await signIn(backend.url, await createClinicWithStaff(database.db));

    const mine = WebTestDiagnosticsSchema.parse(await json(await staff.api('/api/web-test/diagnostics')));
    expect(mine).toMatchObject({
      ready: true,
      reason: null,
      mode: 'sandbox',
      maxSessionSeconds: 600,
      activeSessions: 1,
      audioFormat: { encoding: 'pcm_s16le', container: 'raw', sampleRate: 16000, channels: 1, frameMs: 20, frameBytes: 640 },
    });
    expect(mine.sessions).toEqual([{ id: ready.sessionId, startedAt: expect.any(String), userId: staff.session.user.id }]);
    // Another clinic learns nothing of ours: not our sessions, and not how many there are.
    const theirs = WebTestDiagnosticsSchema.parse(await json(await other.api('/api/web-test/diagnostics')));
    expect(theirs.activeSessions).toBe(0);
    expect(theirs.sessions).toEqual([]);
    expect(backend.webTest.sessionCount).toBe(1);
    expect((await fetch(`${backend.url}/api/web-test/diagnostics`)).status).toBe(401);
  });

  it('authenticates like the live socket: no token, a bad token, a token in the URL and a foreign origin are refused', async () => {
    const token = staff.session.accessToken;
    expect(await refusedWebTestUpgrade(backend.url, [LIVE_PROTOCOL])).toBe(401);
    expect(await refusedWebTestUpgrade(backend.url, [LIVE_PROTOCOL, `${AUTH_SUBPROTOCOL_PREFIX}not-a-token`])).toBe(401);
    expect(await refusedWebTestUpgrade(backend.url, [LIVE_PROTOCOL], { query: `?access_token=${token}` })).toBe(401);
    expect(
      await refusedWebTestUpgrade(backend.url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token], {
        headers: { origin: 'https://evil.example' },
      }),
    ).toBe(403);
    expect(await refusedWebTestUpgrade(backend.url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token])).toBe(101);
  });

  it('answers a malformed frame or message with a protocol error and closes', async () => {
    const client = await open();
    client.send({ type: 'start' });
    await client.next('ready');
    client.ws.send(new Uint8Array(100), { binary: true });
    expect(await client.next('error')).toMatchObject({ code: 'bad_message' });
    expect((await client.closed).code).toBe(4400);

    const other = await open();
    other.send('{"type":"dance"}');
    expect((await other.closed).code).toBe(4400);
  });

  it('tells the user when the voice platform refuses the call, and stores nothing', async () => {
    const client = await open();
    // Prime the assistant, then make the platform forget it: the next call is refused.
    client.send({ type: 'start' });
    await client.next('ready');
    await client.close();
    backend.sandbox!.state.assistants.clear();
    const callsBefore = (await database.db.selectFrom('calls').select('id').execute()).length;

    const refused = await open();
    refused.send({ type: 'start' });
    const ended = await refused.next('ended');
    expect(ended.reason).toBe('provider-refused');
    expect(ended.message).toMatch(/voice platform refused the call: assistantId must reference an existing assistant/);
    expect((await database.db.selectFrom('calls').select('id').execute()).length).toBe(callsBefore);
  });
});

describe('web test time limit and shutdown', () => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: SignedIn;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database, { WEB_TEST_MAX_SESSION_SECONDS: '5', WEB_TEST_STARTS_PER_MINUTE: '2' });
    staff = await signIn(backend.url, await createClinicWithStaff(database.db));
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  it('ends a test at the time limit and says so', async () => {
    const client = await openWebTestClient(backend.url, staff.session.accessToken);
    client.send({ type: 'start' });
    expect((await client.next('ready')).maxSeconds).toBe(5);
    const ended = await client.next('ended', () => true, 10_000);
    expect(ended).toEqual({
      type: 'ended',
      reason: 'time-limit',
      message: 'Web tests last at most 5 seconds. Start a new one to keep talking.',
    });
    expect((await client.closed).code).toBe(1000);
  });

  it('refuses a web test past the per-minute limit, without calling the voice platform', async () => {
    const someone = await signIn(backend.url, await addStaff(database.db, staff.session.user.clinicId));
    for (let i = 0; i < 2; i++) {
      const allowed = await openWebTestClient(backend.url, someone.session.accessToken);
      allowed.send({ type: 'start' });
      await allowed.next('ready');
      await allowed.close();
    }
    const callsBefore = backend.sandbox!.state.calls.size;
    const refused = await openWebTestClient(backend.url, someone.session.accessToken);
    refused.send({ type: 'start' });
    expect(await refused.next('ended')).toEqual({
      type: 'ended',
      reason: 'rate-limited',
      message: 'You can start 2 web tests a minute. Wait a moment and try again.',
    });
    expect(backend.sandbox!.state.calls.size).toBe(callsBefore);
  });

  it('ends running tests with a message when the server shuts down', async () => {
    const client = await openWebTestClient(backend.url, staff.session.accessToken);
    client.send({ type: 'start' });
    await client.next('ready');
    await backend.close();
    expect(await client.next('ended')).toMatchObject({ reason: 'server-shutdown', message: expect.stringMatching(/restarting/) });
  });
});
