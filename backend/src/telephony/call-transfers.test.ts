// Transfers to the front desk end to end: the assistant's transferToFrontDesk tool, the transfer POSTed
// to the call's live control URL, the platform's forwarding status update and end-of-call report, the
// transfer stored on the call and shown to consoles, and every way it can fail. Against the real
// backend in sandbox mode, whose simulated calls have control URLs that obey `transfer`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maskPhoneNumber, type AgentPersonality, type CallSummary } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { endOfCallReport, postSigned, statusUpdate, type CallRef } from '../../test/support/vapi-fixtures.js';
import { callFrom, clinicWithAssistant, postToolCalls } from '../../test/support/assistant-calls.js';
import fc from 'fast-check';
import { TRANSFER_ANNOUNCEMENT } from './assistant-tools.js';
import { mergeTransfer, type TransferFact } from './call-transfers.js';
import { sandboxControl as keyedControl } from '../../test/support/sandbox-control.js';

const FRONT_DESK = '+442079460999';

describe.each(databaseKinds())('transfers to the front desk on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(
      database,
      { SANDBOX_TIME_SCALE: '100', LOG_LEVEL: 'debug' },
      { write: (line: string) => logLines.push(line) },
    );
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await backend.sandbox!.idle();
    await database.reset();
    await sandboxControl('PUT', '/transfer-outcome', { outcome: 'answered' });
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

  /** A clinic with a line in the sandbox and its assistant saved with `changes`; patients can ring it. */
  async function clinicOnTheLine(changes: Partial<AgentPersonality> = {}) {
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
      body: JSON.stringify({ personality: { ...personality, transferNumber: FRONT_DESK, ...changes } }),
    });
    expect(saved.status).toBe(200);
    return { admin, line, clinicId: staff.clinicId };
  }

  async function ring(line: string, script: string, from?: string) {
    const placed = await sandboxControl('POST', '/inbound-calls', {
      to: line,
      script,
      callerName: 'Rosalind Franklin',
      ...(from ? { from } : {}),
    });
    return placed.callId as string;
  }

  const storedCall = (providerCallId: string) =>
    database.db.selectFrom('calls').selectAll().where('provider_call_id', '=', providerCallId).executeTakeFirstOrThrow();
  const attention = async (callId: string) =>
    (await database.db.selectFrom('events').select('data').where('kind', '=', 'attention.needed').orderBy('seq').execute())
      .map((e) => e.data as { callId: string; message: string })
      .filter((d) => d.callId === callId);
  const summaries = async (callId: string) =>
    (
      await database.db
        .selectFrom('events')
        .select(['kind', 'data'])
        .where('kind', 'in', ['call.status', 'call.ended'])
        .orderBy('seq')
        .execute()
    )
      .map((e) => (e.data as { call: CallSummary }).call)
      .filter((c) => c.id === callId);

  it('puts a caller who asks for a person through, with a warm briefing, and shows it on the call', async () => {
    const { admin, line } = await clinicOnTheLine();
    const callId = await ring(line, 'asks-for-human');
    await backend.sandbox!.callFinished(callId);

    const control = backend.sandbox!.controls.describe(callId)!;
    expect(control.received).toEqual([
      expect.objectContaining({
        type: 'transfer',
        destination: FRONT_DESK,
        mode: 'warm-transfer-say-message',
        content: TRANSFER_ANNOUNCEMENT,
      }),
    ]);
    expect(control.transfers).toEqual([
      {
        destination: FRONT_DESK,
        mode: 'warm-transfer-say-message',
        briefing: 'Hello, this is the clinic’s assistant with a call for the front desk: a caller, about test results. Connecting you now.',
        status: 'completed',
      },
    ]);

    const row = await storedCall(callId);
    expect(row).toMatchObject({
      ended_reason: 'assistant-forwarded-call',
      outcome: 'transferred',
      needs_attention: true,
      transfer_destination: FRONT_DESK,
      transfer_status: 'connected',
      transfer_failure: null,
    });
    const detail = await json(await admin.api(`/api/calls/${row.id}`));
    expect(detail.transfer).toEqual({ destination: FRONT_DESK, at: expect.any(String), status: 'connected', failure: null });
    expect(detail.timeline.map((t: { status: string }) => t.status)).toEqual(['ringing', 'in-progress', 'forwarding', 'ended']);
    // The caller heard the announcement, not the take-a-message fallback.
    const said = detail.transcript.map((s: { text: string }) => s.text).join(' ');
    expect(said).toContain(TRANSFER_ANNOUNCEMENT);
    expect(said).not.toMatch(/take a message/);
    const listed = await json(await admin.api('/api/calls?limit=5'));
    expect(listed.items[0].transfer).toMatchObject({ status: 'connected', destination: FRONT_DESK });

    // Consoles followed it live: requested, forwarding, connected.
    const statuses = (await summaries(row.id)).map((c) => c.transfer?.status ?? null);
    expect(statuses.filter((s, i) => s !== statuses[i - 1])).toEqual([null, 'requested', 'forwarding', 'connected']);
    const [raised] = await attention(row.id);
    expect(raised!.message).toBe(`Transfer requested: test results. Putting them through to ${maskPhoneNumber(FRONT_DESK)}.`);
  });

  it('briefs with a summary, or not at all, as the clinic chooses', async () => {
    const summary = await clinicOnTheLine({ warmTransfer: { enabled: true, briefing: 'summary', message: 'unused' } });
    const first = await ring(summary.line, 'asks-for-human');
    await backend.sandbox!.callFinished(first);
    expect(backend.sandbox!.controls.describe(first)!.transfers[0]).toMatchObject({
      mode: 'warm-transfer-say-summary',
      briefing: expect.stringContaining('test results'),
    });

    const blind = await clinicOnTheLine({ warmTransfer: { enabled: false, briefing: 'message', message: 'unused' } });
    const second = await ring(blind.line, 'asks-for-human');
    await backend.sandbox!.callFinished(second);
    expect(backend.sandbox!.controls.describe(second)!.transfers[0]).toMatchObject({ mode: 'blind-transfer', briefing: null });
    expect((await storedCall(second)).transfer_status).toBe('connected');
  });

  it('without a transfer number the assistant takes a message, and the attention item says so', async () => {
    const { line } = await clinicOnTheLine({ transferNumber: null });
    const callId = await ring(line, 'asks-for-human');
    await backend.sandbox!.callFinished(callId);
    expect(backend.sandbox!.controls.describe(callId)!.received).toEqual([]);
    const row = await storedCall(callId);
    expect(row).toMatchObject({
      transfer_status: 'failed',
      transfer_failure: 'no_number',
      transfer_destination: null,
      needs_attention: true,
    });
    expect(row.summary).toMatch(/took a message/);
    const [raised] = await attention(row.id);
    expect(raised!.message).toBe(
      'Transfer requested (test results), but no front-desk number is set: the assistant is taking a message. Call the patient back.',
    );
  });

  it('when nobody answers at the front desk, the call says so and asks for a call back', async () => {
    const { line } = await clinicOnTheLine();
    await sandboxControl('PUT', '/transfer-outcome', { outcome: 'no-answer' });
    const callId = await ring(line, 'asks-for-human');
    await backend.sandbox!.callFinished(callId);
    const row = await storedCall(callId);
    expect(row).toMatchObject({ ended_reason: 'call.forwarding.no-answer', transfer_status: 'failed', transfer_failure: 'no_answer' });
    const raised = await attention(row.id);
    expect(raised.map((a) => a.message)).toEqual([
      expect.stringMatching(/^Transfer requested/),
      `The transfer to the front desk (${maskPhoneNumber(FRONT_DESK)}) did not connect: nobody answered. Call the patient back.`,
    ]);
  });

  describe('through signed webhooks', () => {
    let clinic: Awaited<ReturnType<typeof clinicWithAssistant>>;
    beforeEach(async () => {
      clinic = await clinicWithAssistant(database.db, { transferNumber: FRONT_DESK });
    });
    const transfer = (ref: CallRef, id: string, controlUrl?: string) =>
      postToolCalls(
        backend,
        ref,
        [{ id, name: 'transferToFrontDesk', arguments: { reason: 'billing question' } }],
        controlUrl ? { controlUrl } : {},
      ).then((a) => a[0]!);

    it('without a control URL from the platform, the assistant takes a message', async () => {
      const ref = callFrom(clinic, '+441614960111');
      const answer = await transfer(ref, 'no-url');
      expect(answer.error).toMatch(/can’t put the caller through.*take a message/);
      expect(await storedCall(ref.id)).toMatchObject({
        transfer_status: 'failed',
        transfer_failure: 'no_control',
        transfer_destination: FRONT_DESK,
      });
      const [raised] = await attention((await storedCall(ref.id)).id);
      expect(raised!.message).toMatch(/offered no way to put the call through: the assistant is taking a message/);
    });

    it('attacker: a control URL that is not the platform’s is never called', async () => {
      const hits: string[] = [];
      const trap = http.createServer((req, res) => {
        hits.push(req.url ?? '');
        res.end('{}');
      });
      await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
      try {
        const port = (trap.address() as AddressInfo).port;
        for (const url of [`http://127.0.0.1:${port}/steal/control`, 'https://vapi.ai.attacker.example/x/control', 'file:///etc/passwd']) {
          const ref = callFrom(clinic, '+441614960112');
          const answer = await transfer(ref, `trap-${randomUUID()}`, url);
          expect(answer.error).toMatch(/take a message/);
          expect((await storedCall(ref.id)).transfer_failure).toBe('no_control');
        }
        expect(hits).toEqual([]);
      } finally {
        await new Promise<void>((resolve) => trap.close(() => resolve()));
      }
    });

    it('when the platform refuses the transfer, the assistant takes a message and a second alert says so', async () => {
      const ref = callFrom(clinic, '+441614960113');
      // The sandbox's control endpoint with a token it never issued answers 404.
      const refusing = `${backend.sandbox!.url}/call-control/${ref.id}/${'0'.repeat(48)}/control`;
      const answer = await transfer(ref, 'refused', refusing);
      expect(answer.error).toMatch(/take a message/);
      const row = await storedCall(ref.id);
      expect(row).toMatchObject({ transfer_status: 'failed', transfer_failure: 'refused' });
      expect((await attention(row.id)).map((a) => a.message)).toEqual([
        `Transfer requested: billing question. Putting them through to ${maskPhoneNumber(FRONT_DESK)}.`,
        `The transfer to the front desk (${maskPhoneNumber(FRONT_DESK)}) could not be started: the assistant is taking a message. Call the patient back.`,
      ]);
      // Asked again on the same call, it does not try again and says the same.
      expect((await transfer(ref, 'again', refusing)).error).toMatch(/take a message/);
    });

    it('a repeated transfer request on a live call dials the front desk once', async () => {
      const { line } = await clinicOnTheLine();
      const callId = await ring(line, 'waits-on-hold');
      const call = await eventually(async () => {
        const live = backend.sandbox!.state.calls.get(callId)!;
        expect(live.monitor?.controlUrl).toBeTruthy();
        return live;
      });
      const ref: CallRef = { id: callId, assistantId: call.assistantId!, customerNumber: call.customer!.number };
      const first = await transfer(ref, 'x-1', call.monitor!.controlUrl);
      expect(first).toMatchObject({ transferring: true });
      const second = await transfer(ref, 'x-2', call.monitor!.controlUrl);
      expect(second).toMatchObject({ transferring: true, message: expect.stringMatching(/already being put through/) });
      await backend.sandbox!.callFinished(callId);
      expect(backend.sandbox!.controls.describe(callId)!.received.filter((r) => r.type === 'transfer')).toHaveLength(1);
      expect(await storedCall(callId)).toMatchObject({ transfer_status: 'connected', ended_reason: 'assistant-forwarded-call' });
    });

    it('records a transfer the platform reports, the same whatever order its webhooks arrive in', async () => {
      const T0 = Date.parse('2030-01-07T10:00:00Z');
      const bodies = (ref: CallRef) => {
        const forwarding = statusUpdate(ref, 'forwarding', T0 + 20_000);
        Object.assign(forwarding.message, { destination: { type: 'number', number: FRONT_DESK } });
        const report = endOfCallReport(
          ref,
          {
            startedAt: new Date(T0).toISOString(),
            endedAt: new Date(T0 + 40_000).toISOString(),
            endedReason: 'assistant-forwarded-call',
            summary: 'Put through to the front desk.',
            turns: [{ role: 'user', message: 'A person, please.', time: T0 + 5_000, secondsFromStart: 5 }],
          },
          T0 + 41_000,
        );
        Object.assign(report.message, { destination: { type: 'number', number: FRONT_DESK } });
        Object.assign(report.message.artifact, {
          transfers: [{ destination: { type: 'number', number: FRONT_DESK }, status: 'no-answer' }],
        });
        return [
          statusUpdate(ref, 'in-progress', T0),
          forwarding,
          statusUpdate(ref, 'ended', T0 + 40_000, 'assistant-forwarded-call'),
          report,
        ];
      };
      const orders = [
        [0, 1, 2, 3],
        [3, 2, 1, 0],
        [1, 3, 0, 2],
        [2, 0, 3, 1],
      ];
      const results = [];
      for (const order of orders) {
        const ref = callFrom(clinic, '+441614960114');
        const list = bodies(ref);
        for (const i of order) expect((await postSigned(backend.url, backend.telephony.webhookAuth.secret, list[i])).status).toBe(200);
        const row = await storedCall(ref.id);
        results.push({
          destination: row.transfer_destination,
          at: row.transfer_at?.toISOString(),
          status: row.transfer_status,
          failure: row.transfer_failure,
          attention: (await attention(row.id)).length,
        });
      }
      // The report's transfer result (nobody answered) settles it, however the messages were ordered.
      expect(results).toEqual(
        orders.map(() => ({
          destination: FRONT_DESK,
          at: new Date(T0 + 20_000).toISOString(),
          status: 'failed',
          failure: 'no_answer',
          attention: 1,
        })),
      );
    });
  });

  it('never logs the control URL, stores it, or sends it to a console', async () => {
    const { line } = await clinicOnTheLine();
    const callId = await ring(line, 'asks-for-human');
    await backend.sandbox!.callFinished(callId);
    const controlUrl = backend.sandbox!.state.calls.get(callId)!.monitor!.controlUrl!;
    const token = controlUrl.split('/').at(-2)!;
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(token))).toEqual([]);
    const events = await database.db.selectFrom('events').select('data').execute();
    expect(events.filter((e) => JSON.stringify(e.data).includes(token))).toEqual([]);
    const row = await storedCall(callId);
    expect(JSON.stringify(row)).not.toContain(token);
  });
});

