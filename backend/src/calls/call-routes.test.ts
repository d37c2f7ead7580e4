import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallDetailSchema, CallListResponseSchema, type CallSummary } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn, type TestStaff } from '../../test/support/fixtures.js';
import { insertBooking, insertCall, insertPatient } from '../../test/support/call-fixtures.js';
import { json } from '../../test/support/http.js';

describe.each(databaseKinds())('call history over HTTP on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let staff: TestStaff;
  let desk: SignedIn;

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
    staff = await createClinicWithStaff(database.db, { timeZone: 'Europe/London' });
    desk = await signIn(backend.url, staff);
  });

  const list = async (query: Record<string, string | number> = {}, as = desk) => {
    const res = await as.api(`/api/calls?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`);
    return { status: res.status, body: await json(res) };
  };

  it('pages through every call newest first with a stable cursor, even for calls created in the same instant', async () => {
    const sameInstant = new Date('2030-01-10T10:00:00.123Z');
    const ids: string[] = [];
    // Four calls share one timestamp exactly (the id breaks the tie) ...
    for (let i = 0; i < 4; i++) ids.push(await insertCall(database.db, staff.clinicId, { created_at: sameInstant }));
    // ... three more fall in the same millisecond, microseconds apart: a cursor rounded to
    // milliseconds would repeat or skip them.
    for (let i = 1; i <= 3; i++) {
      const id = await insertCall(database.db, staff.clinicId, { created_at: sameInstant });
      await sql`update calls set created_at = created_at + make_interval(secs => ${i * 100} / 1e6) where id = ${id}`.execute(database.db);
      ids.push(id);
    }
    for (let i = 1; i <= 5; i++) {
      ids.push(await insertCall(database.db, staff.clinicId, { created_at: new Date(sameInstant.getTime() + i * 60_000) }));
    }

    const seen: CallSummary[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await list({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(status).toBe(200);
      const page = CallListResponseSchema.parse(body);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    expect(new Set(seen.map((c) => c.id))).toEqual(new Set(ids));
    expect(seen).toHaveLength(12);
    const times = seen.map((c) => c.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('shows front desk only the last three digits of callers’ numbers in the list, the whole number on the call; admins all', async () => {
    const id = await insertCall(database.db, staff.clinicId, { caller_number: '+447911123456' });
    const raw = await insertCall(database.db, staff.clinicId, { caller_number: null, caller_number_raw: '0791 112 3999' });
    const { body } = await list();
    const byId = new Map(CallListResponseSchema.parse(body).items.map((c) => [c.id, c]));
    expect(byId.get(id)?.callerNumber).toBe('…456');
    expect(byId.get(raw)).toMatchObject({ callerNumber: null, callerNumberRaw: '…999' });
    expect(JSON.stringify(body)).not.toContain('7911123');
    expect(CallDetailSchema.parse(await json(await desk.api(`/api/calls/${id}`))).callerNumber).toBe('+447911123456');

    const admin = await signIn(backend.url, await addStaff(database.db, staff.clinicId, 'admin'));
    const asAdmin = CallListResponseSchema.parse((await list({}, admin)).body);
    expect(asAdmin.items.find((c) => c.id === id)?.callerNumber).toBe('+447911123456');
    expect(asAdmin.items.find((c) => c.id === raw)?.callerNumberRaw).toBe('0791 112 3999');
  });

  it('searches the caller’s number (as typed), the patient’s name and the summary', async () => {
    const patient = await insertPatient(database.db, staff.clinicId, 'Eleanor Rigby', '+447911123456');
    const byName = await insertCall(database.db, staff.clinicId, {
      patient_id: patient,
      caller_number: '+447911123456',
      summary: 'Asked about parking.',
    });
    const bySummary = await insertCall(database.db, staff.clinicId, {
      caller_number: '+442079460958',
      summary: 'Wants a flu vaccination appointment (50% off?)',
    });
    await insertCall(database.db, staff.clinicId, { caller_number: '+14155552671', summary: 'Wrong number.' });

    const ids = async (q: string) => (await list({ q })).body.items.map((c: CallSummary) => c.id);
    expect(await ids('rigby')).toEqual([byName]);
    expect(await ids('FLU VACC')).toEqual([bySummary]);
    expect(await ids('+44 7911 123')).toEqual([byName]);
    expect(await ids('07911 123456')).toEqual([byName]);
    expect(await ids('020 7946')).toEqual([bySummary]);
    expect(await ids('50%')).toEqual([bySummary]);
    expect(await ids('%')).toEqual([bySummary]); // the literal percent sign, not a wildcard
    expect(await ids('_')).toEqual([]);
    expect((await list({ q: 'rigby' })).body.items[0].patientName).toBe('Eleanor Rigby');
  });

  it('filters by status, direction, outcome and calendar days in the clinic’s time zone', async () => {
    // London is on BST (UTC+1) in July: 23:30Z on the 1st is already the 2nd locally.
    const lateFirst = await insertCall(database.db, staff.clinicId, { created_at: new Date('2030-07-01T22:30:00Z'), outcome: 'booked' });
    const second = await insertCall(database.db, staff.clinicId, { created_at: new Date('2030-07-01T23:30:00Z'), outcome: 'missed' });
    const third = await insertCall(database.db, staff.clinicId, {
      created_at: new Date('2030-07-03T10:00:00Z'),
      direction: 'outbound',
      status: 'in-progress',
      outcome: null,
    });
    const ids = async (query: Record<string, string>) => (await list(query)).body.items.map((c: CallSummary) => c.id);
    expect(await ids({ from: '2030-07-02', to: '2030-07-02' })).toEqual([second]);
    expect(await ids({ to: '2030-07-01' })).toEqual([lateFirst]);
    expect(await ids({ from: '2030-07-02' })).toEqual([third, second]);
    expect(await ids({ status: 'in-progress' })).toEqual([third]);
    expect(await ids({ direction: 'outbound' })).toEqual([third]);
    expect(await ids({ outcome: 'booked' })).toEqual([lateFirst]);
    expect(await ids({ outcome: 'missed', from: '2030-07-01', to: '2030-07-03' })).toEqual([second]);
  });

  it('answers a bad query with a 400 naming the field', async () => {
    for (const [query, field] of [
      [{ status: 'on-hold' }, 'status'],
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ from: '2030-13-01' }, 'from'],
      [{ from: '2030-07-03', to: '2030-07-01' }, 'to'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [
        { cursor: Buffer.from(JSON.stringify({ at: "x'; drop table calls; --", id: crypto.randomUUID() })).toString('base64url') },
        'cursor',
      ],
      [{ sort: 'name' }, '(root)'],
    ] as const) {
      const { status, body } = await list(query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.details[0].path).toBe(field);
    }
  });

  it('shows one call in full: timeline, transcript, analysis, recording and its bookings', async () => {
    const callId = await insertCall(database.db, staff.clinicId, {
      started_at: new Date('2030-02-01T09:00:05Z'),
      ended_at: new Date('2030-02-01T09:03:05Z'),
      duration_seconds: 180,
      ended_reason: 'customer-ended-call',
      outcome: 'booked',
      summary: 'Booked a check-up.',
      recording_url: 'https://recordings.example.test/call.wav',
      cost_usd: 0.21,
      analysis: JSON.stringify({ successEvaluation: 'true', structuredData: { service: 'check-up' } }),
    });
    await database.db
      .insertInto('call_status_changes')
      .values([
        { call_id: callId, clinic_id: staff.clinicId, status: 'ended', at: new Date('2030-02-01T09:03:05Z') },
        { call_id: callId, clinic_id: staff.clinicId, status: 'ringing', at: new Date('2030-02-01T09:00:00Z') },
        { call_id: callId, clinic_id: staff.clinicId, status: 'in-progress', at: new Date('2030-02-01T09:00:05Z') },
      ])
      .execute();
    await database.db
      .insertInto('transcript_segments')
      .values([
        {
          call_id: callId,
          clinic_id: staff.clinicId,
          speaker: 'caller',
          text: 'I need a check-up.',
          offset_seconds: 4,
          at: new Date('2030-02-01T09:00:10Z'),
          dedupe_key: 'b',
        },
        {
          call_id: callId,
          clinic_id: staff.clinicId,
          speaker: 'assistant',
          text: 'Hello, how can I help?',
          offset_seconds: 1,
          at: new Date('2030-02-01T09:00:06Z'),
          dedupe_key: 'a',
        },
      ])
      .execute();
    const bookingId = await insertBooking(database.db, staff.clinicId, {
      call_id: callId,
      patient_name: 'Sam Carter',
      starts_at: new Date('2030-02-03T10:00:00Z'),
      ends_at: new Date('2030-02-03T10:30:00Z'),
    });

    const res = await desk.api(`/api/calls/${callId}`);
    expect(res.status).toBe(200);
    const call = CallDetailSchema.parse(await json(res));
    expect(call).toMatchObject({
      id: callId,
      outcome: 'booked',
      durationSeconds: 180,
      endedReason: 'customer-ended-call',
      recordingUrl: 'https://recordings.example.test/call.wav',
      costUsd: 0.21,
      analysis: { successEvaluation: 'true', structuredData: { service: 'check-up' } },
      bookings: [{ id: bookingId, patientName: 'Sam Carter', startsAt: '2030-02-03T10:00:00.000Z', status: 'pending' }],
    });
    expect(call.timeline.map((t) => ('status' in t ? t.status : 'incident' in t ? t.incident : t.action))).toEqual([
      'ringing',
      'in-progress',
      'ended',
    ]);
    expect(call.transcript.map((s) => s.speaker)).toEqual(['assistant', 'caller']);
  });

  it('answers 404 for an unknown or malformed call id', async () => {
    expect((await desk.api(`/api/calls/${crypto.randomUUID()}`)).status).toBe(404);
    const res = await desk.api('/api/calls/1%20or%201=1');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
  });

  it('never shows one clinic’s calls to another clinic (IDOR)', async () => {
    const mine = await insertCall(database.db, staff.clinicId, { summary: 'Private matter' });
    const other = await signIn(backend.url, await createClinicWithStaff(database.db));
    const res = await other.api(`/api/calls/${mine}`);
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
    expect((await list({}, other)).body.items).toEqual([]);
    expect((await list({ q: 'Private' }, other)).body.items).toEqual([]);
  });

  it('requires a signed-in user', async () => {
    expect((await fetch(`${backend.url}/api/calls`)).status).toBe(401);
    expect((await fetch(`${backend.url}/api/calls/${crypto.randomUUID()}`)).status).toBe(401);
  });
});
