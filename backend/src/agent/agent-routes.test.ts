import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentResponseSchema, type AgentPersonality, type LiveEvent } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';

describe.each(databaseKinds())('agent personality over HTTP on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;
  let admin: SignedIn;
  let events: LiveEvent[];
  let unsubscribe: () => void;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database);
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.reset();
    staff = await createClinicWithStaff(database.db, { role: 'admin', clinicName: 'Cedar Clinic', timeZone: 'Europe/Paris' });
    admin = await signIn(backend.url, staff);
    events = [];
    unsubscribe?.();
    unsubscribe = backend.bus.subscribe((published) => events.push(...published));
  });

  const get = async (as = admin) => {
    const res = await as.api('/api/agent');
    expect(res.status).toBe(200);
    return AgentResponseSchema.parse(await json(res));
  };
  const put = (body: unknown, as = admin, headers: Record<string, string> = {}) =>
    as.api('/api/agent', { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
  const storedRow = () => database.db.selectFrom('agents').selectAll().where('clinic_id', '=', staff.clinicId).executeTakeFirst();

  it('answers the default personality for a new clinic', async () => {
    const agent = await get();
    expect(agent.personality.timeZone).toBe('Europe/Paris');
    expect(agent.personality.greeting).toContain('Cedar Clinic');
  });

  it('saves a personality, reports the voice platform’s answer and tells every console', async () => {
    const personality: AgentPersonality = {
      ...(await get()).personality,
      name: 'Léa',
      greeting: 'Bonjour, Cedar Clinic, Léa speaking.',
      transferNumber: '+33142685300',
      voice: { provider: '11labs', voiceId: 'rachel' },
    };
    const res = await put({ personality });
    expect(res.status).toBe(200);
    const saved = AgentResponseSchema.parse(await json(res));
    expect(saved.personality).toEqual(personality);
    // Whatever the platform said (not connected, sandbox or synced), it is final, stored and emitted.
    expect(saved.sync.status).not.toBe('pending');
    expect(await get()).toEqual(saved);
    const updates = events.filter((e) => e.kind === 'agent.updated');
    expect(updates.map((e) => e.data)).toEqual([
      { name: 'Léa', sync: { status: 'pending', message: null, syncedAt: expect.toSatisfy((v) => v === null || typeof v === 'string') } },
      { name: 'Léa', sync: saved.sync },
    ]);
    expect(updates.every((e) => e.clinicId === staff.clinicId)).toBe(true);
  });

  it('refuses a save without the session’s CSRF token (403) and changes nothing', async () => {
    const before = await get();
    const body = { personality: { ...before.personality, name: 'Hijacked' } };
    const bare = await fetch(`${backend.url}/api/agent`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.session.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(bare.status).toBe(403);
    expect((await put(body, admin, { 'x-csrf-token': 'x'.repeat(43) })).status).toBe(403);
    expect(await get()).toEqual(before);
    expect(events).toEqual([]);
  });

  it('answers bad input (malformed JSON, unknown fields, bad phone number, bad hours, oversized) with 4xx and changes nothing', async () => {
    const before = await get();
    const row = await storedRow();
    const p = before.personality;
    const cases: Array<[unknown, number, string]> = [
      ['{"personality":', 400, 'invalid_json'],
      [{ personality: p, extra: 1 }, 400, 'validation_failed'],
      [{ personality: { ...p, voiceSpeed: 2 } }, 400, 'validation_failed'],
      [{ personality: { ...p, transferNumber: '01632 960 961' } }, 400, 'validation_failed'],
      [{ personality: { ...p, transferNumber: '+44 20 7946 0958' } }, 400, 'validation_failed'],
      [{ personality: { ...p, transferNumber: '+1555' } }, 400, 'validation_failed'],
      // Transfers dial this number on the clinic's bill: never a premium-rate line.
      [{ personality: { ...p, transferNumber: '+19005550100' } }, 400, 'validation_failed'],
      [{ personality: { ...p, transferNumber: '+33142685300', allowedCountries: ['GB'] } }, 400, 'validation_failed'],
      [{ personality: { ...p, allowedCountries: ['gb'] } }, 400, 'validation_failed'],
      [{ personality: { ...p, allowedCountries: ['XX'] } }, 400, 'validation_failed'],
      [{ personality: { ...p, warmTransfer: { enabled: true, briefing: 'shout', message: 'Hi' } } }, 400, 'validation_failed'],
      [{ personality: { ...p, warmTransfer: { ...p.warmTransfer, message: '' } } }, 400, 'validation_failed'],
      [{ personality: { ...p, hours: { ...p.hours, monday: [{ open: '9:00', close: '17:00' }] } } }, 400, 'validation_failed'],
      [{ personality: { ...p, name: '' } }, 400, 'validation_failed'],
      [{ personality: { ...p, systemPrompt: 'x'.repeat(1_100_000) } }, 413, 'payload_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const res = await put(body);
      const answer = await json(res);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(status);
      expect(answer.error.code).toBe(code);
    }
    const phone = await json(await put({ personality: { ...p, transferNumber: '+44 20 7946 0958' } }));
    expect(phone.error.message).toContain('+442079460958');
    const premium = await json(await put({ personality: { ...p, transferNumber: '+19005550100' } }));
    expect(premium.error.details).toEqual([{ path: 'transferNumber', message: expect.stringMatching(/premium-rate/) }]);
    expect(await storedRow()).toEqual(row);
    expect(events).toEqual([]);
  });

  it('never lets one clinic read or change another clinic’s agent (IDOR)', async () => {
    const mine = await get();
    const intruder = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin', clinicName: 'Other Clinic' }));
    const theirs = await get(intruder);
    expect(theirs.personality.greeting).toContain('Other Clinic');
    expect(theirs.personality.greeting).not.toContain('Cedar Clinic');
    const res = await put({ personality: { ...theirs.personality, name: 'Intruder' } }, intruder);
    expect(res.status).toBe(200);
    expect(await get()).toEqual(mine);
    expect(events.every((e) => e.clinicId !== staff.clinicId)).toBe(true);
  });

  it('requires a signed-in user', async () => {
    expect((await fetch(`${backend.url}/api/agent`)).status).toBe(401);
    expect((await fetch(`${backend.url}/api/agent`, { method: 'PUT', body: '{}' })).status).toBe(401);
  });
});
