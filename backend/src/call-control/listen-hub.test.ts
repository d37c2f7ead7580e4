// Listening in on a live call, against the real backend in sandbox mode: a ticket from
// `POST /api/calls/:id/listen`, the `/ws/listen` socket over real WebSockets, the sandbox's listen
// stream (stereo PCM of the call's voices) opened once per call and fanned out as 20 ms mono frames.
// And every way it ends: the call ends, the session is revoked, the ticket is used twice.
import { WebSocket } from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AUTH_SUBPROTOCOL_PREFIX,
  LISTEN_AUDIO,
  LISTEN_SOCKET_PATH,
  LIVE_PROTOCOL,
  ListenServerMessageSchema,
  ListenTicketResponseSchema,
  type ListenServerMessage,
} from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { sandboxControl as keyedControl } from '../../test/support/sandbox-control.js';

class ListenClient {
  readonly messages: ListenServerMessage[] = [];
  readonly frames: Int16Array[] = [];
  readonly frameSizes = new Set<number>();
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Everything received, as text, to check no URL ever arrives. */
  readonly raw: string[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      if (isBinary) {
        this.frameSizes.add(bytes.byteLength);
        this.frames.push(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
      } else {
        this.raw.push(bytes.toString('utf8'));
        this.messages.push(ListenServerMessageSchema.parse(JSON.parse(bytes.toString('utf8'))));
      }
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  get loudest(): number {
    let peak = 0;
    for (const frame of this.frames) for (const s of frame) peak = Math.max(peak, Math.abs(s));
    return peak;
  }

  ended(): ListenServerMessage | undefined {
    return this.messages.find((m) => m.type === 'ended');
  }
}

async function openListen(baseUrl: string, accessToken: string, ticket: string): Promise<ListenClient> {
  const url = new URL(LISTEN_SOCKET_PATH, baseUrl);
  url.protocol = 'ws:';
  const ws = new WebSocket(url, [LIVE_PROTOCOL, `${AUTH_SUBPROTOCOL_PREFIX}${accessToken}`]);
  const client = new ListenClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'listen', ticket }));
  return client;
}

