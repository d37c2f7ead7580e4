// The work queue's follow-ups through the real backend and the sandbox's Twilio: the missed-call
// text-back (mobiles only, texting hours, STOP/START, once a number a clinic day, replies on the
// history, exactly once per item), the assistant's call-back settling its item whatever order its
// webhooks arrive in, and due times from the clinic's callback window.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClinicSettingsResponseSchema, WorkItemDetailResponseSchema, type WorkItemHistoryEntry } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { sandboxControl } from '../../test/support/sandbox-control.js';
import { endOfCallReport, postSigned, statusUpdate, type CallRef } from '../../test/support/vapi-fixtures.js';
import { callFrom, clinicWithAssistant, nextWeekday, postToolCalls, type AssistantClinic } from '../../test/support/assistant-calls.js';
import { updateClinicSettings } from '../compliance/clinic-settings.js';
import { insertPatient } from '../../test/support/call-fixtures.js';
import type { ClinicSettingsUpdate } from '@voxanne/protocol';

const MOBILE = '+447400123456';
const MOBILE_2 = '+447400123457';
const LANDLINE = '+442079460000';
const DEFAULT_TEXT = 'Sorry we missed your call — reply here or call us back.';

describe.each(databaseKinds())('work-queue follow-ups on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let clinic: AssistantClinic;
  let admin: SignedIn;
  let desk: SignedIn;
  let sentBefore: number;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    backend = await startTestBackend(database, { SANDBOX_TIME_SCALE: '100', AUTH_RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await backend?.sandbox?.idle();
    await backend?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await backend.sandbox!.idle();
    await backend.telephony.sms.drain();
    await database.reset();
    clinic = await clinicWithAssistant(database.db);
    admin = await signIn(backend.url, clinic.staff);
    desk = await signIn(backend.url, await addStaff(database.db, clinic.clinicId));
    sentBefore = backend.sandbox!.state.messages.length;
  });

  const post = (body: unknown) => postSigned(backend.url, backend.telephony.webhookAuth.secret, body);
  // Monday 7 January 2030, 10:00 in London (the clinics' time zone).
  const t0 = Date.parse('2030-01-07T10:00:00.000Z');
  const settings = (update: ClinicSettingsUpdate, clinicId = clinic.clinicId) => updateClinicSettings(database.db, clinicId, update);
  /** Texts the backend sent since the test began. */
  const texts = (to?: string) =>
    backend.sandbox!.state.messages.slice(sentBefore).filter((m) => m.direction === 'outbound-api' && (!to || m.to === to));
  const reply = async (from: string, body: string) => {
    const res = await sandboxControl(backend)('/sms/inbound', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from, body }),
    });
    expect(await json(res)).toMatchObject({ delivered: true });
  };
  /** An unanswered inbound call from `number` ended at `at`; waits for its text-back to be decided. */
  const missedCall = async (number: string, at = t0, target: AssistantClinic = clinic) => {
    expect((await post(statusUpdate(callFrom(target, number), 'ended', at, 'customer-did-not-answer'))).status).toBe(200);
    await backend.telephony.sms.drain();
  };
  const itemsOf = (clinicId = clinic.clinicId) =>
    database.db.selectFrom('work_items').selectAll().where('clinic_id', '=', clinicId).orderBy('created_at').execute();
  const historyOf = async (id: string, as: SignedIn = desk): Promise<WorkItemHistoryEntry[]> => {
    const res = await as.api(`/api/work-items/${id}`);
    expect(res.status).toBe(200);
    return WorkItemDetailResponseSchema.parse(await json(res)).history;
  };
  const steps = (history: WorkItemHistoryEntry[]) => history.map((h) => h.action);

  describe('the missed-call text-back', () => {
    it('is set by an administrator only, in the clinic’s settings', async () => {
      const change = JSON.stringify({ textBackEnabled: true, textBackFrom: '08:30', callbackWindowMinutes: 60 });
      expect((await desk.api('/api/clinic/settings', { method: 'PUT', body: change })).status).toBe(403);
      const noCsrf = await admin.api('/api/clinic/settings', { method: 'PUT', body: change, headers: { 'x-csrf-token': '' } });
      expect(noCsrf.status).toBe(403);
      const stranger = await signIn(backend.url, await createClinicWithStaff(database.db, { role: 'admin' }));
      expect((await stranger.api('/api/clinic/settings', { method: 'PUT', body: change })).status).toBe(200);
      const mine = ClinicSettingsResponseSchema.parse(await json(await desk.api('/api/clinic/settings'))).settings;
      expect(mine).toMatchObject({ textBackEnabled: false, textBackFrom: '09:00', callbackWindowMinutes: 120 });
      const saved = await admin.api('/api/clinic/settings', { method: 'PUT', body: change });
      expect(saved.status).toBe(200);
      expect(ClinicSettingsResponseSchema.parse(await json(saved)).settings).toMatchObject({
        textBackEnabled: true,
        textBackMessage: DEFAULT_TEXT,
        textBackFrom: '08:30',
        textBackUntil: '20:00',
        callbackWindowMinutes: 60,
      });
    });

    it('texts a missed mobile caller once, puts the text and their reply on the item, and not again that day', async () => {
      await missedCall(MOBILE_2);
      expect(texts()).toHaveLength(0); // off until an administrator turns it on
      await settings({ textBackEnabled: true });

      const ref = callFrom(clinic, MOBILE);
      const ended = statusUpdate(ref, 'ended', t0, 'customer-did-not-answer');
      for (let i = 0; i < 3; i++) expect((await post(ended)).status).toBe(200);
      await backend.telephony.sms.drain();
      expect(texts(MOBILE).map((m) => [m.body, m.from])).toEqual([[DEFAULT_TEXT, backend.sandbox!.platform.smsNumber]]);
      const item = (await itemsOf()).find((i) => i.caller_number === MOBILE);
      expect(steps(await historyOf(item!.id))).toEqual(['created', 'texted']);
      expect((await historyOf(item!.id))[1]!.note).toBe(DEFAULT_TEXT);

      await reply(MOBILE, 'Yes please, after 4 today');
      const history = await historyOf(item!.id);
      expect(history.at(-1)).toMatchObject({ action: 'text_reply', note: 'Yes please, after 4 today', staff: null });

      // Closed, then missed again the same day: new work, but the number has had its text today.
      expect((await desk.api(`/api/work-items/${item!.id}/claim`, { method: 'POST', body: '{}' })).status).toBe(200);
      const done = await desk.api(`/api/work-items/${item!.id}/done`, { method: 'POST', body: JSON.stringify({ outcome: 'no_answer' }) });
      expect(done.status).toBe(200);
      await missedCall(MOBILE, t0 + 3_600_000);
      const again = (await itemsOf()).find((i) => i.caller_number === MOBILE && i.status === 'open')!;
      expect(steps(await historyOf(again.id))).toEqual(['created', 'text_not_sent']);
      expect((await historyOf(again.id))[1]!.note).toMatch(/already texted today/);
      expect(texts(MOBILE)).toHaveLength(1);
    });

    it('texts mobiles only, within the texting hours, and never after STOP until START', async () => {
      await settings({ textBackEnabled: true, textBackMessage: 'Missed you! Reply or ring back.', textBackFrom: '10:30' });
      await missedCall(LANDLINE, t0 + 3_600_000);
      await missedCall(MOBILE, t0); // 10:00 in London: before the texting hours
      await missedCall(MOBILE, t0 + 13 * 3_600_000); // 23:00 (the same open item: joined, not texted)
      await reply(MOBILE_2, 'STOP');
      await missedCall(MOBILE_2, t0 + 3_600_000);
      expect(texts()).toHaveLength(0);
      const notes = async (number: string) => {
        const item = (await itemsOf()).find((i) => i.caller_number === number && i.status !== 'done')!;
        return (await historyOf(item.id)).filter((h) => h.action === 'text_not_sent').map((h) => h.note);
      };
      expect(await notes(LANDLINE)).toEqual(['No text sent: not a mobile number.']);
      expect(await notes(MOBILE)).toEqual(['No text sent: outside the texting hours (10:30–20:00).']);
      expect(await notes(MOBILE_2)).toEqual(['No text sent: the caller asked for no texts (STOP).']);

      // START: the next missed call (a new item once the first is closed) is texted.
      await reply(MOBILE_2, 'START');
      const stopped = (await itemsOf()).find((i) => i.caller_number === MOBILE_2)!;
      await database.db
        .updateTable('work_items')
        .set({ status: 'done', outcome: 'no_answer', done_at: new Date() })
        .where('id', '=', stopped.id)
        .execute();
      await missedCall(MOBILE_2, t0 + 2 * 3_600_000);
      expect(texts(MOBILE_2).map((m) => m.body)).toEqual(['Missed you! Reply or ring back.']);
    });

    it('keeps clinics apart: each clinic’s own setting, and a reply goes to the item that texted', async () => {
      const other = await clinicWithAssistant(database.db);
      await settings({ textBackEnabled: true });
      await missedCall(MOBILE, t0 + 3_600_000, other); // the other clinic has it off
      expect(texts()).toHaveLength(0);
      await missedCall(MOBILE, t0 + 3_600_000);
      expect(texts(MOBILE)).toHaveLength(1);
      await reply(MOBILE, 'Thanks');
      const [mine] = await itemsOf();
      const [theirs] = await itemsOf(other.clinicId);
      expect(steps(await historyOf(mine!.id))).toEqual(['created', 'texted', 'text_reply']);
      const theirDesk = await signIn(backend.url, other.staff);
      expect(steps(await historyOf(theirs!.id, theirDesk))).toEqual(['created']);
      expect((await desk.api(`/api/work-items/${theirs!.id}`)).status).toBe(404);
      // The other clinic turns it on: its own day's text to the same number is its own.
      await settings({ textBackEnabled: true }, other.clinicId);
      await database.db
        .updateTable('work_items')
        .set({ status: 'done', outcome: 'no_answer', done_at: new Date() })
        .where('id', '=', theirs!.id)
        .execute();
      await missedCall(MOBILE, t0 + 2 * 3_600_000, other);
      expect(texts(MOBILE)).toHaveLength(2);
    });

    it('is forgotten with the patient: an erasure clears the number, the text and the replies', async () => {
      const patient = await insertPatient(database.db, clinic.clinicId, 'Eleanor Vance', MOBILE);
      await settings({ textBackEnabled: true });
      await missedCall(MOBILE, t0 + 3_600_000);
      await reply(MOBILE, 'This is Eleanor, call me after 5');
      const [item] = await itemsOf();
      expect(steps(await historyOf(item!.id))).toEqual(['created', 'texted', 'text_reply']);
      expect((await admin.api(`/api/patients/${patient}`, { method: 'DELETE' })).status).toBe(204);
      expect((await itemsOf())[0]).toMatchObject({ id: item!.id, caller_number: null, patient_id: null, detail: null });
      expect((await historyOf(item!.id)).map((h) => [h.action, h.note])).toEqual([
        ['created', null],
        ['texted', null],
        ['text_reply', null],
      ]);
      const sms = await database.db.selectFrom('sms_messages').select(['to_number', 'body', 'day_key']).execute();
      expect(sms).toEqual([{ to_number: '', body: '(erased)', day_key: null }]);
    });

    it('sends exactly one text per item when two deliveries race', async () => {
      await missedCall(MOBILE, t0 + 3_600_000); // off: the item exists, untexted
      await settings({ textBackEnabled: true });
      const [item] = await itemsOf();
      const missedAt = new Date(t0 + 3_600_000);
      await Promise.all([
        backend.telephony.textBack.send(item!, missedAt),
        backend.telephony.textBack.send(item!, missedAt),
        backend.telephony.textBack.send(item!, missedAt),
      ]);
      expect(texts(MOBILE)).toHaveLength(1);
      const rows = await database.db.selectFrom('sms_messages').select(['status', 'work_item_id']).execute();
      expect(rows).toEqual([{ status: 'sent', work_item_id: item!.id }]);
      expect(steps(await historyOf(item!.id))).toEqual(['created', 'texted']);
    });
  });

  describe('the assistant’s call-back', () => {
    /** An item whose caller the assistant is calling back on `ref` (the call-back's history entry recorded as the API does). */
    async function callingBack(): Promise<{ itemId: string; ref: CallRef }> {
      const [taken] = await postToolCalls(backend, callFrom(clinic, MOBILE), [
        { id: randomUUID(), name: 'takeMessage', arguments: { reason: 'Wants an appointment' } },
      ]);
      expect(taken).toMatchObject({ taken: true });
      const [item] = await itemsOf();
      const ref: CallRef = { ...callFrom(clinic, MOBILE), type: 'outboundPhoneCall' };
      expect((await post(statusUpdate(ref, 'queued', t0))).status).toBe(200);
      const call = await database.db.selectFrom('calls').select('id').where('provider_call_id', '=', ref.id).executeTakeFirstOrThrow();
      await database.db
        .insertInto('work_item_history')
        .values({
          work_item_id: item!.id,
          clinic_id: clinic.clinicId,
          action: 'callback_started',
          call_id: call.id,
        })
        .execute();
      return { itemId: item!.id, ref };
    }
    const report = (ref: CallRef, success: boolean) => {
      const body = endOfCallReport(
        ref,
        {
          startedAt: new Date(t0).toISOString(),
          endedAt: new Date(t0 + 60_000).toISOString(),
          endedReason: 'customer-ended-call',
          summary: 'Called the patient back.',
          turns: [
            { role: 'bot', message: 'Hello, this is the clinic calling back.', time: t0, secondsFromStart: 0 },
            { role: 'user', message: 'Thanks, I am fine now.', time: t0 + 2000, secondsFromStart: 2 },
          ],
          structuredData: { callCategory: 'question' },
        },
        t0 + 61_000,
      );
      body.message.analysis.successEvaluation = success ? 'true' : 'false';
      return body;
    };

    it('closes the item as booked when the call-back booked, once, whatever order its end arrives in', async () => {
      const { itemId, ref } = await callingBack();
      const [booked] = await postToolCalls(backend, ref, [
        {
          id: randomUUID(),
          name: 'bookAppointment',
          arguments: { patientName: 'Ada Lovelace', date: nextWeekday('tuesday'), time: '10:00' },
        },
      ]);
      expect(booked).toMatchObject({ booked: true });
      const ended = statusUpdate(ref, 'ended', t0 + 60_000, 'customer-ended-call');
      for (const message of [report(ref, true), ended, report(ref, true), statusUpdate(ref, 'in-progress', t0), ended])
        expect((await post(message)).status).toBe(200);
      const [item] = await itemsOf();
      expect(item).toMatchObject({ status: 'done', outcome: 'called_back_booked', done_by: null });
      const history = await historyOf(itemId);
      expect(steps(history)).toEqual(['created', 'callback_started', 'done']);
      expect(history[2]).toMatchObject({ outcome: 'called_back_booked', callId: history[1]!.callId });
    });

    it('closes it as no booking needed when the assistant settled the call, even when the end arrives before the report', async () => {
      const { ref } = await callingBack();
      const ended = statusUpdate(ref, 'ended', t0 + 60_000, 'customer-ended-call');
      expect((await post(ended)).status).toBe(200);
      expect((await itemsOf())[0]!.status).toBe('open'); // nothing is final before the report
      expect((await post(report(ref, true))).status).toBe(200);
      expect((await post(report(ref, true))).status).toBe(200);
      expect((await itemsOf())[0]).toMatchObject({ status: 'done', outcome: 'called_back_no_booking' });
    });

    it('leaves the item open with the call on its history otherwise, once', async () => {
      const first = await callingBack();
      for (const message of [
        report(first.ref, false),
        report(first.ref, false),
        statusUpdate(first.ref, 'ended', t0 + 60_000, 'customer-ended-call'),
      ])
        expect((await post(message)).status).toBe(200);
      const [item] = await itemsOf();
      expect(item).toMatchObject({ status: 'open', outcome: null });
      const history = await historyOf(first.itemId);
      expect(steps(history)).toEqual(['created', 'callback_started', 'callback_ended']);
      expect(history[2]).toMatchObject({ callId: history[1]!.callId, note: expect.stringMatching(/nothing was settled/) });

      // Unanswered: final on its own, the report later adds nothing.
      const ref: CallRef = { ...callFrom(clinic, MOBILE), type: 'outboundPhoneCall' };
      expect((await post(statusUpdate(ref, 'queued', t0))).status).toBe(200);
      const call = await database.db.selectFrom('calls').select('id').where('provider_call_id', '=', ref.id).executeTakeFirstOrThrow();
      await database.db
        .insertInto('work_item_history')
        .values({ work_item_id: first.itemId, clinic_id: clinic.clinicId, action: 'callback_started', call_id: call.id })
        .execute();
      expect((await post(statusUpdate(ref, 'ended', t0 + 30_000, 'customer-did-not-answer'))).status).toBe(200);
      expect((await post(statusUpdate(ref, 'ended', t0 + 30_000, 'customer-did-not-answer'))).status).toBe(200);
      const after = await historyOf(first.itemId);
      expect(steps(after)).toEqual(['created', 'callback_started', 'callback_ended', 'callback_started', 'callback_ended']);
      expect(after[4]!.note).toMatch(/no answer/);
      expect((await itemsOf())[0]!.status).toBe('open');
    });
  });

  describe('due times', () => {
    it('promises callbacks within the clinic’s window and lists by priority, then due', async () => {
      await settings({ callbackWindowMinutes: 30 });
      await missedCall(MOBILE, t0 + 3_600_000);
      await missedCall(MOBILE_2, t0);
      await postToolCalls(backend, callFrom(clinic, LANDLINE), [{ id: randomUUID(), name: 'transferToFrontDesk', arguments: {} }]);
      const byNumber = new Map((await itemsOf()).map((i) => [i.caller_number, i]));
      expect(byNumber.get(MOBILE)!.due_at.getTime()).toBe(t0 + 3_600_000 + 30 * 60_000);
      expect(byNumber.get(MOBILE_2)!.due_at.getTime()).toBe(t0 + 30 * 60_000);
      const needsPerson = byNumber.get(LANDLINE)!;
      expect(needsPerson.kind).toBe('needs_person');
      expect(needsPerson.due_at.getTime() - needsPerson.created_at.getTime()).toBeGreaterThan(14 * 60_000); // fixed 15 minutes
      const res = await desk.api('/api/work-items');
      const listed = ((await json(res)) as { items: Array<{ callerNumber: string }> }).items.map((i) => i.callerNumber);
      expect(listed).toEqual([LANDLINE, MOBILE_2, MOBILE]);
    });
  });
});