describe('merging what is known of a transfer', () => {
  const empty = { transfer_status: null, transfer_failure: null, transfer_destination: null, transfer_at: null };
  const fact = fc.record({
    status: fc.constantFrom('requested', 'forwarding', 'connected', 'failed'),
    failure: fc.constantFrom(null, 'no_number', 'no_control', 'refused', 'no_answer', 'busy', 'caller_hung_up', 'failed'),
    destination: fc.constantFrom(null, FRONT_DESK),
    at: fc.date({ min: new Date('2030-01-07T10:00:00Z'), max: new Date('2030-01-07T11:00:00Z'), noInvalidDate: true }),
  }) as fc.Arbitrary<TransferFact>;
  const apply = (facts: TransferFact[]) =>
    facts.reduce((row, f) => ({ ...row, ...mergeTransfer(row, f) }), { ...empty } as Parameters<typeof mergeTransfer>[0]);

  it('ends the same whatever order the platform’s facts arrive in', () => {
    // The assistant's own facts (asked for, or failed before the platform said anything) come first in
    // a call's life; the platform's can arrive in any order after them.
    const platform = fact.filter(
      (f) => f.status !== 'requested' && !(f.status === 'failed' && ['no_number', 'no_control', 'refused'].includes(f.failure ?? '')),
    );
    fc.assert(
      fc.property(fc.array(platform, { maxLength: 5 }), fc.infiniteStream(fc.nat()), (facts, seeds) => {
        const shuffled = [...facts];
        const it = seeds[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = it.next().value! % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        // One destination per call (the clinic's number), so "first one known" is order-proof too.
        expect(apply(shuffled)).toEqual(apply(facts));
      }),
      { numRuns: 500 },
    );
  });

  it('lets the platform’s word outrank the backend’s own failure, and never moves a settled transfer back', () => {
    const at = new Date('2030-01-07T10:00:00Z');
    const refused = apply([{ status: 'failed', failure: 'refused', destination: FRONT_DESK, at }]);
    expect(mergeTransfer(refused, { status: 'forwarding', failure: null, destination: FRONT_DESK, at })).toMatchObject({
      transfer_status: 'forwarding',
      transfer_failure: null,
    });
    const connected = apply([{ status: 'connected', failure: null, destination: FRONT_DESK, at }]);
    expect(mergeTransfer(connected, { status: 'forwarding', failure: null, destination: FRONT_DESK, at })).toBeUndefined();
    expect(mergeTransfer(connected, { status: 'failed', failure: 'busy', destination: null, at })).toMatchObject({
      transfer_status: 'failed',
      transfer_failure: 'busy',
    });
  });
});
