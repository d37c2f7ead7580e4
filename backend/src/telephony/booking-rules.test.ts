// What a booking made by the assistant may change and cost, through signed tool-calls webhooks against
// the real backend: never another patient's record, a capped number of bookings, and confirmation
// texts only to the calling number in the clinic's countries.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { callFrom, clinicWithAssistant, nextWeekday, postToolCalls, type AssistantClinic } from '../../test/support/assistant-calls.js';
import { eventually } from '../../test/support/eventually.js';
import { signIn } from '../../test/support/fixtures.js';
import { getAgent } from '../agent/agent-service.js';

const ALICE_PHONE = '+441614960101';

describe.each(databaseKinds())('booking rules on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let clinic: AssistantClinic;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { BOOKINGS_PER_CALL_MAX: '2', BOOKINGS_PER_CALLER_PER_DAY_MAX: '3' });
  });
  afterAll(async () => {
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await backend.telephony.sms.drain();
    await database.reset();
    backend.sandbox!.state.messages.length = 0;
    clinic = await clinicWithAssistant(database.db);
  });

  const texts = async () => {
    await backend.telephony.sms.drain();
    return backend.sandbox!.state.messages.filter((m) => m.direction === 'outbound-api');
  };
  const book = (from: string | undefined, id: string, args: Record<string, unknown>, ref = callFrom(clinic, from)) =>
    postToolCalls(backend, ref, [{ id, name: 'bookAppointment', arguments: args }]).then((answers) => answers[0]!);
  const bookings = () =>
    database.db.selectFrom('bookings').selectAll().where('clinic_id', '=', clinic.clinicId).orderBy('starts_at').execute();
  let slot = 0;
  /** A free weekday slot, a different one each time. */
  const at = () => {
    const n = slot++;
    return {
      date: nextWeekday(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'][n % 5]!),
      time: `${String(9 + Math.floor(n / 5)).padStart(2, '0')}:00`,
    };
  };

  it('attacker: a caller on a patient’s number books as “Mallory Impostor”: the patient keeps her name and gets no text', async () => {
    await database.db.insertInto('patients').values({ clinic_id: clinic.clinicId, phone: ALICE_PHONE, name: 'Alice Smith' }).execute();
    const answer = await book(ALICE_PHONE, 'mallory', { patientName: 'Mallory Impostor', ...at(), service: 'Check-up' });
    expect(answer).toMatchObject({ booked: true });
    expect(answer.message).toMatch(/front desk will confirm/);
    expect(answer.message).not.toMatch(/text/);

    const patients = await database.db.selectFrom('patients').select(['name', 'phone']).where('clinic_id', '=', clinic.clinicId).execute();
    expect(patients).toEqual([{ name: 'Alice Smith', phone: ALICE_PHONE }]);
    const [booking] = await bookings();
    expect(booking).toMatchObject({ patient_name: 'Mallory Impostor', patient_id: null, patient_phone: ALICE_PHONE });
    expect(booking!.review_reason).toBe('The caller gave the name “Mallory Impostor”, but this number is on file for “Alice Smith”.');
    expect(await texts()).toHaveLength(0);

    // The booking to review reaches the console as such (REST and the live event).
    const event = await database.db.selectFrom('events').select('data').where('kind', '=', 'booking.created').executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ booking: { reviewReason: booking!.review_reason } });
  });

  it('the same patient under a fuller or differently written name links to her record and is texted', async () => {
    const alice = await database.db
      .insertInto('patients')
      .values({ clinic_id: clinic.clinicId, phone: ALICE_PHONE, name: 'Alice Smith' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await book(ALICE_PHONE, 'alice', { patientName: 'alice margaret SMITH', ...at() });
    const [booking] = await bookings();
    expect(booking).toMatchObject({ patient_id: alice.id, review_reason: null });
    expect(await texts()).toHaveLength(1);
  });

  it('attacker: a third booking on one call is refused with a sentence the assistant can say', async () => {
    const call = callFrom(clinic, '+441614960202');
    expect(await book(undefined, 'one', { patientName: 'Dan Brown', ...at() }, call)).toMatchObject({ booked: true });
    expect(await book(undefined, 'two', { patientName: 'Eve Brown', ...at() }, call)).toMatchObject({ booked: true });
    const third = await book(undefined, 'three', { patientName: 'Fay Brown', ...at() }, call);
    expect(third).toEqual({ toolCallId: 'three', error: expect.stringMatching(/only book 2 appointments on one call/) });
    expect(await bookings()).toHaveLength(2);
    // A replay of a booking already made still answers with it: the cap is about new bookings.
    expect(await book(undefined, 'two', { patientName: 'Eve Brown', ...at() }, call)).toMatchObject({ booked: true });
    expect(await bookings()).toHaveLength(2);
  });

  it('attacker: one number books at most 3 a day over many calls, however they race', async () => {
    const answers = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((n) => book('+441614960303', `race-${n}`, { patientName: `Racer ${n.toUpperCase()}`, ...at() })),
    );
    expect(answers.filter((a) => a.booked === true)).toHaveLength(3);
    expect(answers.filter((a) => a.error)).toHaveLength(2);
    expect(answers.find((a) => a.error)!.error).toMatch(/as many appointments booked today/);
    expect(await bookings()).toHaveLength(3);
    // Another caller is not affected.
    expect(await book('+441614960404', 'other', { patientName: 'Gil Other', ...at() })).toMatchObject({ booked: true });
  });

  it('attacker: confirmation texts go only to the calling number, never to one the model supplies', async () => {
    const answer = await book('+441614960505', 'elsewhere', {
      patientName: 'Hal Green',
      ...at(),
      phoneNumber: '+33612345678',
      phone: '+12015550123',
    });
    expect(answer).toMatchObject({ booked: true });
    const sent = await texts();
    expect(sent.map((m) => m.to)).toEqual(['+441614960505']);
    const [booking] = await bookings();
    expect(booking).toMatchObject({ patient_phone: '+441614960505', notes: 'Contact number given on the call: +33612345678.' });
  });

  it('attacker: a caller from another country is booked but not texted, unless the clinic allows that country', async () => {
    const abroad = '+12015550123';
    expect(await book(abroad, 'us-1', { patientName: 'Ivy Blue', ...at() })).toMatchObject({ booked: true });
    expect(await texts()).toHaveLength(0);

    const { personality } = await getAgent(database.db, clinic.clinicId);
    await database.db
      .updateTable('agents')
      .set({ personality: JSON.stringify({ ...personality, allowedCountries: ['GB', 'US'] }) })
      .where('clinic_id', '=', clinic.clinicId)
      .execute();
    expect(await book(abroad, 'us-2', { patientName: 'Ivy Blue', ...at() })).toMatchObject({ booked: true });
    expect((await texts()).map((m) => m.to)).toEqual([abroad]);
  });

  it('a premium-rate caller is never texted, even from an allowed country', async () => {
    expect(await book('+449012345678', 'premium', { patientName: 'Jo Premium', ...at() })).toMatchObject({ booked: true });
    expect(await texts()).toHaveLength(0);
  });

  it.each(['service', 'reason', 'appointmentType', 'visitReason'])('takes the reason for the visit as `%s`', async (field) => {
    await book('+441614960606', `why-${field}`, { patientName: 'Kim Reason', ...at(), [field]: 'Flu jab' });
    const [booking] = await bookings();
    expect(booking!.service).toBe('Flu jab');
  });

  it('shows a booking to review in the console’s booking list', async () => {
    await database.db.insertInto('patients').values({ clinic_id: clinic.clinicId, phone: ALICE_PHONE, name: 'Alice Smith' }).execute();
    const when = at();
    await book(ALICE_PHONE, 'review', { patientName: 'Someone Else', ...when });
    const staff = await signIn(backend.url, clinic.staff);
    const listed = await eventually(async () => {
      const res = await staff.api(`/api/bookings?from=${when.date}&to=${when.date}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: Array<{ reviewReason: string | null }> };
      expect(body.items).toHaveLength(1);
      return body.items[0]!;
    });
    expect(listed.reviewReason).toMatch(/on file for “Alice Smith”/);
  });
});
