import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import {
  assistantRequest,
  endOfCallReport,
  legacyEndOfCallReport,
  postSigned,
  statusUpdate,
  toolCalls,
  transcript,
  type CallRef,
} from '../../test/support/vapi-fixtures.js';
import type { LiveEvent } from '@voxanne/protocol';
import { getAgent } from '../agent/agent-service.js';
import type { Db } from '../db/database.js';

interface ClinicSetup {
  clinicId: string;
  assistantId: string;
  phoneNumberId: string;
  number: string;
}

async function clinicWithAssistant(db: Db, suffix = randomUUID().slice(0, 8)): Promise<ClinicSetup> {
  const { clinicId } = await createClinicWithStaff(db);
  await getAgent(db, clinicId);
  const assistantId = `asst-${suffix}`;
  await db
    .updateTable('agents')
    .set({ provider_assistant_id: assistantId, sync_status: 'synced' })
    .where('clinic_id', '=', clinicId)
    .execute();
  const phoneNumberId = `pn-${suffix}`;
  const number = `+44207946${String(Math.floor(Math.random() * 900) + 100)}${Math.floor(Math.random() * 10)}`.slice(0, 13);
  await db
    .insertInto('phone_numbers')
    .values({ clinic_id: clinicId, number, provider_number_id: phoneNumberId, assistant_attached: true })
    .execute();
  return { clinicId, assistantId, phoneNumberId, number };
}

/** The stored facts of a call, without ids and bookkeeping timestamps. */
async function snapshot(db: Db, providerCallId: string) {
  const call = await db.selectFrom('calls').selectAll().where('provider_call_id', '=', providerCallId).executeTakeFirst();
  if (!call) return undefined;
  const timeline = await db
    .selectFrom('call_status_changes')
    .select(['status', 'at'])
    .where('call_id', '=', call.id)
    .orderBy('at')
    .orderBy('status')
    .execute();
  const segments = await db
    .selectFrom('transcript_segments')
    .select(['speaker', 'text', 'offset_seconds', 'at'])
    .where('call_id', '=', call.id)
    .orderBy('at')
    .orderBy('dedupe_key')
    .execute();
  const bookings = await db
    .selectFrom('bookings')
    .select(['patient_name', 'patient_phone', 'starts_at', 'ends_at', 'status', 'service'])
    .where('call_id', '=', call.id)
    .execute();
  const { id: _id, clinic_id: _clinic, created_at: _c, updated_at: _u, report_received_at: _r, patient_id, ...facts } = call;
  return { facts: { ...facts, hasPatient: patient_id !== null }, timeline, segments, bookings };
}

