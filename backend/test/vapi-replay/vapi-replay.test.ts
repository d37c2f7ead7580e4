// Replays webhook bodies written from Vapi's published shapes (scenarios/*/, see README.md) against a
// real backend: each file's exact bytes, signed the way Vapi signs them, in order. Then what was
// stored about the call (facts, timeline, transcript, bookings, attention) is compared with the
// scenario's expected state, and must come out the same when every message is delivered twice, when
// the end-of-call report overtakes the final status update, and with the X-Vapi-Secret header instead
// of the HMAC signature.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestBackend, type TestBackend } from '../support/test-backend.js';
import { createClinicWithStaff } from '../support/fixtures.js';
import { callSnapshot, type CallSnapshot } from '../support/call-snapshot.js';
import { getAgent } from '../../src/agent/agent-service.js';
import { addDays, toLocal, weekdayOf } from '../../src/clinics/clinic-hours.js';
import { transactionWithEvents } from '../../src/live/event-log.js';
import { lockOrCreateCall } from '../../src/telephony/call-ingestion.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCENARIOS = path.join(HERE, 'scenarios');

/** The ids the scenario files use for the clinic's assistant and numbers (as Vapi would have them). */
const CLINIC = {
  assistantId: '5b0a6f3e-1c7d-4e2a-9f1b-3c8d2e7a4b10',
  numberId: '9e2c4d71-8a3b-4f5e-b6c2-1d7e0f9a3b24',
  number: '+442079460123',
  /** A second number of the clinic with no fixed assistant: Vapi sends assistant-request for it. */
  secondNumberId: 'c4a1f2e3-6b5d-4c7e-8f9a-0b1c2d3e4f50',
  secondNumber: '+441614960100',
  timeZone: 'Europe/London',
};
const SECRET_MODE_SECRET = 'replay-shared-secret-0123456789abcdef';

interface RequestSpec {
  file: string;
  /** Content-Type to send; null sends none; absent sends application/json. */
  contentType?: string | null;
  status?: number;
  /** Partial match of the 200 body. */
  body?: Record<string, unknown>;
  /** Tool results expected, in order: [toolCallId, 'result' | 'error']. */
  toolResults?: Array<[string, 'result' | 'error']>;
  /** Text every `result` of the answer contains. */
  resultContains?: string[];
}

interface Scenario {
  name: string;
  title: string;
  setup?: { testCall?: { id: string; number: string } };
  requests: RequestSpec[];
  sameStoredStateAs?: string;
  expected: {
    call: Record<string, unknown> | null;
    timeline: Array<string | { incident: string; at?: string }>;
    timelineTimes?: Record<string, string>;
    transcript: Array<[string, string]>;
    bookings: Array<Record<string, unknown> & { startsLocal?: string }>;
    attention: string[];
  };
}

interface Body {
  spec: RequestSpec;
  raw: string;
  message: { type: string; status?: string; call?: { id: string } };
}

function loadScenario(name: string, bookingDate: string): Scenario & { bodies: Body[] } {
  const dir = path.join(SCENARIOS, name);
  const fill = (text: string) => text.replaceAll('{{bookingDate}}', bookingDate);
  const scenario = JSON.parse(fill(fs.readFileSync(path.join(dir, 'scenario.json'), 'utf8'))) as Omit<Scenario, 'name'>;
  const bodies = scenario.requests.map((spec) => {
    const raw = fill(fs.readFileSync(path.join(dir, spec.file), 'utf8'));
    return { spec, raw, message: (JSON.parse(raw) as { message: Body['message'] }).message };
  });
  return { ...scenario, name, bodies };
}

/** A Monday at least a week ahead (the clinic is open 08:30–18:00 on weekdays). */
function bookingDate(): string {
  let day = addDays(toLocal(new Date(), CLINIC.timeZone).date, 7);
  while (weekdayOf(day) !== 'monday') day = addDays(day, 1);
  return day;
}

/** Posts the exact bytes, authenticated as Vapi does: HMAC over "{timestamp}.{body}", or the shared secret header. */
async function post(backend: TestBackend, mode: 'hmac' | 'secret', body: Body): Promise<Response> {
  const bytes = Buffer.from(body.raw, 'utf8');
  const headers: Record<string, string> = {};
  if (mode === 'hmac') {
    const timestamp = String(Date.now());
    headers['x-timestamp'] = timestamp;
    headers['x-signature'] = createHmac('sha256', backend.telephony.webhookAuth.secret).update(`${timestamp}.`).update(bytes).digest('hex');
  } else {
    headers['x-vapi-secret'] = SECRET_MODE_SECRET;
  }
  if (body.spec.contentType !== null) headers['content-type'] = body.spec.contentType ?? 'application/json';
  // A Buffer body gets no Content-Type from fetch itself, so "none" really is none.
  return fetch(`${backend.url}/webhooks/vapi`, { method: 'POST', headers, body: bytes });
}

