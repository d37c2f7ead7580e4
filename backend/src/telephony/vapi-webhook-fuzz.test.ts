// Property: whatever correctly signed JSON arrives at /webhooks/vapi (every message type, right and
// wrong types in every field, deep nesting, any unicode including NUL and lone surrogates, numbers
// JSON can hold but JavaScript can't), the backend never answers 5xx, keeps answering, and the calls
// the messages do not name (of this clinic and of another) stay exactly as they were.
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff } from '../../test/support/fixtures.js';
import { callSnapshot } from '../../test/support/call-snapshot.js';
import { endOfCallReport, postSigned, statusUpdate, toolCalls, transcript, type CallRef } from '../../test/support/vapi-fixtures.js';
import { getAgent } from '../agent/agent-service.js';
import type { Db } from '../db/database.js';

const MESSAGE_TYPES = [
  'status-update',
  'transcript',
  'transcript[transcriptType="final"]',
  'end-of-call-report',
  'tool-calls',
  'assistant-request',
  'speech-update',
  'conversation-update',
  'hang',
  'transfer-update',
  'transfer-destination-request',
  'function-call',
  'model-output',
];

// Stand-ins replaced in the JSON text after serialising: JSON can spell numbers beyond a double
// (JSON.parse makes them ±Infinity) and nest deeper than JSON.stringify could recurse.
const HUGE = '\u0001HUGE\u0001';
const DEEP = '\u0001DEEP\u0001';
const spelled = (json: string) =>
  json.replaceAll(JSON.stringify(HUGE), '-1e999').replaceAll(JSON.stringify(DEEP), `${'{"a":['.repeat(2000)}1${']}'.repeat(2000)}`);

async function clinic(db: Db, suffix: string) {
  const { clinicId } = await createClinicWithStaff(db);
  await getAgent(db, clinicId);
  const assistantId = `asst-fuzz-${suffix}`;
  await db.updateTable('agents').set({ provider_assistant_id: assistantId }).where('clinic_id', '=', clinicId).execute();
  const phoneNumberId = `pn-fuzz-${suffix}`;
  const number = suffix === 'a' ? '+442079460301' : '+442079460302';
  await db.insertInto('phone_numbers').values({ clinic_id: clinicId, number, provider_number_id: phoneNumberId }).execute();
  return { clinicId, assistantId, phoneNumberId, number };
}

