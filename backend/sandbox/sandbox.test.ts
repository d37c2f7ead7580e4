import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { startTestBackend, DEMO_PASSWORD, type TestBackend } from '../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type SignedIn } from '../test/support/fixtures.js';
import { json } from '../test/support/http.js';
import { eventually } from '../test/support/eventually.js';
import { SCRIPT_NAMES } from './conversation-scripts.js';
import { WEBHOOK_DIALECTS } from './webhook-dialects.js';
import { sandboxControl } from '../test/support/sandbox-control.js';

const EXPECTED_OUTCOME = {
  'new-booking': 'booked',
  reschedule: 'booked',
  'knowledge-question': 'answered',
  'asks-for-human': 'transferred',
  'hang-up': 'abandoned',
  spam: 'spam',
} as const;
/** Every script that ends by itself; `waits-on-hold` waits for the control URL (call-control-api.test.ts). */
const SELF_ENDING = SCRIPT_NAMES.filter((name): name is keyof typeof EXPECTED_OUTCOME => name !== 'waits-on-hold');

/** A clinic whose administrator has connected a sandbox Twilio number (the line its calls ring on). */
async function connectSandboxLine(database: TestDatabase, backend: TestBackend): Promise<{ admin: SignedIn; line: string }> {
  const admin = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
  const account = await json(
    await sandboxControl(backend)('/twilio-accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
  );
  const line: string = account.numbers[0];
  const connected = await admin.api('/api/phone-numbers', {
    method: 'POST',
    body: JSON.stringify({ phoneNumber: line, twilioAccountSid: account.accountSid, twilioAuthToken: account.authToken }),
  });
  expect(connected.status).toBe(201);
  return { admin, line };
}

describe('the telephony sandbox plays every scripted conversation through the real webhooks', () => {
  let database: TestDatabase;
  let backend: TestBackend;
  let admin: SignedIn;
  let line: string;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database, { SANDBOX_TIME_SCALE: '100' });
    ({ admin, line } = await connectSandboxLine(database, backend));
    const form = new FormData();
    const faq = [
      'We offer flu vaccinations every autumn.',
      'Parking is free behind the clinic.',
      'Bring your photo ID and your medication list to your first appointment.',
      'On Saturday we are closed; opening hours are weekdays only.',
    ].join('\n');
    form.set('file', new Blob([faq]), 'faq.txt');
    expect((await admin.api('/api/knowledge-base', { method: 'POST', body: form })).status).toBe(201);
    await backend.knowledge.drain();
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  // Every script that ends by itself, in every message shape the sandbox speaks (today's and Vapi's older published ones).
  const cases = SELF_ENDING.flatMap((script) => WEBHOOK_DIALECTS.map((dialect) => [script, dialect] as const));
  it.each(cases)('%s (%s shapes) ends with the expected outcome, a transcript and a summary', async (script, dialect) => {
    const placed = await json(
      await sandboxControl(backend)('/inbound-calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: line, script, dialect, callerName: 'Rosalind Franklin' }),
      }),
    );
    expect(placed).toMatchObject({ script, dialect, to: line });
    await backend.sandbox!.callFinished(placed.callId);
    const call = await eventually(async () => {
      const row = await database.db.selectFrom('calls').selectAll().where('provider_call_id', '=', placed.callId).executeTakeFirstOrThrow();
      expect(row.summary).toBeTruthy();
      return row;
    });
    expect(call.outcome).toBe(EXPECTED_OUTCOME[script]);
    const detail = await json(await admin.api(`/api/calls/${call.id}`));
    expect(detail.transcript.length).toBeGreaterThan(0);
    expect(detail.timeline.at(-1).status).toBe('ended');
    if (script === 'knowledge-question') {
      // The assistant's answer came from the uploaded document.
      expect(detail.transcript.map((s: { text: string }) => s.text).join(' ')).toMatch(
        /flu vaccinations every autumn|Parking is free|photo ID|Saturday we are closed/,
      );
    }
    if (script === 'asks-for-human') expect(detail.needsAttention).toBe(true);
  });

  it('refuses to place a call to a number nobody imported, or with an unknown script', async () => {
    const post = (body: unknown) =>
      sandboxControl(backend)('/inbound-calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ to: '+441134960999' })).status).toBe(409);
    expect((await post({ script: 'sing-a-song' })).status).toBe(400);
  });

  it('refuses Vapi API requests without the key', async () => {
    const res = await fetch(`${backend.sandbox!.vapiBaseUrl}/assistant`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });
});

describe('a gentle stream of simulated patients (npm start)', () => {
  let database: TestDatabase;
  let backend: TestBackend;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    backend = await startTestBackend(database, {
      SEED_DEMO: 'true',
      DEMO_PASSWORD,
      SANDBOX_INBOUND_CALLS_PER_MINUTE: '600',
      SANDBOX_TIME_SCALE: '200',
    });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  it('gives the demo clinic a line and calls keep arriving on it', async () => {
    const numbers = await database.db.selectFrom('phone_numbers').select(['clinic_id', 'number']).execute();
    expect(numbers).toHaveLength(1);
    await eventually(async () => {
      const calls = await database.db.selectFrom('calls').select(['clinic_id', 'direction']).execute();
      expect(calls.length).toBeGreaterThanOrEqual(3);
      expect(calls.every((c) => c.clinic_id === numbers[0]!.clinic_id && c.direction === 'inbound')).toBe(true);
    }, 20_000);
  });
});

describe('many calls at once in the sandbox', () => {
  let database: TestDatabase;
  let backend: TestBackend;
  let line: string;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    // Real time: every call rings for 1.2 s, so the calls placed together wait on the sandbox at once.
    backend = await startTestBackend(database, { SANDBOX_TIME_SCALE: '1' });
    ({ line } = await connectSandboxLine(database, backend));
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });

  it('plays twelve calls side by side without Node warning of a listener leak', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const placed = await Promise.all(
        Array.from({ length: 12 }, async () =>
          json(
            await sandboxControl(backend)('/inbound-calls', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ to: line, script: 'new-booking' }),
            }),
          ),
        ),
      );
      // Past the ring: each call's wait on the sandbox's stop signal has come and gone.
      await eventually(async () => {
        const calls = await database.db
          .selectFrom('calls')
          .select('status')
          .where(
            'provider_call_id',
            'in',
            placed.map((p: { callId: string }) => p.callId),
          )
          .execute();
        expect(calls.filter((c) => c.status === 'in-progress')).toHaveLength(12);
      });
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