/** The end-of-call report moved in front of the last `ended` status update (undefined when the scenario has no such pair). */
function reportBeforeFinalStatus(bodies: Body[]): Body[] | undefined {
  const report = bodies.findIndex((b) => b.message.type === 'end-of-call-report' && b.message.call);
  const ended = bodies.findLastIndex((b) => b.message.type === 'status-update' && b.message.status === 'ended' && b.message.call);
  if (report < 0 || ended < 0 || ended > report) return undefined;
  const reordered = bodies.filter((_, i) => i !== report);
  reordered.splice(ended, 0, bodies[report]!);
  return reordered;
}

const scenarioNames = fs
  .readdirSync(SCENARIOS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe.each(databaseKinds())('Vapi webhook bodies from the docs, replayed on %s', (kind) => {
  let database: TestDatabase;
  let hmac: TestBackend;
  let secret: TestBackend;
  const date = bookingDate();

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    hmac = await startTestBackend(database);
    secret = await startTestBackend(database, { VAPI_WEBHOOK_AUTH: 'secret', VAPI_WEBHOOK_SECRET: SECRET_MODE_SECRET });
  });
  afterAll(async () => {
    await hmac?.close();
    await secret?.close();
    await database?.close();
  });

  /** A fresh database with the clinic the scenarios are addressed to. */
  async function freshClinic(): Promise<string> {
    await database.reset();
    const { clinicId } = await createClinicWithStaff(database.db, { clinicName: 'Riverside Clinic', timeZone: CLINIC.timeZone });
    await getAgent(database.db, clinicId);
    await database.db
      .updateTable('agents')
      .set({ provider_assistant_id: CLINIC.assistantId, sync_status: 'synced' })
      .where('clinic_id', '=', clinicId)
      .execute();
    await database.db
      .insertInto('phone_numbers')
      .values([
        { clinic_id: clinicId, number: CLINIC.number, provider_number_id: CLINIC.numberId, assistant_attached: true },
        { clinic_id: clinicId, number: CLINIC.secondNumber, provider_number_id: CLINIC.secondNumberId, assistant_attached: false },
      ])
      .execute();
    return clinicId;
  }

  /** Plays the bodies into a fresh clinic; returns each answer and the stored state of the scenario's call. */
  async function play(scenario: Scenario, bodies: Body[], options: { mode: 'hmac' | 'secret'; twice?: boolean }) {
    const clinicId = await freshClinic();
    const backend = options.mode === 'hmac' ? hmac : secret;
    if (scenario.setup?.testCall) {
      // What "Call my phone" stored once Vapi accepted the call (phone-test-call-service.ts).
      const { id, number } = scenario.setup.testCall;
      await transactionWithEvents(database.db, backend.bus, (tx, events) =>
        lockOrCreateCall(
          tx,
          events,
          { db: database.db, bus: backend.bus },
          clinicId,
          {
            id,
            type: 'outboundPhoneCall',
            customer: { number, name: null },
            assistantId: CLINIC.assistantId,
            phoneNumberId: CLINIC.numberId,
          },
          'queued',
          { isTest: true },
        ),
      );
    }
    const answers: Array<{ file: string; status: number; body: Record<string, unknown> }> = [];
    const deliver = async (body: Body) => {
      const res = await post(backend, options.mode, body);
      const text = await res.text();
      answers.push({ file: body.spec.file, status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
    };
    for (const body of bodies) {
      await deliver(body);
      if (options.twice) await deliver(body);
    }
    // ...and, when delivering twice, the whole conversation once more at the end.
    if (options.twice) for (const body of bodies) await deliver(body);
    const callIds = new Set(bodies.flatMap((b) => (b.message.call?.id ? [b.message.call.id] : [])));
    expect(callIds.size, 'a scenario is about one call').toBeLessThanOrEqual(1);
    const [callId] = [...callIds];
    const counts = {
      calls: (await database.db.selectFrom('calls').select('id').execute()).length,
      bookings: (await database.db.selectFrom('bookings').select('id').execute()).length,
    };
    return { answers, snapshot: callId ? await callSnapshot(database.db, callId) : undefined, counts };
  }

  function checkAnswers(scenario: Scenario, answers: Array<{ file: string; status: number; body: Record<string, unknown> }>) {
    for (const answer of answers) {
      const spec = scenario.requests.find((r) => r.file === answer.file)!;
      expect(answer.status, `${scenario.name}/${answer.file}: HTTP status`).toBe(spec.status ?? 200);
    }
  }

  function checkFirstAnswers(scenario: Scenario, answers: Array<{ file: string; status: number; body: Record<string, unknown> }>) {
    checkAnswers(scenario, answers);
    for (const spec of scenario.requests) {
      const answer = answers.find((a) => a.file === spec.file)!;
      const where = `${scenario.name}/${spec.file}`;
      if (spec.body) expect(answer.body, where).toMatchObject(spec.body);
      if (spec.toolResults) {
        const results = answer.body.results as Array<{ toolCallId: string; result?: unknown; error?: unknown }>;
        expect(
          results.map((r) => [r.toolCallId, 'error' in r ? 'error' : 'result']),
          where,
        ).toEqual(spec.toolResults);
        for (const r of results) {
          const value = r.result ?? r.error;
          // Vapi's rules for a tool answer: a single-line string.
          expect(typeof value === 'string' && !value.includes('\n'), `${where}: ${r.toolCallId} answers a single-line string`).toBe(true);
        }
        for (const text of spec.resultContains ?? [])
          expect(
            results.every((r) => String(r.result).includes(text)),
            where,
          ).toBe(true);
      }
    }
  }

  function checkExpected(scenario: Scenario, snapshot: CallSnapshot | undefined, counts: { calls: number }) {
    const { expected } = scenario;
    if (expected.call === null) {
      expect(snapshot, `${scenario.name}: nothing stored`).toBeUndefined();
      expect(counts.calls).toBe(0);
      return;
    }
    expect(snapshot, `${scenario.name}: the call is stored`).toBeDefined();
    expect(counts.calls).toBe(1);
    const s = snapshot!;
    expect(s.facts, `${scenario.name}: call`).toMatchObject(expected.call);
    expect(
      s.timeline.map((item, i) => {
        const want = expected.timeline[i];
        return typeof item === 'string' || (typeof want === 'object' && want.at) ? item : { incident: item.incident };
      }),
      `${scenario.name}: timeline`,
    ).toEqual(expected.timeline);
    if (expected.timelineTimes) expect(s.statusTimes, `${scenario.name}: timeline times`).toEqual(expected.timelineTimes);
    expect(
      s.segments.map((seg) => [seg.speaker, seg.text]),
      `${scenario.name}: transcript`,
    ).toEqual(expected.transcript);
    expect(s.bookings.length, `${scenario.name}: bookings`).toBe(expected.bookings.length);
    expected.bookings.forEach(({ startsLocal, ...fields }, i) => {
      const stored = s.bookings[i]!;
      expect(stored, `${scenario.name}: booking ${i}`).toMatchObject(fields);
      if (startsLocal) {
        const local = toLocal(stored.starts_at as Date, CLINIC.timeZone);
        expect(`${local.date} ${local.time}`).toBe(startsLocal);
      }
    });
    expect(s.attention, `${scenario.name}: attention`).toEqual(expected.attention);
  }

  it.each(scenarioNames)(
    '%s',
    async (name) => {
      const scenario = loadScenario(name, date);

      // In order, once, signed with the HMAC credential.
      const first = await play(scenario, scenario.bodies, { mode: 'hmac' });
      checkFirstAnswers(scenario, first.answers);
      checkExpected(scenario, first.snapshot, first.counts);

      // Every message twice in a row, then the whole call again: nothing stored twice.
      const twice = await play(scenario, scenario.bodies, { mode: 'hmac', twice: true });
      checkAnswers(scenario, twice.answers);
      expect(twice.snapshot, `${name}: delivered twice`).toEqual(first.snapshot);
      expect(twice.counts).toEqual(first.counts);

      // The end-of-call report ahead of the final status update.
      const reordered = reportBeforeFinalStatus(scenario.bodies);
      if (reordered) {
        const late = await play(scenario, reordered, { mode: 'hmac' });
        checkAnswers(scenario, late.answers);
        expect(late.snapshot, `${name}: report before the final status`).toEqual(first.snapshot);
      }

      // The shared-secret header (X-Vapi-Secret) instead of the HMAC signature.
      const bySecret = await play(scenario, scenario.bodies, { mode: 'secret' });
      checkFirstAnswers(scenario, bySecret.answers);
      expect(bySecret.snapshot, `${name}: X-Vapi-Secret`).toEqual(first.snapshot);

      if (scenario.sameStoredStateAs) {
        const twin = loadScenario(scenario.sameStoredStateAs, date);
        const other = await play(twin, twin.bodies, { mode: 'hmac' });
        expect(first.snapshot, `${name} stores the same as ${twin.name}`).toEqual(other.snapshot);
      }
    },
    120_000,
  );
});
