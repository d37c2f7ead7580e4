import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import { getAgent } from '../agent/agent-service.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';

describe.each(databaseKinds())('phone test call through the sandbox on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: SignedIn;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { SANDBOX_TIME_SCALE: '60' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  afterEach(async () => {
    // Calls still playing would write under the next test's database reset.
    await backend.sandbox!.idle();
    await backend.telephony.sms.drain();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await signIn(backend.url, await createClinicWithStaff(database.db));
  });

  const startCall = (phoneNumber: string) => staff.api('/api/test-calls/phone', { method: 'POST', body: JSON.stringify({ phoneNumber }) });

  it('calls the number and stores the whole call: timeline, transcript, summary, booking and the confirmation SMS', async () => {
    const res = await startCall('+44 161 496 0123');
    expect(res.status).toBe(202);
    const { callId } = await json(res);

    const detail = await eventually(async () => {
      const body = await json(await staff.api(`/api/calls/${callId}`));
      expect(body.outcome).toBe('booked');
      expect(body.summary).toBeTruthy();
      return body;
    });
    expect(detail).toMatchObject({ direction: 'outbound', status: 'ended', isTest: true, callerNumber: '+441614960123' });
    expect(detail.timeline.map((t: { status: string }) => t.status)).toEqual(['ringing', 'in-progress', 'ended']);
    expect(detail.transcript.length).toBeGreaterThan(5);
    expect(detail.transcript[0].speaker).toBe('assistant');
    expect(detail.transcript.some((s: { speaker: string; text: string }) => s.speaker === 'caller' && /check-up/.test(s.text))).toBe(true);
    expect(detail.recordingUrl).toMatch(/^https:\/\//);
    expect(detail.bookings).toHaveLength(1);

    const sms = await eventually(async () => {
      const log = (await (await sandboxControl(backend)('/sms?to=%2B441614960123')).json()) as {
        messages: Array<{ body: string }>;
      };
      expect(log.messages).toHaveLength(1);
      return log.messages[0]!;
    });
    expect(sms.body).toMatch(/booked for/);
  });

  it('lets one person start three test calls a minute, then answers 429 with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await startCall(`+44 161 496 01${i}0`)).status).toBe(202);
    const limited = await startCall('+44 161 496 0199');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(limited)).error.code).toBe('rate_limited');
    // Another member of staff of the same clinic still can.
    const colleague = await signIn(backend.url, await addStaff(database.db, (await json(await staff.api('/api/me'))).user.clinicId));
    expect(
      (await colleague.api('/api/test-calls/phone', { method: 'POST', body: JSON.stringify({ phoneNumber: '+441614960188' }) })).status,
    ).toBe(202);
  });

  it.each([
    ['+1 900 555 0100', /premium-rate/],
    ['+44 871 234 5678', /premium-rate/],
    ['+44 55 1234 5678', /company \(universal access\) number/],
    ['+44 70 1234 5678', /personal \(follow-me\) number/],
    ['+1 800 555 0100', /freephone/],
  ])('attacker: refuses %s, which would cost the clinic money, with a clear 400 and starts nothing', async (number, why) => {
    const callsBefore = backend.sandbox!.state.calls.size;
    const clinicId = (await json(await staff.api('/api/me'))).user.clinicId as string;
    // Even where the clinic allows the country, the kind of number decides.
    const { personality } = await getAgent(database.db, clinicId);
    await database.db
      .updateTable('agents')
      .set({ personality: JSON.stringify({ ...personality, allowedCountries: ['GB', 'US'] }) })
      .where('clinic_id', '=', clinicId)
      .execute();
    const res = await startCall(number);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe('invalid_phone_number');
    expect(body.error.message).toMatch(why);
    expect(body.error.message).toMatch(/only mobile and landline numbers/);
    expect(body.error.details).toEqual([{ path: 'phoneNumber', message: body.error.message }]);
    expect(backend.sandbox!.state.calls.size).toBe(callsBefore);
  });

  it('rings only numbers in the clinic’s countries: its own by default, more when it allows them', async () => {
    const refused = await startCall('+33 6 12 34 56 78');
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.message).toMatch(/a number in France; this clinic only calls and texts numbers in United Kingdom/);

    const clinicId = (await json(await staff.api('/api/me'))).user.clinicId as string;
    const { personality } = await getAgent(database.db, clinicId);
    await database.db
      .updateTable('agents')
      .set({ personality: JSON.stringify({ ...personality, allowedCountries: ['GB', 'FR'] }) })
      .where('clinic_id', '=', clinicId)
      .execute();
    expect((await startCall('+33 6 12 34 56 78')).status).toBe(202);
    // A Jersey mobile shares the UK's numbering plan and rates.
    expect((await startCall('+44 7797 123456')).status).toBe(202);
  });

  it('refuses a number without a country code with a helpful message and starts nothing', async () => {
    const callsBefore = backend.sandbox!.state.calls.size;
    const res = await startCall('0161 496 0123');
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe('invalid_phone_number');
    expect(body.error.message).toMatch(/country code/);
    expect(backend.sandbox!.state.calls.size).toBe(callsBefore);
  });
});
