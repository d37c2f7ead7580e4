import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { createClinicWithStaff } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { eventually } from '../../test/support/eventually.js';
import type { CallRef } from '../../test/support/vapi-fixtures.js';
import {
  callFrom,
  clinicWithAssistant,
  nextWeekday as next,
  postToolCalls,
  type AssistantClinic,
} from '../../test/support/assistant-calls.js';
import { addDays, toInstant } from '../clinics/clinic-hours.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';

const TRANSFER_NUMBER = '+442079460999';

describe.each(databaseKinds())('assistant tools over tool-calls webhooks on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let clinic: AssistantClinic;

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
    clinic = await clinicWithAssistant(database.db, { transferNumber: TRANSFER_NUMBER });
  });

  const ref = (customerNumber = '+441614960777'): CallRef => callFrom(clinic, customerNumber);
  const call = (r: CallRef, calls: Parameters<typeof postToolCalls>[2]) => postToolCalls(backend, r, calls);
  const sms = () => backend.sandbox!.state.messages.filter((m) => m.direction === 'outbound-api');

  it('answers every tool call in call order, with arguments as an object or a JSON string; unusable calls get an error', async () => {
    const results = await call(ref(), [
      { id: 'first', name: 'lookupCaller', arguments: {} },
      { id: 'second', name: 'checkAvailability', arguments: JSON.stringify({ date: next('tuesday') }) },
      { id: 'third', name: 'noSuchTool', arguments: '{}' },
      { id: 'fourth', name: 'checkAvailability', arguments: '{not json' },
      { id: 'fifth', name: 'checkAvailability', arguments: '[1, 2]' },
      { id: 'sixth', name: 'checkAvailability', arguments: { date: next('tuesday') } },
    ]);
    expect(results.map((r) => r.toolCallId)).toEqual(['first', 'second', 'third', 'fourth', 'fifth', 'sixth']);
    expect(results[0]).toMatchObject({ onFile: false });
    expect(results[1]).toMatchObject({ date: next('tuesday'), freeSlots: expect.arrayContaining(['08:30', '09:00']) });
    expect(results[2]!.error).toMatch(/no tool called noSuchTool/);
    expect(results[3]!.error).toMatch(/not valid JSON/);
    expect(results[4]!.error).toMatch(/must be a JSON object/);
    expect(results[5]).toMatchObject({ date: next('tuesday') });
  });

  it('checkAvailability follows the clinic hours and leaves out booked times', async () => {
    const saturday = next('saturday');
    const [closed] = await call(ref(), [{ id: 'sat', name: 'checkAvailability', arguments: { date: saturday } }]);
    expect(closed).toMatchObject({ date: addDays(saturday, 2) }); // closed at weekends: Monday's slots instead
    expect(closed!.message).toMatch(/Nothing is free/);

    const monday = addDays(saturday, 2);
    await database.db
      .insertInto('bookings')
      .values({
        clinic_id: clinic.clinicId,
        patient_name: 'Existing Patient',
        starts_at: toInstant({ date: monday, time: '08:30' }, 'Europe/London'),
        ends_at: toInstant({ date: monday, time: '09:00' }, 'Europe/London'),
        status: 'confirmed',
      })
      .execute();
    const [open] = await call(ref(), [{ id: 'mon', name: 'checkAvailability', arguments: { date: monday } }]);
    expect(open!.freeSlots).not.toContain('08:30');
    expect((open!.freeSlots as string[])[0]).toBe('09:00');
    const [taken] = await call(ref(), [{ id: 'mon-830', name: 'checkAvailability', arguments: { date: monday, time: '08:30' } }]);
    expect(taken).toMatchObject({ available: false });
    const [free] = await call(ref(), [{ id: 'mon-1000', name: 'checkAvailability', arguments: { date: monday, time: '10:00' } }]);
    expect(free).toMatchObject({ available: true, time: '10:00' });
  });

  it('bookAppointment books once per tool call, never double-books, and texts the patient once', async () => {
    const tuesday = next('tuesday');
    const args = { patientName: 'Grace Hopper', date: tuesday, time: '11:00', service: 'Check-up' };
    const r = ref('+441614960101');
    const [first] = await call(r, [{ id: 'book-1', name: 'bookAppointment', arguments: args }]);
    expect(first).toMatchObject({ booked: true });
    const [replayed] = await call(r, [{ id: 'book-1', name: 'bookAppointment', arguments: JSON.stringify(args) }]);
    expect(replayed).toMatchObject({ booked: true, bookingId: first!.bookingId });

    const [clash] = await call(ref('+441614960202'), [
      { id: 'book-2', name: 'bookAppointment', arguments: { ...args, patientName: 'Alan Turing' } },
    ]);
    expect(clash).toMatchObject({ booked: false });
    expect(clash!.message).toMatch(/already booked/);
    expect(clash!.freeSlots).not.toContain('11:00');

    const bookings = await database.db.selectFrom('bookings').selectAll().where('clinic_id', '=', clinic.clinicId).execute();
    expect(bookings).toHaveLength(1);
    expect(bookings[0]).toMatchObject({
      patient_name: 'Grace Hopper',
      patient_phone: '+441614960101',
      status: 'pending',
      service: 'Check-up',
    });
    const event = await database.db.selectFrom('events').select('data').where('kind', '=', 'booking.created').executeTakeFirst();
    expect(event?.data).toMatchObject({ booking: { id: first!.bookingId, patientName: 'Grace Hopper' } });

    await backend.telephony.sms.drain();
    const sent = sms().filter((m) => m.to === '+441614960101');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatch(/^Hi Grace, your appointment at .+ is booked for Tuesday/);
  });

  it('refuses to book outside opening hours or in the past, with a reason the assistant can say', async () => {
    const [sunday] = await call(ref(), [
      { id: 'sun', name: 'bookAppointment', arguments: { patientName: 'A B', date: next('sunday'), time: '10:00' } },
    ]);
    expect(sunday).toMatchObject({ booked: false });
    expect(sunday!.message).toMatch(/not open/);
    const [noName] = await call(ref(), [{ id: 'noname', name: 'bookAppointment', arguments: { date: next('monday'), time: '10:00' } }]);
    expect(noName!.message).toMatch(/name/);
    expect(await database.db.selectFrom('bookings').select('id').execute()).toHaveLength(0);
  });

  it('respects a patient’s STOP: no confirmation text until they send START', async () => {
    const text = (body: string) =>
      sandboxControl(backend)('/sms/inbound', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '+441614960303', body }),
      });
    expect(await json(await text('STOP'))).toMatchObject({ delivered: true });

    const r = ref('+441614960303');
    const [booked] = await call(r, [
      { id: 'opt-1', name: 'bookAppointment', arguments: { patientName: 'Ada Lovelace', date: next('wednesday'), time: '09:30' } },
    ]);
    expect(booked).toMatchObject({ booked: true });
    await backend.telephony.sms.drain();
    expect(sms().filter((m) => m.to === '+441614960303')).toHaveLength(0);
    const logged = await database.db.selectFrom('sms_messages').select(['status']).where('to_number', '=', '+441614960303').execute();
    expect(logged).toEqual([{ status: 'skipped_opt_out' }]);

    await text('START');
    await call(r, [
      { id: 'opt-2', name: 'bookAppointment', arguments: { patientName: 'Ada Lovelace', date: next('wednesday'), time: '10:30' } },
    ]);
    await backend.telephony.sms.drain();
    expect(sms().filter((m) => m.to === '+441614960303')).toHaveLength(1);
  });

  it('refuses an inbound SMS webhook without a valid Twilio signature', async () => {
    const res = await fetch(`${backend.url}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body: new URLSearchParams({ From: '+441614960404', To: backend.sandbox!.platform.smsNumber, Body: 'STOP' }).toString(),
    });
    expect(res.status).toBe(401);
    expect(await database.db.selectFrom('sms_opt_outs').select('phone').execute()).toHaveLength(0);
  });

  it('lookupCaller recognises returning patients of this clinic only', async () => {
    await database.db
      .insertInto('patients')
      .values({ clinic_id: clinic.clinicId, phone: '+441614960505', name: 'Katherine Johnson' })
      .execute();
    const other = await createClinicWithStaff(database.db);
    await database.db
      .insertInto('patients')
      .values({ clinic_id: other.clinicId, phone: '+441614960606', name: 'Other Clinic Patient' })
      .execute();

    const [known] = await call(ref('+441614960505'), [{ id: 'who', name: 'lookupCaller', arguments: {} }]);
    expect(known).toMatchObject({ onFile: true, verified: false });
    const [stranger] = await call(ref('+441614960606'), [{ id: 'who-2', name: 'lookupCaller', arguments: {} }]);
    expect(stranger).toMatchObject({ onFile: false });
    expect(JSON.stringify(stranger)).not.toContain('Other Clinic Patient');
  });

  it('the booking shows up on the live stream and in the dashboard figures right away', async () => {
    await call(ref('+441614960808'), [
      { id: 'live', name: 'bookAppointment', arguments: { patientName: 'Mary Jackson', date: next('thursday'), time: '14:00' } },
    ]);
    const kinds = await eventually(async () => {
      const rows = await database.db.selectFrom('events').select('kind').where('clinic_id', '=', clinic.clinicId).orderBy('seq').execute();
      expect(rows.map((r) => r.kind)).toContain('booking.created');
      return rows.map((r) => r.kind);
    });
    expect(kinds).toContain('stats.changed');
  });
});
