// The sandbox's live control URLs: what the backend's CallControl (and, next, "take the call") will
// drive. A simulated patient holds (`waits-on-hold`) until the control URL receives something, so
// every step here waits for an effect, never for time.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../test/support/test-backend.js';
import { createClinicWithStaff, signIn } from '../test/support/fixtures.js';
import { json } from '../test/support/http.js';
import { eventually } from '../test/support/eventually.js';
import type { CallControl } from '../src/telephony/call-control.js';
import { sandboxControl } from '../test/support/sandbox-control.js';

describe('live control URLs of simulated calls', () => {
  let database: TestDatabase;
  let backend: TestBackend;
  let line: string;
  let control: CallControl;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database, { SANDBOX_TIME_SCALE: '50' });
    const admin = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
    const account = await json(
      await sandboxControl(backend)(`/twilio-accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    line = account.numbers[0];
    const connected = await admin.api('/api/phone-numbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumber: line, twilioAccountSid: account.accountSid, twilioAuthToken: account.authToken }),
    });
    expect(connected.status).toBe(201);
    control = backend.telephony.control;
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await backend.sandbox!.idle();
  });

  /** A patient who rings and holds; answers the call once its control URL exists. */
  async function holdingCall() {
    const { callId } = await json(
      await sandboxControl(backend)(`/inbound-calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: line, script: 'waits-on-hold' }),
      }),
    );
    const call = await eventually(async () => {
      const live = backend.sandbox!.state.calls.get(callId as string)!;
      expect(live.monitor?.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/call-control\/[\w-]+\/[0-9a-f]{48}\/control$/);
      return live;
    });
    return { callId: callId as string, controlUrl: call.monitor!.controlUrl! };
  }
  const transcriptOf = async (providerCallId: string) => {
    const row = await database.db.selectFrom('calls').select('id').where('provider_call_id', '=', providerCallId).executeTakeFirstOrThrow();
    const segments = await database.db
      .selectFrom('transcript_segments')
      .select(['speaker', 'text'])
      .where('call_id', '=', row.id)
      .orderBy('at')
      .execute();
    return segments;
  };

  it('says a line, acknowledges an added message in the assistant’s next line, and ends the call', async () => {
    const { callId, controlUrl } = await holdingCall();
    // Once the patient is holding, nothing happens until the control URL says so.
    await eventually(async () => {
      expect((await transcriptOf(callId)).map((l) => l.text)).toContain('Of course, please hold for a moment.');
    });
    await control.addMessage(controlUrl, { role: 'system', content: 'The front desk will call you back in ten minutes.' });
    await eventually(async () => {
      const lines = await transcriptOf(callId);
      expect(lines.map((l) => l.text)).toContain(
        'I’ve just had a note: The front desk will call you back in ten minutes. Thank you for holding.',
      );
    });
    await control.say(controlUrl, 'A member of staff will be with you shortly.');
    await eventually(async () => {
      expect((await transcriptOf(callId)).map((l) => l.text)).toContain('A member of staff will be with you shortly.');
    });
    await control.endCall(controlUrl);
    await backend.sandbox!.callFinished(callId);
    const row = await database.db.selectFrom('calls').selectAll().where('provider_call_id', '=', callId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'ended', ended_reason: 'manually-canceled' });
    expect(backend.sandbox!.controls.describe(callId)!.received.map((r) => r.type)).toEqual(['add-message', 'say', 'end-call']);
    // The call is over: its control URL no longer takes orders.
    await expect(control.say(controlUrl, 'Hello?')).rejects.toMatchObject({ kind: 'refused', status: 404 });
  });

  it('a line said with endCallAfterSpoken ends the call after it', async () => {
    const { callId, controlUrl } = await holdingCall();
    await control.say(controlUrl, 'The clinic is closing now. Goodbye.', { endCallAfterSpoken: true });
    await backend.sandbox!.callFinished(callId);
    expect(backend.sandbox!.state.calls.get(callId)!.endedReason).toBe('assistant-ended-call-after-message-spoken');
  });

  it('refuses what is not a control message, a transfer to a bad number, and an unknown token', async () => {
    const { callId, controlUrl } = await holdingCall();
    const post = (url: string, body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(controlUrl, { type: 'sing' })).status).toBe(400);
    expect((await post(controlUrl, { type: 'say' })).status).toBe(400);
    expect((await fetch(controlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' })).status).toBe(
      400,
    );
    expect((await post(controlUrl, { type: 'transfer', destination: { type: 'number', number: '+1 900 555 0100' } })).status).toBe(400);
    const forged = controlUrl.replace(/\/[0-9a-f]{48}\//, `/${'f'.repeat(48)}/`);
    expect((await post(forged, { type: 'end-call' })).status).toBe(404);
    // None of it reached the call; it still ends when told to.
    expect(backend.sandbox!.controls.describe(callId)!.received).toEqual([]);
    await control.endCall(controlUrl);
    await backend.sandbox!.callFinished(callId);
  });

  it('gives no control URL to a call whose assistant does not enable live control', async () => {
    const assistantId = backend.sandbox!.state.calls.size > 0 ? [...backend.sandbox!.state.calls.values()][0]!.assistantId! : '';
    const assistant = backend.sandbox!.state.assistants.get(assistantId)!;
    const plan = assistant.monitorPlan;
    assistant.monitorPlan = { listenEnabled: true, controlEnabled: false };
    try {
      const { callId } = await json(
        await sandboxControl(backend)(`/inbound-calls`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: line, script: 'hang-up' }),
        }),
      );
      await backend.sandbox!.callFinished(callId as string);
      expect(backend.sandbox!.state.calls.get(callId as string)!.monitor?.controlUrl).toBeUndefined();
    } finally {
      assistant.monitorPlan = plan;
    }
  });
});