/** The next Monday (clinic open 08:30–18:00 by default), as YYYY-MM-DD. */
function nextMonday(): string {
  const d = new Date(Date.now() + 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

describe.each(databaseKinds())('Vapi webhooks on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let clinic: ClinicSetup;
  let secret: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database);
    secret = backend.telephony.webhookAuth.secret;
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    clinic = await clinicWithAssistant(database.db);
  });

  const send = (body: unknown, options?: Parameters<typeof postSigned>[3]) => postSigned(backend.url, secret, body, options);
  const ref = (overrides: Partial<CallRef> = {}): CallRef => ({
    id: randomUUID(),
    assistantId: clinic.assistantId,
    phoneNumberId: clinic.phoneNumberId,
    customerNumber: '+441614960555',
    ...overrides,
  });
  const T0 = Date.parse('2030-01-07T10:00:00.000Z');
  const turns = [
    { role: 'bot' as const, message: 'Hello, Riverside clinic, how can I help?', time: T0 + 2000, secondsFromStart: 1 },
    { role: 'user' as const, message: 'I would like to book a check-up.', time: T0 + 5000, secondsFromStart: 4 },
    { role: 'bot' as const, message: 'Of course. What name is it under?', time: T0 + 8000, secondsFromStart: 7 },
  ];
  const report = (r: CallRef) =>
    endOfCallReport(
      r,
      {
        startedAt: new Date(T0 + 1000).toISOString(),
        endedAt: new Date(T0 + 61_000).toISOString(),
        endedReason: 'customer-ended-call',
        summary: 'Caller asked for a check-up.',
        turns,
      },
      T0 + 62_000,
    );
  const countRows = async () => ({
    calls: (await database.db.selectFrom('calls').select('id').execute()).length,
    receipts: (await database.db.selectFrom('webhook_receipts').select('id').execute()).length,
    events: (await database.db.selectFrom('events').select('id').execute()).length,
  });

  it('stores a call from status updates, live transcript and the end-of-call report (artifact + analysis)', async () => {
    const r = ref();
    for (const body of [
      statusUpdate(r, 'ringing', T0),
      statusUpdate(r, 'in-progress', T0 + 1000),
      transcript(r, 'assistant', 'partial', 'Hello, Riverside', T0 + 1500),
      transcript(r, 'assistant', 'final', 'Hello, Riverside clinic, how can I help?', T0 + 2500),
      transcript(r, 'user', 'final', 'I would like to book a check-up.', T0 + 5500),
      statusUpdate(r, 'ended', T0 + 61_000, 'customer-ended-call'),
      report(r),
    ]) {
      expect((await send(body)).status).toBe(200);
    }
    const stored = await snapshot(database.db, r.id);
    const owner = await database.db.selectFrom('calls').select('clinic_id').where('provider_call_id', '=', r.id).executeTakeFirstOrThrow();
    expect(owner.clinic_id).toBe(clinic.clinicId);
    expect(stored?.facts).toMatchObject({
      direction: 'inbound',
      status: 'ended',
      caller_number: '+441614960555',
      ended_reason: 'customer-ended-call',
      duration_seconds: 60,
      summary: 'Caller asked for a check-up.',
      analysis: { structuredData: { callCategory: 'booking' }, successEvaluation: 'true' },
      recording_url: `https://storage.vapi.ai/${r.id}-mono.wav`,
      cost_usd: 0.0742,
      outcome: 'answered',
    });
    expect(stored?.timeline.map((t) => t.status)).toEqual(['ringing', 'in-progress', 'ended']);
    // The report's transcript (every turn, with offsets) replaces the live one.
    expect(stored?.segments.map((s) => [s.speaker, s.text, s.offset_seconds])).toEqual([
      ['assistant', 'Hello, Riverside clinic, how can I help?', 1],
      ['caller', 'I would like to book a check-up.', 4],
      ['assistant', 'Of course. What name is it under?', 7],
    ]);
    const kinds = (
      await database.db.selectFrom('events').select('kind').where('clinic_id', '=', clinic.clinicId).orderBy('seq').execute()
    ).map((e) => e.kind);
    expect(kinds[0]).toBe('call.started');
    expect(kinds).toContain('call.transcript');
    expect(kinds.filter((k) => k === 'call.ended').length).toBeGreaterThanOrEqual(1);
    expect(kinds).toContain('stats.changed');
  });

  it('announces each live transcript line once, in seq order, as stored, and never after the call ended', async () => {
    const r = ref();
    const published: LiveEvent[] = [];
    const unsubscribe = backend.bus.subscribe((events) => published.push(...events.filter((e) => e.clinicId === clinic.clinicId)));
    try {
      const final = transcript(r, 'user', 'final', 'I would like to book a check-up.', T0 + 5500);
      const finalRaw = JSON.stringify(final);
      const replies = [];
      for (const [body, raw] of [
        [statusUpdate(r, 'in-progress', T0 + 1000)],
        [transcript(r, 'assistant', 'partial', 'Hello, River', T0 + 1500)],
        [transcript(r, 'assistant', 'final', 'Hello, Riverside clinic.', T0 + 2500)],
        [final, finalRaw],
        [final, finalRaw], // the exact delivery again
        [final, JSON.stringify(final, null, 2)], // the same line in another body
        [statusUpdate(r, 'ended', T0 + 30_000, 'customer-ended-call')],
        [transcript(r, 'user', 'partial', 'Thanks', T0 + 31_000)], // stale: the call has ended
      ] as Array<[unknown, string?]>) {
        const res = await send(body, raw ? { raw } : {});
        expect(res.status).toBe(200);
        replies.push(await json(res));
      }
      expect(replies[4]).toEqual({ duplicate: true });

      const stored = await database.db
        .selectFrom('events')
        .select(['id', 'seq', 'kind', 'data'])
        .where('clinic_id', '=', clinic.clinicId)
        .orderBy('seq')
        .execute();
      // What consoles were sent is exactly what the log holds (resume replays the same thing).
      expect(published.map((e) => [e.id, e.seq, e.kind, e.data])).toEqual(stored.map((e) => [e.id, Number(e.seq), e.kind, e.data]));
      expect(stored.map((e) => Number(e.seq))).toEqual(stored.map((_, i) => i + 1));
      const lines = stored
        .filter((e) => e.kind === 'call.transcript')
        .map((e) => e.data as { transcriptType: string; text: string; segmentId: string | null });
      expect(lines.map((l) => [l.transcriptType, l.text])).toEqual([
        ['partial', 'Hello, River'],
        ['final', 'Hello, Riverside clinic.'],
        ['final', 'I would like to book a check-up.'],
      ]);
      const segments = await database.db.selectFrom('transcript_segments').select('id').orderBy('at').execute();
      expect(lines.filter((l) => l.transcriptType === 'final').map((l) => l.segmentId)).toEqual(segments.map((s) => s.id));
      expect(stored.findIndex((e) => e.kind === 'call.ended')).toBeGreaterThan(stored.findLastIndex((e) => e.kind === 'call.transcript'));
    } finally {
      unsubscribe();
    }
  });

  it('never announces a partial after call.ended when lines race the end of the call (no deadlock, no 500)', async () => {
    const r = ref();
    expect((await send(statusUpdate(r, 'in-progress', T0 + 1000))).status).toBe(200);
    const lines = Array.from({ length: 24 }, (_, i) =>
      transcript(r, i % 2 ? 'user' : 'assistant', i % 3 ? 'final' : 'partial', `Line ${i}`, T0 + 2000 + i * 100),
    );
    const bodies = [...lines.slice(0, 12), statusUpdate(r, 'ended', T0 + 30_000, 'customer-ended-call'), report(r), ...lines.slice(12)];
    const statuses = await Promise.all(bodies.map(async (body) => (await send(body)).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const events = await database.db
      .selectFrom('events')
      .select(['kind', 'data'])
      .where('clinic_id', '=', clinic.clinicId)
      .orderBy('seq')
      .execute();
    const firstEnded = events.findIndex((e) => e.kind === 'call.ended');
    expect(firstEnded).toBeGreaterThan(0);
    // A partial is stale once the call has ended; a late final line may still be stored (the report
    // may never come) and is announced as such.
    const partialsAfterEnd = events
      .slice(firstEnded)
      .filter((e) => e.kind === 'call.transcript' && (e.data as { transcriptType: string }).transcriptType === 'partial');
    expect(partialsAfterEnd).toEqual([]);
    // However the race went, the report's transcript is what stays.
    expect((await snapshot(database.db, r.id))?.segments.map((s) => s.text)).toEqual(turns.map((t) => t.message));
  });

  it('builds one correct call from an end-of-call report alone (no status updates)', async () => {
    const r = ref();
    expect((await send(report(r))).status).toBe(200);
    const stored = await snapshot(database.db, r.id);
    expect(stored?.facts).toMatchObject({
      status: 'ended',
      duration_seconds: 60,
      summary: 'Caller asked for a check-up.',
      outcome: 'answered',
    });
    expect(stored?.timeline.map((t) => t.status)).toEqual(['in-progress', 'ended']);
    expect(stored?.segments).toHaveLength(3);
    expect((await countRows()).calls).toBe(1);
  });

  it('reads the legacy top-level summary, transcript, recording and messages', async () => {
    const r = ref({ type: 'outboundPhoneCall' });
    const res = await send(
      legacyEndOfCallReport(r, { endedReason: 'assistant-ended-call', summary: 'Legacy summary.', turns }, T0 + 70_000),
    );
    expect(res.status).toBe(200);
    const stored = await snapshot(database.db, r.id);
    expect(stored?.facts).toMatchObject({
      direction: 'outbound',
      status: 'ended',
      summary: 'Legacy summary.',
      recording_url: `https://storage.vapi.ai/${r.id}-legacy.wav`,
    });
    expect(stored?.segments.map((s) => s.speaker)).toEqual(['assistant', 'caller', 'assistant']);
  });

  it('never moves a call backwards: a late ringing after ended is recorded but the call stays ended', async () => {
    const r = ref();
    await send(statusUpdate(r, 'in-progress', T0 + 1000));
    await send(statusUpdate(r, 'ended', T0 + 30_000, 'customer-ended-call'));
    expect((await send(statusUpdate(r, 'ringing', T0))).status).toBe(200);
    const stored = await snapshot(database.db, r.id);
    expect(stored?.facts.status).toBe('ended');
    expect(stored?.timeline.map((t) => t.status)).toEqual(['ringing', 'in-progress', 'ended']);
  });

  it('acknowledges an exact replay without changing anything', async () => {
    const r = ref();
    const body = statusUpdate(r, 'ringing', T0);
    const raw = JSON.stringify(body);
    expect((await send(body, { raw })).status).toBe(200);
    const before = await countRows();
    const again = await send(body, { raw });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual({ duplicate: true });
    expect(await countRows()).toEqual(before);
  });

  describe('refusals store nothing', () => {
    it('refuses a bad signature with 401', async () => {
      const body = JSON.stringify(statusUpdate(ref(), 'ringing', T0));
      const res = await fetch(`${backend.url}/webhooks/vapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-timestamp': String(Date.now()), 'x-signature': 'ab'.repeat(32) },
        body,
      });
      expect(res.status).toBe(401);
      expect(await countRows()).toEqual({ calls: 0, receipts: 0, events: 0 });
    });

    it('refuses a valid signature presented with a different body (tampered payload)', async () => {
      const signedFor = JSON.stringify(statusUpdate(ref(), 'ringing', T0));
      const timestamp = String(Date.now());
      const signature = createHmac('sha256', secret).update(`${timestamp}.${signedFor}`).digest('hex');
      const res = await fetch(`${backend.url}/webhooks/vapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signature },
        body: signedFor.replace('ringing', 'ended'),
      });
      expect(res.status).toBe(401);
      expect(await countRows()).toEqual({ calls: 0, receipts: 0, events: 0 });
    });

    it('refuses a correctly signed but stale request (older than 5 minutes)', async () => {
      const res = await send(statusUpdate(ref(), 'ringing', T0), { timestamp: Date.now() - 6 * 60_000 });
      expect(res.status).toBe(401);
      expect(await countRows()).toEqual({ calls: 0, receipts: 0, events: 0 });
    });

    it('refuses malformed JSON with 400', async () => {
      const res = await send(undefined, { raw: '{"message": {"type": "status-update",' });
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('invalid_json');
      expect(await countRows()).toEqual({ calls: 0, receipts: 0, events: 0 });
    });

    it('verifies a body sent as text/plain or without a Content-Type over its bytes, then reads it as JSON', async () => {
      const r = ref();
      const raw = JSON.stringify(statusUpdate(r, 'ringing', T0));
      const signed = (body: string, secretKey = secret) => {
        const timestamp = String(Date.now());
        return { 'x-timestamp': timestamp, 'x-signature': createHmac('sha256', secretKey).update(`${timestamp}.${body}`).digest('hex') };
      };
      const post = (body: string, headers: Record<string, string>) =>
        fetch(`${backend.url}/webhooks/vapi`, { method: 'POST', headers, body: Buffer.from(body) });
      expect((await post(raw, { 'content-type': 'text/plain', ...signed(raw, 'not-the-secret') })).status).toBe(401);
      expect(await countRows()).toEqual({ calls: 0, receipts: 0, events: 0 });
      const notJson = 'message=status-update';
      const refused = await post(notJson, { 'content-type': 'text/plain', ...signed(notJson) });
      expect(refused.status).toBe(400);
      expect((await json(refused)).error.code).toBe('invalid_json');
      expect((await post(raw, { 'content-type': 'text/plain', ...signed(raw) })).status).toBe(200);
      const raw2 = JSON.stringify(statusUpdate(r, 'in-progress', T0 + 1000));
      expect((await post(raw2, signed(raw2))).status).toBe(200);
      expect((await snapshot(database.db, r.id))?.timeline.map((t) => t.status)).toEqual(['ringing', 'in-progress']);
    });

    it('refuses a message about no clinic we know with 404', async () => {
      const res = await send(statusUpdate(ref({ assistantId: 'asst-unknown', phoneNumberId: 'pn-unknown' }), 'ringing', T0));
      expect(res.status).toBe(404);
      expect(await countRows()).toEqual({ calls: 0, receipts: 0, events: 0 });
    });

    it('acknowledges message types it does not handle without storing anything', async () => {
      const res = await send({ message: { type: 'model-output', output: 'hi', call: { id: randomUUID() } } });
      expect(res.status).toBe(200);
      expect(await countRows()).toEqual({ calls: 0, receipts: 0, events: 0 });
    });

    it('answers times outside any plausible call without a 500, and stores none of them', async () => {
      const id = randomUUID();
      const cases = [
        { startedAt: '-004713-11-23T23:59:59.999Z', endedAt: '+275760-09-13T00:00:00.000Z' },
        { durationSeconds: -1 },
        { durationSeconds: 1e300 },
        { artifact: { messages: [{ role: 'user', message: 'hello', secondsFromStart: 1e300, time: -8.64e15 }] } },
      ];
      const answers = [];
      for (const fields of cases) {
        const res = await send({
          message: {
            type: 'end-of-call-report',
            call: { id, assistantId: clinic.assistantId },
            endedReason: 'customer-ended-call',
            ...fields,
          },
        });
        answers.push(res.status);
      }
      expect(answers).toEqual([200, 400, 400, 200]);
      const call = await database.db
        .selectFrom('calls')
        .select(['id', 'started_at', 'ended_at'])
        .where('provider_call_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(call.started_at).toBeNull();
      expect(call.ended_at === null || Math.abs(call.ended_at.getTime() - Date.now()) < 60_000).toBe(true);
      // The turn with an impossible offset and time is kept, without them.
      const turns = await database.db
        .selectFrom('transcript_segments')
        .select(['text', 'offset_seconds'])
        .where('call_id', '=', call.id)
        .execute();
      expect(turns).toEqual([{ text: 'hello', offset_seconds: null }]);
    });
  });

  it('stores the same call whatever the order and however often each webhook arrives (property)', async () => {
    const monday = nextMonday();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        async (seed, duplicated) => {
          await database.reset();
          clinic = await clinicWithAssistant(database.db, 'prop');
          const r = ref({ id: 'call-property' });
          const bodies = [
            statusUpdate(r, 'queued', T0 - 1000),
            statusUpdate(r, 'ringing', T0),
            statusUpdate(r, 'in-progress', T0 + 1000),
            transcript(r, 'assistant', 'partial', 'Hello', T0 + 1500),
            transcript(r, 'assistant', 'final', 'Hello, Riverside clinic, how can I help?', T0 + 2500),
            transcript(r, 'user', 'final', 'I would like to book a check-up.', T0 + 5500),
            toolCalls(
              r,
              [
                {
                  id: 'tool-1',
                  name: 'bookAppointment',
                  arguments: JSON.stringify({ patientName: 'Ada Lovelace', date: monday, time: '10:00', service: 'Check-up' }),
                },
              ],
              T0 + 9000,
            ),
            transcript(r, 'assistant', 'final', 'You are booked for Monday at ten.', T0 + 12_000),
            statusUpdate(r, 'ended', T0 + 61_000, 'customer-ended-call'),
            report(r),
            transcript(r, 'user', 'final', 'Thanks, bye.', T0 + 14_000),
            statusUpdate(r, 'forwarding', T0 + 50_000),
          ];
          for (const body of bodies) expect((await send(body)).status).toBe(200);
          const inOrder = await snapshot(database.db, r.id);

          await database.reset();
          clinic = await clinicWithAssistant(database.db, 'prop');
          // Shuffle deterministically from the seed; duplicates are re-serialised so the receipt
          // short-cut cannot hide a non-idempotent write.
          const deliveries = bodies.flatMap((body, i) =>
            duplicated[i]
              ? [
                  { body, copy: false },
                  { body, copy: true },
                ]
              : [{ body, copy: false }],
          );
          let state = seed;
          for (let i = deliveries.length - 1; i > 0; i--) {
            state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
            const j = state % (i + 1);
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          for (const { body, copy } of deliveries) {
            const res = await send(body, copy ? { raw: JSON.stringify(body, null, 1) } : {});
            expect(res.status).toBe(200);
          }
          const shuffled = await snapshot(database.db, r.id);
          expect(shuffled).toEqual(inOrder);
          expect(inOrder?.facts.outcome).toBe('booked');
          expect(inOrder?.bookings).toHaveLength(1);
        },
      ),
      { numRuns: kind === 'pglite' ? 6 : 10 },
    );
  }, 240_000);

  it('takes the clinic from the phone number first, then the assistant, then the stored call; refuses a call of another clinic', async () => {
    const second = await clinicWithAssistant(database.db);
    // The number is what a clinic owns: clinic's number with the other clinic's assistant → the number's clinic.
    const r = ref({ assistantId: second.assistantId });
    expect((await send(statusUpdate(r, 'ringing', T0))).status).toBe(200);
    const owner = async (id: string) =>
      (await database.db.selectFrom('calls').select('clinic_id').where('provider_call_id', '=', id).executeTakeFirst())?.clinic_id;
    expect(await owner(r.id)).toBe(clinic.clinicId);
    // No number we know: the assistant's clinic.
    const byAssistant = ref({ assistantId: second.assistantId, phoneNumberId: 'pn-unknown' });
    expect((await send(statusUpdate(byAssistant, 'ringing', T0))).status).toBe(200);
    expect(await owner(byAssistant.id)).toBe(second.clinicId);
    // Neither: the stored call's clinic (a transcript line naming only the call).
    const bare = { id: r.id };
    expect((await send(statusUpdate(bare, 'in-progress', T0 + 1000))).status).toBe(200);
    expect((await send(transcript(bare, 'user', 'final', 'Hello?', T0 + 2000))).status).toBe(200);
    const before = await snapshot(database.db, r.id);
    expect(before?.segments.map((s) => s.text)).toEqual(['Hello?']);
    // The stored call is clinic 1's; a message naming clinic 2's number about it changes nothing, on every path.
    const crossed = { id: r.id, phoneNumberId: second.phoneNumberId, assistantId: second.assistantId };
    const rows = await countRows();
    for (const body of [
      statusUpdate(crossed, 'ended', T0 + 9000, 'customer-ended-call'),
      transcript(crossed, 'user', 'final', 'Not for you.', T0 + 3000),
      transcript(crossed, 'user', 'partial', 'Not', T0 + 3000),
      report(crossed),
      { message: { type: 'hang', timestamp: T0 + 4000, call: crossed } },
    ]) {
      expect((await send(body)).status).toBe(409);
    }
    const tools = await send(toolCalls(crossed, [{ id: 'x-1', name: 'lookupCaller', arguments: {} }], T0 + 5000));
    expect(tools.status).toBe(200);
    expect((await json(tools)).results).toEqual([{ toolCallId: 'x-1', error: expect.stringMatching(/not connected to a clinic/) }]);
    expect(await snapshot(database.db, r.id)).toEqual(before);
    expect(await countRows()).toEqual(rows);
  });

  it('keeps a caller number that does not validate as given, flagged, and tells the consoles', async () => {
    const invalid = ref({ customerNumber: '+1 (555) 123-4567' });
    expect((await send(statusUpdate(invalid, 'ringing', T0))).status).toBe(200);
    const valid = ref({ customerNumber: '+447700900123' }); // Ofcom's drama range for mobiles
    expect((await send(statusUpdate(valid, 'ringing', T0))).status).toBe(200);
    const rows = await database.db
      .selectFrom('calls')
      .select(['provider_call_id', 'caller_number', 'caller_number_raw'])
      .where('provider_call_id', 'in', [invalid.id, valid.id])
      .execute();
    expect(Object.fromEntries(rows.map((c) => [c.provider_call_id, [c.caller_number, c.caller_number_raw]]))).toEqual({
      [invalid.id]: [null, '+15551234567'],
      [valid.id]: ['+447700900123', null],
    });
    const started = await database.db.selectFrom('events').select('data').where('kind', '=', 'call.started').orderBy('seq').execute();
    expect(started.map((e) => (e.data as { call: { callerNumber: string | null; callerNumberRaw: string | null } }).call)).toEqual([
      expect.objectContaining({ callerNumber: null, callerNumberRaw: '+15551234567' }),
      expect.objectContaining({ callerNumber: '+447700900123', callerNumberRaw: null }),
    ]);
  });

  it('answers assistant-request with the clinic’s assistant, or a transient one built from its personality', async () => {
    const r = ref({ assistantId: undefined });
    const res = await send(assistantRequest(r, { id: clinic.phoneNumberId, number: clinic.number }, Date.now()));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ assistantId: clinic.assistantId });

    await database.db.updateTable('agents').set({ provider_assistant_id: null }).where('clinic_id', '=', clinic.clinicId).execute();
    const transient = await json(
      await send(assistantRequest(ref({ assistantId: undefined }), { id: clinic.phoneNumberId, number: clinic.number }, Date.now())),
    );
    expect(transient.assistant).toMatchObject({
      firstMessage: expect.stringContaining('Hello'),
      server: { url: `${backend.url}/webhooks/vapi` },
    });
    expect(transient.assistant.model.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
      'checkAvailability',
      'bookAppointment',
      'lookupCaller',
      'transferToFrontDesk',
      'takeMessage',
    ]);
  });
});

describe('Vapi webhooks with the shared-secret header (X-Vapi-Secret)', () => {
  let database: TestDatabase;
  let backend: TestBackend;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database, { VAPI_WEBHOOK_AUTH: 'secret', VAPI_WEBHOOK_SECRET: 'shared-secret-for-tests-0123456789' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  it('accepts the configured secret and refuses a wrong or missing one', async () => {
    const clinic = await clinicWithAssistant(database.db);
    const body = JSON.stringify(statusUpdate({ id: randomUUID(), assistantId: clinic.assistantId }, 'ringing', Date.now()));
    const post = (headers: Record<string, string>) =>
      fetch(`${backend.url}/webhooks/vapi`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({ 'x-vapi-secret': 'wrong' })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    expect((await post({ 'x-vapi-secret': 'shared-secret-for-tests-0123456789' })).status).toBe(200);
    expect(await database.db.selectFrom('calls').select('id').execute()).toHaveLength(1);
  });
});