describe.each(databaseKinds())('listening in on a live call on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(
      database,
      { SANDBOX_TIME_SCALE: '100', LOG_LEVEL: 'debug', LIVE_SESSION_RECHECK_MS: '200' },
      { write: (line: string) => logLines.push(line) },
    );
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    for (const call of backend.sandbox!.state.calls.values()) {
      if (call.status !== 'ended' && call.monitor?.controlUrl)
        await backend.telephony.control.endCall(call.monitor.controlUrl).catch(() => undefined);
    }
    await backend.sandbox!.idle();
    await database.reset();
  });

  async function sandboxControl(method: string, path: string, body?: unknown) {
    const res = await keyedControl(backend)(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status).toBeLessThan(300);
    return json(res);
  }

  async function clinicWithHoldingCall() {
    const staff = await createClinicWithStaff(database.db, { role: 'admin' });
    const admin = await signIn(backend.url, staff);
    const account = await sandboxControl('POST', '/twilio-accounts', {});
    const line = account.numbers[0] as string;
    const connected = await admin.api('/api/phone-numbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber: line, twilioAccountSid: account.accountSid, twilioAuthToken: account.authToken }),
    });
    expect(connected.status).toBe(201);
    const desk = await signIn(backend.url, await addStaff(database.db, staff.clinicId, 'front_desk'));
    const placed = await sandboxControl('POST', '/inbound-calls', { to: line, script: 'waits-on-hold' });
    const providerCallId = placed.callId as string;
    const id = await eventually(async () => {
      const row = await database.db
        .selectFrom('calls')
        .select(['id', 'status'])
        .where('provider_call_id', '=', providerCallId)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('in-progress');
      const monitors = await database.db
        .selectFrom('call_monitors')
        .select('listen_url')
        .where('call_id', '=', row.id)
        .executeTakeFirstOrThrow();
      expect(monitors.listen_url).toBeTruthy();
      return row.id;
    });
    return { admin, desk, id, providerCallId, clinicId: staff.clinicId };
  }

  async function ticketFor(who: SignedIn, callId: string) {
    const res = await who.api(`/api/calls/${callId}/listen`, { method: 'POST' });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    expect(text).not.toContain('/call-listen/');
    return ListenTicketResponseSchema.parse(JSON.parse(text));
  }

  it('streams the call’s voices to several listeners from one platform stream, until the call ends', async () => {
    const { admin, desk, id } = await clinicWithHoldingCall();
    const first = await ticketFor(desk, id);
    expect(first.action).toMatchObject({ action: 'listen', callId: id });
    const listener = await openListen(backend.url, desk.session.accessToken, first.ticket);
    const second = await openListen(backend.url, admin.session.accessToken, (await ticketFor(admin, id)).ticket);
    await eventually(async () => {
      expect(listener.messages[0]).toEqual({ type: 'listening', callId: id });
      expect(second.messages[0]).toEqual({ type: 'listening', callId: id });
    });
    expect(backend.listenHub.upstreamCount).toBe(1);
    expect(backend.listenHub.listenerCount).toBe(2);

    // The assistant speaks: both hear it.
    expect(
      (await desk.api(`/api/calls/${id}/say`, { method: 'POST', body: JSON.stringify({ text: 'Thank you for holding, not long now.' }) }))
        .status,
    ).toBe(200);
    await eventually(async () => {
      expect(listener.loudest).toBeGreaterThan(500);
      expect(second.loudest).toBeGreaterThan(500);
    });
    expect([...listener.frameSizes]).toEqual([LISTEN_AUDIO.frameBytes]);

    // "Sam is listening": both listens are on the call's timeline.
    const actions = await database.db.selectFrom('call_actions').select('action').where('call_id', '=', id).execute();
    expect(actions.filter((a) => a.action === 'listen')).toHaveLength(2);

    expect((await desk.api(`/api/calls/${id}/end`, { method: 'POST' })).status).toBe(200);
    await Promise.all([listener.closed, second.closed]);
    expect(listener.ended()).toMatchObject({ type: 'ended', reason: 'call-ended' });
    expect(backend.listenHub.upstreamCount).toBe(0);

    // The platform's listen URL reached no console, response or log line.
    for (const text of [...listener.raw, ...second.raw, ...logLines]) expect(text).not.toContain('/call-listen/');
  });

  it('ends both uses of a ticket presented twice, and refuses another staff member’s or an unknown ticket', async () => {
    const { admin, desk, id } = await clinicWithHoldingCall();
    const { ticket } = await ticketFor(desk, id);
    const listener = await openListen(backend.url, desk.session.accessToken, ticket);
    await eventually(async () => expect(listener.messages[0]?.type).toBe('listening'));
    const again = await openListen(backend.url, desk.session.accessToken, ticket);
    await Promise.all([listener.closed, again.closed]);
    expect(listener.ended()).toMatchObject({ reason: 'ticket-reused' });
    expect(again.ended()).toMatchObject({ reason: 'ticket-reused' });

    const deskTicket = await ticketFor(desk, id);
    const thief = await openListen(backend.url, admin.session.accessToken, deskTicket.ticket);
    await thief.closed;
    expect(thief.ended()).toMatchObject({ reason: 'ticket-invalid' });

    const made = await openListen(backend.url, desk.session.accessToken, 'x'.repeat(43));
    await made.closed;
    expect(made.ended()).toMatchObject({ reason: 'ticket-invalid' });
  });

  it('closes when the listener’s session is revoked', async () => {
    const { desk, id } = await clinicWithHoldingCall();
    const listener = await openListen(backend.url, desk.session.accessToken, (await ticketFor(desk, id)).ticket);
    await eventually(async () => expect(listener.messages[0]?.type).toBe('listening'));
    const out = await desk.api('/api/auth/logout', { method: 'POST', body: JSON.stringify({ refreshToken: desk.session.refreshToken }) });
    expect(out.status).toBe(204);
    await listener.closed;
    expect(listener.ended()).toMatchObject({ reason: 'session-ended' });
  });

  it('refuses another clinic’s call, a finished call and a request without CSRF', async () => {
    const { desk, id } = await clinicWithHoldingCall();
    const stranger = await signIn(backend.url, await createClinicWithStaff(database.db));
    expect((await stranger.api(`/api/calls/${id}/listen`, { method: 'POST' })).status).toBe(404);
    const noCsrf = await fetch(`${backend.url}/api/calls/${id}/listen`, {
      method: 'POST',
      headers: { authorization: `Bearer ${desk.session.accessToken}` },
    });
    expect(noCsrf.status).toBe(403);
    expect((await desk.api(`/api/calls/${id}/end`, { method: 'POST' })).status).toBe(200);
    await eventually(async () =>
      expect((await database.db.selectFrom('calls').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('ended'),
    );
    expect((await desk.api(`/api/calls/${id}/listen`, { method: 'POST' })).status).toBe(409);
    expect(await database.db.selectFrom('listen_tickets').selectAll().execute()).toEqual([]);
  });
});