describe.each(databaseKinds())('Vapi webhooks under fuzzing on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let secret: string;
  let here: Awaited<ReturnType<typeof clinic>>;
  let other: Awaited<ReturnType<typeof clinic>>;
  const T0 = Date.parse('2030-01-07T10:00:00.000Z');

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database);
    secret = backend.telephony.webhookAuth.secret;
    here = await clinic(database.db, 'a');
    other = await clinic(database.db, 'b');
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  /** A whole call, stored through the webhooks: the state fuzzing must not touch. */
  async function storedCall(c: { assistantId: string; phoneNumberId: string }): Promise<CallRef> {
    const r: CallRef = { id: randomUUID(), assistantId: c.assistantId, phoneNumberId: c.phoneNumberId, customerNumber: '+441614960555' };
    const turns = [
      { role: 'bot' as const, message: 'Hello, Riverside clinic.', time: T0 + 2000, secondsFromStart: 1 },
      { role: 'user' as const, message: 'I would like to book.', time: T0 + 5000, secondsFromStart: 4 },
    ];
    for (const body of [
      statusUpdate(r, 'ringing', T0),
      statusUpdate(r, 'in-progress', T0 + 1000),
      transcript(r, 'user', 'final', 'I would like to book.', T0 + 5500),
      toolCalls(r, [{ id: `tool-${r.id}`, name: 'lookupCaller', arguments: {} }], T0 + 6000),
      statusUpdate(r, 'ended', T0 + 30_000, 'customer-ended-call'),
      endOfCallReport(
        r,
        {
          startedAt: new Date(T0 + 1000).toISOString(),
          endedAt: new Date(T0 + 30_000).toISOString(),
          endedReason: 'customer-ended-call',
          summary: 'Asked to book.',
          turns,
        },
        T0 + 31_000,
      ),
    ]) {
      expect((await postSigned(backend.url, secret, body)).status).toBe(200);
    }
    return r;
  }

  it('never answers 5xx, keeps answering, and leaves calls it does not name alone', async () => {
    const kept = [await storedCall(here), await storedCall(other)];
    const before = await Promise.all(kept.map((r) => callSnapshot(database.db, r.id)));
    const keptIds = new Set(kept.map((r) => r.id));

    const oddText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d', '\u0000\ud800\udc00', '', ' '),
      fc
        .tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 10 }))
        .map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}\u0000${b}`),
    );
    const oddNumber = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 5e-324, HUGE),
      fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => Number(n)),
    );
    const anything = fc.oneof(
      { weight: 3, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: false }) },
      { weight: 2, arbitrary: oddText },
      { weight: 2, arbitrary: oddNumber },
      { weight: 1, arbitrary: fc.constant(DEEP) },
    );
    /** A field: usually one of the values it is meant to hold, else anything at all. */
    const field = (...good: fc.Arbitrary<unknown>[]) =>
      fc.oneof({ weight: 3, arbitrary: fc.oneof(...good) }, { weight: 2, arbitrary: anything });
    // Fuzzed messages name fresh calls or each other's, never the calls being kept.
    const callId = fc
      .oneof(fc.constantFrom('fuzz-call-1', 'fuzz-call-2', 'fuzz-call-3'), fc.uuid(), oddText)
      .filter((id) => !keptIds.has(id));
    const timestamp = field(
      oddNumber,
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom(T0, '2025-01-10T09:00:00.000Z', '1760709900000', 'yesterday'),
    );
    const customer = field(
      fc.record(
        { number: field(fc.constantFrom('+447700900123', '+15551234567', 'anonymous', ''), oddText), name: field(oddText) },
        { requiredKeys: [] },
      ),
    );
    const call = field(
      fc.record(
        {
          id: field(callId),
          type: field(fc.constantFrom('inboundPhoneCall', 'outboundPhoneCall', 'webCall', 'vapi.websocketCall', 'futureCall')),
          status: field(fc.constantFrom('ringing', 'in-progress', 'ended')),
          assistantId: field(fc.constantFrom(here.assistantId, other.assistantId, 'asst-nobody')),
          phoneNumberId: field(fc.constantFrom(here.phoneNumberId, other.phoneNumberId, 'pn-nobody')),
          customer,
          startedAt: field(
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'not a date' : d.toISOString())),
            oddText,
          ),
          endedAt: field(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
          cost: field(oddNumber),
          artifact: anything,
          transcript: field(oddText),
          messages: anything,
        },
        { requiredKeys: ['id'] },
      ),
    );
    const conversationMessage = fc.record(
      {
        role: field(fc.constantFrom('bot', 'user', 'assistant', 'system', 'tool_calls', 'tool_call_result')),
        message: field(oddText),
        content: field(oddText),
        time: timestamp,
        endTime: timestamp,
        secondsFromStart: field(oddNumber),
      },
      { requiredKeys: [] },
    );
    const args = field(
      fc.dictionary(oddText, anything, { maxKeys: 4 }),
      fc.dictionary(oddText, anything, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
      fc.constantFrom('{not json', '[1,2]', '42', '"text"', '', '{"patientName":"A\\u0000B","date":"2030-01-07","time":"10:00"}'),
    );
    const toolName = field(
      fc.constantFrom('checkAvailability', 'bookAppointment', 'lookupCaller', 'transferToFrontDesk', 'orderPizza'),
      oddText,
    );
    const toolCall = fc.oneof(
      fc.record(
        {
          id: field(oddText),
          type: field(fc.constant('function')),
          function: field(fc.record({ name: toolName, arguments: args }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
      fc.record({ id: field(oddText), name: toolName, arguments: args, parameters: args }, { requiredKeys: [] }),
    );
    const message = fc.record(
      {
        type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...MESSAGE_TYPES) }, { weight: 1, arbitrary: anything }),
        timestamp,
        call,
        customer,
        phoneNumber: field(
          fc.record(
            { id: field(fc.constantFrom(here.phoneNumberId, 'pn-nobody')), number: field(fc.constantFrom(here.number, other.number)) },
            { requiredKeys: [] },
          ),
        ),
        status: field(
          fc.constantFrom('scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended', 'not-found', 'started', 'stopped'),
        ),
        endedReason: field(fc.constantFrom('customer-ended-call', 'assistant-forwarded-call', 'customer-did-not-answer'), oddText),
        role: field(fc.constantFrom('user', 'assistant')),
        transcriptType: field(fc.constantFrom('partial', 'final')),
        transcript: field(oddText),
        turn: field(fc.nat()),
        summary: field(oddText),
        recordingUrl: field(oddText),
        messages: field(fc.array(conversationMessage, { maxLength: 4 })),
        startedAt: field(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          oddText,
        ),
        endedAt: field(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          oddText,
        ),
        durationSeconds: field(oddNumber),
        cost: field(oddNumber),
        artifact: field(
          fc.record(
            {
              messages: field(fc.array(conversationMessage, { maxLength: 4 })),
              transcript: field(oddText),
              recordingUrl: field(oddText),
              recording: anything,
            },
            { requiredKeys: [] },
          ),
        ),
        analysis: field(
          fc.record(
            {
              summary: field(oddText),
              structuredData: field(fc.dictionary(oddText, anything, { maxKeys: 4 })),
              successEvaluation: field(fc.boolean(), oddText),
            },
            { requiredKeys: [] },
          ),
        ),
        toolCallList: field(fc.array(toolCall, { maxLength: 5 })),
        toolWithToolCallList: field(
          fc.array(fc.record({ name: toolName, toolCall: field(toolCall) }, { requiredKeys: [] }), { maxLength: 3 }),
        ),
        destination: anything,
      },
      { requiredKeys: ['type'] },
    );
    const body = fc.oneof({ weight: 9, arbitrary: fc.record({ message }) }, { weight: 1, arbitrary: anything });
    const contentType = fc.constantFrom('application/json', 'text/plain', undefined);

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        fc.constantFrom('signed', 'signed', 'signed', 'signed', 'wrong key', 'unsigned'),
        async (payload, type, auth) => {
          const raw = spelled(JSON.stringify(payload) ?? 'null');
          const timestamp = String(Date.now());
          const bytes = Buffer.from(raw, 'utf8');
          const key = auth === 'signed' ? secret : 'not-the-secret';
          const res = await fetch(`${backend.url}/webhooks/vapi`, {
            method: 'POST',
            headers: {
              ...(type ? { 'content-type': type } : {}),
              ...(auth === 'unsigned'
                ? {}
                : {
                    'x-timestamp': timestamp,
                    'x-signature': createHmac('sha256', key).update(`${timestamp}.`).update(bytes).digest('hex'),
                  }),
            },
            body: bytes,
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, raw.slice(0, 500)).toBeLessThan(500);
          // Refused without reading it further (a body that is not a JSON object is refused as such first).
          if (auth !== 'signed') expect([400, 401]).toContain(res.status);
        },
      ),
      { numRuns: kind === 'pglite' ? 400 : 300 },
    );

    // Most fuzzed messages were read and acted on, not just refused at the door.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    // Still answering, and the calls nobody named are as they were.
    expect((await fetch(`${backend.url}/health`)).status).toBe(200);
    expect(
      (await postSigned(backend.url, secret, statusUpdate({ id: randomUUID(), assistantId: here.assistantId }, 'ringing', Date.now())))
        .status,
    ).toBe(200);
    expect(await Promise.all(kept.map((r) => callSnapshot(database.db, r.id)))).toEqual(before);
  }, 600_000);
});
