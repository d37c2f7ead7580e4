// Staff's live control of a call from the console, end to end against the real backend in sandbox
// mode: a simulated patient holds (`waits-on-hold`) while staff coach the assistant, make it say a
// line, take the call or end it, through the call's control URL. Every action is on the call's
// timeline and in the clinic's event log; every refusal (another clinic, no CSRF, a finished call,
// too many actions) changes nothing; the control URL appears in no response, event or log line.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallActionSchema, CallDetailSchema, LiveEventSchema, maskPhoneNumber } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { sandboxControl as keyedControl } from '../../test/support/sandbox-control.js';
import { TRANSFER_ANNOUNCEMENT } from '../telephony/assistant-tools.js';

const FRONT_DESK = '+442079460999';
const ACTIONS_PER_MINUTE = 20;

describe.each(databaseKinds())('live call control from the console on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  const logLines: string[] = [];
  /** Every response body the tests read, to check no monitor URL leaked into one. */
  const bodies: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(
      database,
      { SANDBOX_TIME_SCALE: '100', LOG_LEVEL: 'debug', CALL_CONTROL_ACTIONS_PER_MINUTE: String(ACTIONS_PER_MINUTE) },
      { write: (line: string) => logLines.push(line) },
    );
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    // A test that failed half-way may leave a patient holding: hang up on them.
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

  /** A clinic with a line in the sandbox, a transfer number, and a front-desk member signed in. */
  async function clinicOnTheLine() {
    const staff = await createClinicWithStaff(database.db, { role: 'admin' });
    const admin = await signIn(backend.url, staff);
    const account = await sandboxControl('POST', '/twilio-accounts', {});
    const line = account.numbers[0] as string;
    const connected = await admin.api('/api/phone-numbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber: line, twilioAccountSid: account.accountSid, twilioAuthToken: account.authToken }),
    });
    expect(connected.status).toBe(201);
    const { personality } = await json(await admin.api('/api/agent'));
    const saved = await admin.api('/api/agent', {
      method: 'PUT',
      body: JSON.stringify({ personality: { ...personality, transferNumber: FRONT_DESK } }),
    });
    expect(saved.status).toBe(200);
    const deskStaff = await addStaff(database.db, staff.clinicId, 'front_desk');
    await database.db.updateTable('staff').set({ name: 'Sam Okafor' }).where('id', '=', deskStaff.staffId).execute();
    const desk = await signIn(backend.url, deskStaff);
    return { admin, desk, line, clinicId: staff.clinicId };
  }

  /** A patient who rings and holds; resolves with our call id once the call is live and controllable. */
  async function holdingCall(line: string) {
    const placed = await sandboxControl('POST', '/inbound-calls', { to: line, script: 'waits-on-hold', callerName: 'Rosalind Franklin' });
    const providerCallId = placed.callId as string;
    const id = await eventually(async () => {
      const row = await database.db
        .selectFrom('calls')
        .select(['id', 'status'])
        .where('provider_call_id', '=', providerCallId)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('in-progress');
      await database.db.selectFrom('call_monitors').select('call_id').where('call_id', '=', row.id).executeTakeFirstOrThrow();
      // Holding: the assistant asked the caller to hold.
      const lines = await transcriptOf(row.id);
      expect(lines.join('\n')).toContain('please hold');
      return row.id;
    });
    return { id, providerCallId };
  }

  const transcriptOf = async (callId: string) =>
    (await database.db.selectFrom('transcript_segments').select('text').where('call_id', '=', callId).orderBy('at').execute()).map(
      (s) => s.text,
    );

  async function act(who: SignedIn, callId: string, action: string, body?: unknown) {
    const res = await who.api(`/api/calls/${callId}/${action}`, {
      method: 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  const storedCall = (id: string) => database.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const actionEvents = async (clinicId: string) =>
    (
      await database.db
        .selectFrom('events')
        .selectAll()
        .where('clinic_id', '=', clinicId)
        .where('kind', '=', 'call.action')
        .orderBy('seq')
        .execute()
    ).map((e) =>
      LiveEventSchema.parse({ id: e.id, clinicId: e.clinic_id, seq: Number(e.seq), at: e.at.toISOString(), kind: e.kind, data: e.data }),
    );

  it('coaches the assistant and makes it say a line; both are on the timeline and streamed to the clinic', async () => {
    const { desk, line, clinicId } = await clinicOnTheLine();
    const { id, providerCallId } = await holdingCall(line);

    const said = await act(desk, id, 'say', { text: '  The front desk will be with you in two minutes.  ' });
    expect(said.status).toBe(200);
    expect(CallActionSchema.parse(said.body)).toMatchObject({
      callId: id,
      action: 'say',
      staffName: 'Sam Okafor',
      detail: 'The front desk will be with you in two minutes.',
    });
    await eventually(async () => expect(await transcriptOf(id)).toContain('The front desk will be with you in two minutes.'));

    const coached = await act(desk, id, 'coach', { text: 'Offer Thursday instead.' });
    expect(coached.status).toBe(200);
    expect(coached.body).toMatchObject({ action: 'coach', detail: 'Offer Thursday instead.' });
    // The scripted assistant acknowledges the note in its next line; the instructions around it are not spoken.
    await eventually(async () => expect((await transcriptOf(id)).join('\n')).toContain('I’ve just had a note: Offer Thursday instead.'));
    expect((await transcriptOf(id)).join('\n')).not.toContain('do not read it out');
    const received = backend.sandbox!.controls.describe(providerCallId)!.received;
    expect(received.map((r) => r.type)).toEqual(['say', 'add-message']);

    const detail = CallDetailSchema.parse(await json(await desk.api(`/api/calls/${id}`)));
    expect(detail.timeline.filter((t) => 'action' in t)).toEqual([
      { action: 'say', staffName: 'Sam Okafor', detail: 'The front desk will be with you in two minutes.', at: expect.any(String) },
      { action: 'coach', staffName: 'Sam Okafor', detail: 'Offer Thursday instead.', at: expect.any(String) },
    ]);
    const events = await actionEvents(clinicId);
    expect(events.map((e) => (e.kind === 'call.action' ? [e.data.action.action, e.data.action.staffName] : []))).toEqual([
      ['say', 'Sam Okafor'],
      ['coach', 'Sam Okafor'],
    ]);

    const ended = await act(desk, id, 'end');
    expect(ended.status).toBe(200);
    await eventually(async () => expect(await storedCall(id)).toMatchObject({ status: 'ended', ended_reason: 'manually-canceled' }));
    // The monitor URLs are forgotten once the call ended.
    await eventually(async () => expect(await database.db.selectFrom('call_monitors').selectAll().execute()).toEqual([]));

    // The clinic's activity log has who did what to which call, never the words.
    const logged = await database.db
      .selectFrom('audit_log')
      .select(['action', 'object_id', 'details'])
      .where('clinic_id', '=', clinicId)
      .orderBy('seq')
      .execute();
    expect(logged.filter((e) => e.action.startsWith('call.') && e.action !== 'call.viewed')).toEqual([
      { action: 'call.said', object_id: id, details: null },
      { action: 'call.coached', object_id: id, details: null },
      { action: 'call.ended', object_id: id, details: null },
    ]);
  });

  it('takes the call to the front desk with a warm briefing: Transferring, then Transferred', async () => {
    const { desk, line } = await clinicOnTheLine();
    const { id, providerCallId } = await holdingCall(line);

    const taken = await act(desk, id, 'transfer', {});
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ action: 'transfer', staffName: 'Sam Okafor', detail: maskPhoneNumber(FRONT_DESK) });
    await backend.sandbox!.callFinished(providerCallId);
    const control = backend.sandbox!.controls.describe(providerCallId)!;
    expect(control.received).toEqual([
      expect.objectContaining({
        type: 'transfer',
        destination: FRONT_DESK,
        mode: 'warm-transfer-say-message',
        content: TRANSFER_ANNOUNCEMENT,
      }),
    ]);
    expect(control.transfers[0]!.briefing).toContain('Connecting you now');
    await eventually(async () =>
      expect(await storedCall(id)).toMatchObject({ status: 'ended', transfer_status: 'connected', transfer_destination: FRONT_DESK }),
    );
    const summaries = await database.db
      .selectFrom('events')
      .select('data')
      .where('kind', 'in', ['call.status', 'call.ended'])
      .orderBy('seq')
      .execute();
    const transfers = summaries
      .map((e) => (e.data as { call: { transfer: { status: string } | null } }).call.transfer?.status)
      .filter(Boolean);
    expect(transfers[0]).toBe('requested');
    expect(transfers.at(-1)).toBe('connected');
  });

  it('takes the call to the staff member’s own number when they set one in Settings', async () => {
    const { desk, line } = await clinicOnTheLine();
    const own = await desk.api(`/api/staff/${desk.session.user.id}/transfer-number`, {
      method: 'PUT',
      body: JSON.stringify({ transferNumber: '+44 20 7946 0123' }),
    });
    expect(own.status).toBe(200);
    const { id, providerCallId } = await holdingCall(line);
    const taken = await act(desk, id, 'transfer', {});
    expect(taken.body).toMatchObject({ action: 'transfer', detail: maskPhoneNumber('+442079460123') });
    // `clinic` still reaches the clinic's number; only one transfer per call, so it is refused now.
    expect((await act(desk, id, 'transfer', { to: 'clinic' })).status).toBe(409);
    await backend.sandbox!.callFinished(providerCallId);
    expect(backend.sandbox!.controls.describe(providerCallId)!.received).toEqual([
      expect.objectContaining({ type: 'transfer', destination: '+442079460123' }),
    ]);
  });

  it('refuses another clinic’s call (404), a request without CSRF (403), a finished call (409) and bad text (400)', async () => {
    const { desk, line } = await clinicOnTheLine();
    const { id, providerCallId } = await holdingCall(line);
    const stranger = await signIn(backend.url, await createClinicWithStaff(database.db));

    for (const action of ['coach', 'say', 'transfer', 'end', 'listen']) {
      const res = await act(stranger, id, action, action === 'coach' || action === 'say' ? { text: 'hello' } : undefined);
      expect(res.status, action).toBe(404);
    }
    const noCsrf = await fetch(`${backend.url}/api/calls/${id}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${desk.session.accessToken}` },
    });
    expect(noCsrf.status).toBe(403);
    for (const text of ['', '   ', 'a\u0000b', '\uD800', 'x'.repeat(501)]) {
      expect((await act(desk, id, 'coach', { text })).status, JSON.stringify(text)).toBe(400);
    }
    expect((await act(desk, id, 'say', { text: 'hi', extra: 1 })).status).toBe(400);
    expect((await act(desk, id, 'transfer', { to: 'somewhere' })).status).toBe(400);
    // "Take the call" to one's own number needs one set.
    const mine = await act(desk, id, 'transfer', { to: 'me' });
    expect(mine).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', message: expect.stringContaining('number of your own') } },
    });
    // None of it reached the call.
    expect(backend.sandbox!.controls.describe(providerCallId)!.received).toEqual([]);
    expect(await database.db.selectFrom('call_actions').selectAll().execute()).toEqual([]);

    expect((await act(desk, id, 'end')).status).toBe(200);
    await eventually(async () => expect((await storedCall(id)).status).toBe('ended'));
    const late = await act(desk, id, 'say', { text: 'Are you still there?' });
    expect(late).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', message: 'This call has ended: there is nothing left to control.' } },
    });
    expect((await act(desk, id, 'transfer', {})).status).toBe(409);
  });

  it('limits each staff member’s actions per minute, not the clinic’s', async () => {
    const { admin, desk } = await clinicOnTheLine();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const statuses: number[] = [];
    for (let i = 0; i <= ACTIONS_PER_MINUTE; i++) statuses.push((await act(desk, unknown, 'end')).status);
    expect(statuses.slice(0, ACTIONS_PER_MINUTE).every((s) => s === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect((await act(admin, unknown, 'end')).status).toBe(404);
  });

  it('never lets a monitor URL reach a response, an event or a log line', async () => {
    const { desk, line } = await clinicOnTheLine();
    const { id } = await holdingCall(line);
    expect((await act(desk, id, 'say', { text: 'One moment please.' })).status).toBe(200);
    bodies.push(await (await desk.api(`/api/calls/${id}`)).text());
    expect((await act(desk, id, 'end')).status).toBe(200);
    await eventually(async () => expect((await storedCall(id)).status).toBe('ended'));
    const events = await database.db.selectFrom('events').select('data').execute();
    for (const text of [...bodies, ...logLines, ...events.map((e) => JSON.stringify(e.data))]) {
      expect(text).not.toContain('/call-control/');
      expect(text).not.toContain('/listen/');
    }
  });
});
