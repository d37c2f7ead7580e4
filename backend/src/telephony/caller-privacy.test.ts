// What the assistant may tell a caller about a patient, through signed tool-calls webhooks against the
// real backend: only the calling number's own record, and nothing but (at most) a first name until
// the caller confirms the date of birth on file, or the full name where there is none.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import {
  callFrom,
  clinicWithAssistant,
  nextWeekday,
  postToolCalls,
  type AssistantClinic,
  type ToolAnswer,
} from '../../test/support/assistant-calls.js';
import type { CallRef } from '../../test/support/vapi-fixtures.js';
import { toInstant } from '../clinics/clinic-hours.js';
import { ASSISTANT_TOOLS } from './assistant-config.js';
import { MAX_FAILED_CHECKS_PER_CALL, MAX_FAILED_CHECKS_PER_PATIENT_PER_DAY } from './caller-identity.js';

const ALICE = { phone: '+441614960101', name: 'Alice Margaret Smith', dateOfBirth: '1961-04-12' };
const BOB = { phone: '+441614960202', name: 'Bob Jones' };
const MALLORY_PHONE = '+441614960666';

describe.each(databaseKinds())('caller privacy on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let clinic: AssistantClinic;
  let alice: string;

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
    clinic = await clinicWithAssistant(database.db);
    const db = database.db;
    alice = (
      await db
        .insertInto('patients')
        .values({ clinic_id: clinic.clinicId, phone: ALICE.phone, name: ALICE.name, date_of_birth: ALICE.dateOfBirth })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const bob = await db
      .insertInto('patients')
      .values({ clinic_id: clinic.clinicId, phone: BOB.phone, name: BOB.name })
      .returning('id')
      .executeTakeFirstOrThrow();
    const monday = nextWeekday('monday');
    await db
      .insertInto('bookings')
      .values([
        {
          clinic_id: clinic.clinicId,
          patient_id: alice,
          patient_name: ALICE.name,
          service: 'Smear test',
          starts_at: toInstant({ date: monday, time: '10:00' }, 'Europe/London'),
          ends_at: toInstant({ date: monday, time: '10:30' }, 'Europe/London'),
          status: 'confirmed',
        },
        {
          clinic_id: clinic.clinicId,
          patient_id: bob.id,
          patient_name: BOB.name,
          service: 'Blood test',
          starts_at: toInstant({ date: monday, time: '11:00' }, 'Europe/London'),
          ends_at: toInstant({ date: monday, time: '11:30' }, 'Europe/London'),
          status: 'confirmed',
        },
      ])
      .execute();
  });

  const lookup = async (ref: CallRef, id: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> =>
    (await postToolCalls(backend, ref, [{ id, name: 'lookupCaller', arguments: args }]))[0]!;
  /** Whatever a caller could learn: the answer as the model reads it. */
  const said = (answer: ToolAnswer) => JSON.stringify(answer);

  it('the tool takes no phone number: the model cannot ask about anyone else', () => {
    const tool = ASSISTANT_TOOLS.find((t) => t.function.name === 'lookupCaller')!;
    expect(Object.keys(tool.function.parameters.properties)).toEqual(['dateOfBirth', 'fullName']);
  });

  it('attacker: "check my mother’s appointment on +44…" answers for the calling number only', async () => {
    const mallory = callFrom(clinic, MALLORY_PHONE);
    const answer = await lookup(mallory, 'mum', { phoneNumber: ALICE.phone, phone: ALICE.phone, dateOfBirth: ALICE.dateOfBirth });
    expect(answer).toMatchObject({ onFile: false });
    for (const secret of ['Alice', 'Smith', 'Smear', ALICE.dateOfBirth, ALICE.phone]) expect(said(answer)).not.toContain(secret);
    // Nothing about the call changed either: it is not linked to Alice, nor verified as her.
    const call = await database.db
      .selectFrom('calls')
      .select(['patient_id', 'verified_patient_id'])
      .where('provider_call_id', '=', mallory.id)
      .executeTakeFirstOrThrow();
    expect(call).toEqual({ patient_id: null, verified_patient_id: null });
  });

  it('attacker with a spoofed caller ID: a first name at most until the date of birth matches', async () => {
    const spoofed = callFrom(clinic, ALICE.phone);
    const first = await lookup(spoofed, 'hello');
    expect(first).toMatchObject({ onFile: true, verified: false, firstName: 'Alice' });
    for (const secret of ['Margaret', 'Smith', 'Smear', 'Monday', 'nextAppointment', ALICE.dateOfBirth]) {
      expect(said(first)).not.toContain(secret);
    }
    // The full name is no proof while a date of birth is on file, and a wrong date is refused.
    const byName = await lookup(spoofed, 'name', { fullName: ALICE.name });
    expect(byName).toMatchObject({ verified: false });
    const wrong = await lookup(spoofed, 'guess', { dateOfBirth: '1961-04-13', fullName: ALICE.name });
    expect(wrong).toMatchObject({ verified: false, attemptsLeft: MAX_FAILED_CHECKS_PER_CALL - 1 });
    for (const secret of ['Smith', 'Smear', ALICE.dateOfBirth]) expect(said(wrong)).not.toContain(secret);
  });

  it('the real patient confirms her date of birth and hears her next appointment', async () => {
    const call = callFrom(clinic, ALICE.phone);
    const verified = await lookup(call, 'dob', { dateOfBirth: ALICE.dateOfBirth });
    expect(verified).toMatchObject({ onFile: true, verified: true, patientName: ALICE.name, nextAppointment: expect.any(String) });
    expect(verified.message).toMatch(/Smear test/);
    // Remembered on the call: the next lookup needs no proof again, and staff can see who was verified.
    expect(await lookup(call, 'again')).toMatchObject({ verified: true });
    const stored = await database.db
      .selectFrom('calls')
      .select('verified_patient_id')
      .where('provider_call_id', '=', call.id)
      .executeTakeFirstOrThrow();
    expect(stored.verified_patient_id).toBe(alice);
  });

  it('without a date of birth on file, the full name is the proof, so not even the first name is given first', async () => {
    const call = callFrom(clinic, BOB.phone);
    const first = await lookup(call, 'hello');
    expect(first).toMatchObject({ onFile: true, verified: false });
    expect(first).not.toHaveProperty('firstName');
    expect(said(first)).not.toContain('Bob');
    expect(first.message).toMatch(/full name/);
    expect(await lookup(call, 'wrong', { fullName: 'Robert Jones' })).toMatchObject({ verified: false });
    expect(await lookup(call, 'right', { fullName: '  bob   JONES ' })).toMatchObject({ verified: true, patientName: BOB.name });
  });

  it(`attacker guessing: ${MAX_FAILED_CHECKS_PER_CALL} wrong dates end checks for the call, even the right one after`, async () => {
    const call = callFrom(clinic, ALICE.phone);
    for (let i = 0; i < MAX_FAILED_CHECKS_PER_CALL; i++) {
      expect(await lookup(call, `guess-${i}`, { dateOfBirth: `1970-01-0${i + 1}` })).toMatchObject({ verified: false });
    }
    const locked = await lookup(call, 'right-too-late', { dateOfBirth: ALICE.dateOfBirth });
    expect(locked.error).toMatch(/can’t confirm the caller’s identity/);
    expect(said(locked)).not.toContain('Smear');
    const checks = await database.db.selectFrom('identity_checks').select('passed').execute();
    expect(checks.filter((c) => !c.passed)).toHaveLength(MAX_FAILED_CHECKS_PER_CALL);
  });

  it(`attacker calling again and again: ${MAX_FAILED_CHECKS_PER_PATIENT_PER_DAY} wrong dates a day lock the patient’s record`, async () => {
    let failures = 0;
    while (failures < MAX_FAILED_CHECKS_PER_PATIENT_PER_DAY) {
      const call = callFrom(clinic, ALICE.phone);
      for (let i = 0; i < 2 && failures < MAX_FAILED_CHECKS_PER_PATIENT_PER_DAY; i++, failures++) {
        await lookup(call, `guess-${failures}`, { dateOfBirth: '1999-09-09' });
      }
    }
    const fresh = await lookup(callFrom(clinic, ALICE.phone), 'new-call', { dateOfBirth: ALICE.dateOfBirth });
    expect(fresh.error).toMatch(/can’t confirm/);
  });

  it('a withheld number looks nothing up', async () => {
    const answer = await lookup(callFrom(clinic, undefined), 'withheld', { dateOfBirth: ALICE.dateOfBirth, fullName: ALICE.name });
    expect(answer).toMatchObject({ onFile: false });
    expect(answer.message).toMatch(/withheld/);
    expect(said(answer)).not.toContain('Smith');
  });

  it('a booking stores the date of birth of a new patient, and never overwrites one on file', async () => {
    const tuesday = nextWeekday('tuesday');
    const newcomer = callFrom(clinic, '+441614960303');
    await postToolCalls(backend, newcomer, [
      {
        id: 'book-new',
        name: 'bookAppointment',
        arguments: { patientName: 'Carol White', date: tuesday, time: '09:00', dateOfBirth: '1990-02-28' },
      },
    ]);
    const carol = await database.db
      .selectFrom('patients')
      .select(['name', 'date_of_birth'])
      .where('phone', '=', '+441614960303')
      .executeTakeFirstOrThrow();
    expect(carol).toEqual({ name: 'Carol White', date_of_birth: '1990-02-28' });

    // Someone on Alice's number books under her name with another date of birth: her record stays,
    // and the booking is marked for the front desk to review.
    const [booked] = await postToolCalls(backend, callFrom(clinic, ALICE.phone), [
      {
        id: 'book-alice',
        name: 'bookAppointment',
        arguments: { patientName: 'Alice Smith', date: tuesday, time: '10:00', dateOfBirth: '1980-01-01' },
      },
    ]);
    expect(booked).toMatchObject({ booked: true });
    const stored = await database.db.selectFrom('patients').select('date_of_birth').where('id', '=', alice).executeTakeFirstOrThrow();
    expect(stored.date_of_birth).toBe(ALICE.dateOfBirth);
    const booking = await database.db
      .selectFrom('bookings')
      .select('review_reason')
      .where('id', '=', booked!.bookingId as string)
      .executeTakeFirstOrThrow();
    expect(booking.review_reason).toMatch(/date of birth/);
    expect(booking.review_reason).not.toContain('1961');
  });
});
