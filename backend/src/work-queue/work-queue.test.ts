// The shared work queue end to end through the real backend: items raised by signed Vapi webhooks
// (missed calls, takeMessage, failed transfers, bookings to review) exactly once whatever the delivery
// order, and the staff actions over HTTP (claim races, refusals, other clinics, live events).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkItemDetailResponseSchema, WorkItemListResponseSchema, type LiveEventOf, type WorkItem } from '@voxanne/protocol';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.js';
import { addStaff, createClinicWithStaff, signIn, type SignedIn } from '../../test/support/fixtures.js';
import { json } from '../../test/support/http.js';
import { openLiveClient } from '../../test/support/live-client.js';
import { endOfCallReport, postSigned, statusUpdate, type CallRef } from '../../test/support/vapi-fixtures.js';
import { callFrom, clinicWithAssistant, nextWeekday, postToolCalls, type AssistantClinic } from '../../test/support/assistant-calls.js';
import { insertPatient } from '../../test/support/call-fixtures.js';

const CALLER = '+447700900123';
const OTHER = '+447700900456';

describe.each(databaseKinds())('the work queue on %s', (kind) => {
  let database: TestDatabase;
  let backend: TestBackend;
  let clinic: AssistantClinic;
  let alice: SignedIn;
  let bob: SignedIn;

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
    await database.reset();
    clinic = await clinicWithAssistant(database.db);
    const second = await addStaff(database.db, clinic.clinicId);
    await database.db.updateTable('staff').set({ name: 'Alice Admin' }).where('id', '=', clinic.staff.staffId).execute();
    await database.db.updateTable('staff').set({ name: 'Bob Desk' }).where('id', '=', second.staffId).execute();
    alice = await signIn(backend.url, clinic.staff);
    bob = await signIn(backend.url, second);
  });

  const post = (body: unknown) => postSigned(backend.url, backend.telephony.webhookAuth.secret, body);
  const t0 = Date.parse('2030-01-07T10:00:00.000Z');
  const hungUpReport = (
    ref: CallRef,
    turns: Array<{ role: 'bot' | 'user'; message: string }> = [{ role: 'bot', message: 'Hello, clinic.' }],
  ) =>
    endOfCallReport(
      ref,
      {
        startedAt: new Date(t0).toISOString(),
        endedAt: new Date(t0 + 4000).toISOString(),
        endedReason: 'customer-ended-call',
        summary: 'The caller hung up.',
        turns: turns.map((t, i) => ({ ...t, time: t0 + i * 1000, secondsFromStart: i })),
        structuredData: { callCategory: 'other' },
      },
      t0 + 5000,
    );
  const items = async () => database.db.selectFrom('work_items').selectAll().where('clinic_id', '=', clinic.clinicId).execute();
  const list = async (as: SignedIn, query = '') => {
    const res = await as.api(`/api/work-items${query}`);
    expect(res.status).toBe(200);
    return WorkItemListResponseSchema.parse(await json(res));
  };
  const act = (as: SignedIn, id: string, action: string, body?: unknown) =>
    as.api(`/api/work-items/${id}/${action}`, { method: 'POST', body: JSON.stringify(body ?? {}) });

  async function messageItem(reason = 'Please call about my prescription', from: string | undefined = CALLER): Promise<WorkItem> {
    const ref = callFrom(clinic, from);
    const [answer] = await postToolCalls(backend, ref, [{ id: randomUUID(), name: 'takeMessage', arguments: { reason } }]);
    expect(answer).toMatchObject({ taken: true });
    const found = (await list(alice)).items.find((i) => i.detail === reason);
    expect(found).toBeDefined();
    return found!;
  }

  describe('missed calls', () => {
    it('raises one item for a caller who hung up during the greeting, whatever order and however often the webhooks come', async () => {
      const ref = callFrom(clinic, CALLER);
      const messages = [
        statusUpdate(ref, 'ringing', t0 - 2000),
        statusUpdate(ref, 'ended', t0 + 4500, 'customer-ended-call'),
        hungUpReport(ref),
        statusUpdate(ref, 'in-progress', t0),
      ];
      // Ended before the report: who spoke is not known yet, so nothing is raised.
      expect((await post(messages[1])).status).toBe(200);
      expect(await items()).toHaveLength(0);
      for (const message of [messages[2], messages[3], messages[0], messages[2], messages[1]])
        expect((await post(message)).status).toBe(200);

      const stored = await items();
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ kind: 'missed_call', caller_number: CALLER, status: 'open', call_count: 1 });
      const causes = await database.db.selectFrom('work_item_causes').selectAll().where('clinic_id', '=', clinic.clinicId).execute();
      expect(causes.map((c) => c.cause_key)).toHaveLength(1);

      // A repeat call from the same number joins the open item.
      const again = callFrom(clinic, CALLER);
      await post(hungUpReport(again));
      await post(hungUpReport(again));
      const joined = await items();
      expect(joined).toHaveLength(1);
      expect(joined[0]!.call_count).toBe(2);
      const detail = WorkItemDetailResponseSchema.parse(await json(await alice.api(`/api/work-items/${joined[0]!.id}`)));
      expect(detail.history.map((h) => h.action)).toEqual(['created', 'joined']);

      // Once it is done, the next missed call of the day is new work.
      expect((await act(alice, joined[0]!.id, 'done', { outcome: 'no_answer' })).status).toBe(200);
      await post(hungUpReport(callFrom(clinic, CALLER)));
      expect((await items()).filter((i) => i.status === 'open')).toHaveLength(1);
    });

    it('raises nothing for a caller who spoke, or for an outbound call', async () => {
      await post(
        hungUpReport(callFrom(clinic, CALLER), [
          { role: 'bot', message: 'Hello, clinic.' },
          { role: 'user', message: 'Hi, I wanted to ask about opening hours.' },
        ]),
      );
      await post(hungUpReport({ ...callFrom(clinic, OTHER), type: 'outboundPhoneCall' }));
      expect(await items()).toHaveLength(0);
    });

    it('keeps unanswered calls from withheld numbers apart', async () => {
      await post(statusUpdate(callFrom(clinic, undefined), 'ended', t0, 'customer-did-not-answer'));
      await post(statusUpdate(callFrom(clinic, undefined), 'ended', t0, 'customer-did-not-answer'));
      expect((await items()).map((i) => i.kind)).toEqual(['missed_call', 'missed_call']);
    });
  });

  describe('takeMessage', () => {
    it('files the message under the calling number of this clinic, whatever the model says, once per tool call', async () => {
      const other = await createClinicWithStaff(database.db);
      const ref = callFrom(clinic, CALLER);
      const call = {
        id: randomUUID(),
        name: 'takeMessage',
        arguments: { reason: 'About my test results', callbackWindow: 'after 3pm', phoneNumber: OTHER, clinicId: other.clinicId },
      };
      const [first] = await postToolCalls(backend, ref, [call]);
      const [replayed] = await postToolCalls(backend, ref, [call]);
      expect(first).toMatchObject({ taken: true });
      expect(replayed).toMatchObject({ taken: true });
      const stored = await items();
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ kind: 'callback_requested', caller_number: CALLER });
      expect(stored[0]!.detail).toBe('About my test results (Best time to call back: after 3pm.)');
      expect(await database.db.selectFrom('work_items').selectAll().where('clinic_id', '=', other.clinicId).execute()).toHaveLength(0);
    });

    it('asks for a reason, caps messages per call and says when the number is withheld', async () => {
      const ref = callFrom(clinic, CALLER);
      const [empty] = await postToolCalls(backend, ref, [
        { id: randomUUID(), name: 'takeMessage', arguments: { callbackWindow: 'today' } },
      ]);
      expect(empty).toMatchObject({ taken: false });
      const answers = await postToolCalls(
        backend,
        ref,
        [1, 2, 3, 4].map((n) => ({ id: randomUUID(), name: 'takeMessage', arguments: { reason: `Message ${n}` } })),
      );
      expect(answers.slice(0, 3).every((a) => a.taken === true)).toBe(true);
      expect(answers[3]!.error).toMatch(/already has this caller’s message/);
      expect(await items()).toHaveLength(3);

      const [withheld] = await postToolCalls(backend, callFrom(clinic, undefined), [
        { id: randomUUID(), name: 'takeMessage', arguments: { reason: 'Call me on 07700 900999' } },
      ]);
      expect(withheld!.message).toMatch(/withheld/);
      expect((await items()).find((i) => i.detail === 'Call me on 07700 900999')!.caller_number).toBeNull();
    });
  });

  it('raises a needs-a-person item when the transfer fails, once', async () => {
    const ref = callFrom(clinic, CALLER);
    await postToolCalls(backend, ref, [{ id: randomUUID(), name: 'transferToFrontDesk', arguments: { callerAskedForStaff: true } }]);
    await postToolCalls(backend, ref, [{ id: randomUUID(), name: 'transferToFrontDesk', arguments: { callerAskedForStaff: true } }]);
    const stored = await items();
    expect(stored.map((i) => [i.kind, i.priority])).toEqual([['needs_person', 1]]);
  });

  it('raises a booking to review when the caller’s name differs from the patient on file', async () => {
    await insertPatient(database.db, clinic.clinicId, 'Ada Lovelace', CALLER);
    const [answer] = await postToolCalls(backend, callFrom(clinic, CALLER), [
      {
        id: randomUUID(),
        name: 'bookAppointment',
        arguments: { patientName: 'Grace Hopper', date: nextWeekday('tuesday'), time: '10:00' },
      },
    ]);
    expect(answer).toMatchObject({ booked: true });
    const stored = await items();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ kind: 'booking_review', priority: 3 });
    expect(stored[0]!.booking_id).toBeTruthy();
  });

  describe('over HTTP', () => {
    it('lists by priority and due time with counts, filters and pages', async () => {
      const a = await messageItem('first');
      const b = await messageItem('second');
      const ref = callFrom(clinic, OTHER);
      await postToolCalls(backend, ref, [{ id: randomUUID(), name: 'transferToFrontDesk', arguments: {} }]);
      const all = await list(alice);
      expect(all.items[0]!.kind).toBe('needs_person');
      expect(all.items.slice(1).map((i) => i.id)).toEqual([a.id, b.id]);
      expect(all.counts).toEqual({ total: 3, byKind: { missed_call: 0, callback_requested: 2, needs_person: 1, booking_review: 0 } });
      expect((await list(alice, '?kind=callback_requested')).items.map((i) => i.id)).toEqual([a.id, b.id]);

      const first = await list(alice, '?limit=2');
      expect(first.items).toHaveLength(2);
      const second = await list(alice, `?limit=2&cursor=${first.nextCursor}`);
      expect(second.items.map((i) => i.id)).toEqual([b.id]);
      expect(second.nextCursor).toBeNull();

      expect((await alice.api('/api/work-items?cursor=garbage')).status).toBe(400);
      expect((await alice.api('/api/work-items?kind=everything')).status).toBe(400);
      expect((await alice.api('/api/work-items?status=done')).status).toBe(200);
    });

    it('lets exactly one of two consoles claim an item at once, names the holder, and shows the claim live', async () => {
      const item = await messageItem();
      const live = await openLiveClient(backend.url, bob.session.accessToken);
      try {
        const [ra, rb] = await Promise.all([act(alice, item.id, 'claim'), act(bob, item.id, 'claim')]);
        const statuses = [ra.status, rb.status].sort();
        expect(statuses).toEqual([200, 409]);
        const loser = ra.status === 409 ? ra : rb;
        const winner = ra.status === 200 ? 'Alice Admin' : 'Bob Desk';
        expect((await json(loser)).error.message).toContain(`${winner} is already on this item`);

        const claimed = await live.until(
          () =>
            live
              .events()
              .filter((e): e is LiveEventOf<'work_item.changed'> => e.kind === 'work_item.changed')
              .find((e) => e.data.change === 'claimed' && e.data.item.id === item.id),
          10_000,
          'the claim on the live stream',
        );
        expect(claimed.data.item.claimedBy!.name).toBe(winner);
        expect(claimed.data.counts.total).toBe(1);
      } finally {
        await live.close();
      }
    });

    it('closes with a known outcome only, by the holder, and reopens', async () => {
      const item = await messageItem();
      expect((await act(alice, item.id, 'claim')).status).toBe(200);
      expect((await act(alice, item.id, 'claim')).status).toBe(200);
      expect((await act(bob, item.id, 'done', { outcome: 'no_answer' })).status).toBe(409);
      expect((await act(bob, item.id, 'release')).status).toBe(409);
      expect((await act(alice, item.id, 'done', {})).status).toBe(400);
      expect((await act(alice, item.id, 'done', { outcome: 'sorted' })).status).toBe(400);
      expect((await act(alice, item.id, 'done', { outcome: 'no_answer', extra: 1 })).status).toBe(400);
      expect((await items())[0]!.status).toBe('claimed');

      const taken = await act(bob, item.id, 'claim', { takeOver: true });
      expect(taken.status).toBe(200);
      expect((await json(taken)).item.claimedBy.name).toBe('Bob Desk');
      const done = await act(bob, item.id, 'done', { outcome: 'called_back_booked', note: 'Booked for Tuesday.' });
      expect(done.status).toBe(200);
      expect((await json(done)).item).toMatchObject({ status: 'done', outcome: 'called_back_booked', note: 'Booked for Tuesday.' });
      expect((await act(alice, item.id, 'claim')).status).toBe(409);
      expect((await act(alice, item.id, 'done', { outcome: 'no_answer' })).status).toBe(409);
      expect((await list(alice)).counts.total).toBe(0);

      const reopened = await act(alice, item.id, 'reopen');
      expect((await json(reopened)).item).toMatchObject({ status: 'open', outcome: null, claimedBy: null });
      const detail = WorkItemDetailResponseSchema.parse(await json(await alice.api(`/api/work-items/${item.id}`)));
      expect(detail.history.map((h) => [h.action, h.staff?.name ?? null])).toEqual([
        ['created', null],
        ['claimed', 'Alice Admin'],
        ['claimed', 'Bob Desk'],
        ['done', 'Bob Desk'],
        ['reopened', 'Alice Admin'],
      ]);
      expect(detail.history[3]).toMatchObject({ outcome: 'called_back_booked', note: 'Booked for Tuesday.' });
      // The outcome is in the activity log too; the note stays on the item.
      const logged = await database.db
        .selectFrom('audit_log')
        .select(['action', 'object_id', 'details'])
        .where('action', 'like', 'work_item.%')
        .orderBy('seq')
        .execute();
      expect(logged).toEqual([
        { action: 'work_item.done', object_id: item.id, details: { outcome: 'called_back_booked' } },
        { action: 'work_item.reopened', object_id: item.id, details: null },
      ]);
    });

    it('answers 404 for another clinic’s items and refuses writes without the CSRF token', async () => {
      const item = await messageItem();
      const stranger = await signIn(backend.url, await createClinicWithStaff(database.db));
      expect((await stranger.api(`/api/work-items/${item.id}`)).status).toBe(404);
      for (const action of ['claim', 'release', 'reopen', 'callback']) expect((await act(stranger, item.id, action)).status).toBe(404);
      expect((await act(stranger, item.id, 'done', { outcome: 'no_answer' })).status).toBe(404);
      expect((await list(stranger)).items).toHaveLength(0);
      expect((await alice.api('/api/work-items/not-a-uuid')).status).toBe(404);
      const noCsrf = await alice.api(`/api/work-items/${item.id}/claim`, { method: 'POST', body: '{}', headers: { 'x-csrf-token': '' } });
      expect(noCsrf.status).toBe(403);
      expect((await items())[0]!.status).toBe('open');
    });

    it('has the assistant call the caller back, and refuses a withheld number', async () => {
      const admin = alice;
      const { personality } = await json(await admin.api('/api/agent'));
      expect((await admin.api('/api/agent', { method: 'PUT', body: JSON.stringify({ personality }) })).status).toBe(200);
      // Saving synced the assistant to the (simulated) platform under a new id: calls now come from it.
      const agent = await database.db
        .selectFrom('agents')
        .select('provider_assistant_id')
        .where('clinic_id', '=', clinic.clinicId)
        .executeTakeFirstOrThrow();
      clinic = { ...clinic, assistantId: agent.provider_assistant_id! };
      // A number the assistant may ring (an ordinary UK mobile).
      const item = await messageItem('Please call back', '+447911123456');
      const res = await act(bob, item.id, 'callback');
      expect(res.status, await res.clone().text()).toBe(202);
      const { callId, item: after } = await json(res);
      expect(after).toMatchObject({ status: 'claimed', claimedBy: { name: 'Bob Desk' } });
      const call = await database.db.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirstOrThrow();
      expect(call).toMatchObject({ direction: 'outbound', caller_number: '+447911123456', clinic_id: clinic.clinicId });
      const detail = WorkItemDetailResponseSchema.parse(await json(await bob.api(`/api/work-items/${item.id}`)));
      expect(detail.history.at(-1)).toMatchObject({ action: 'callback_started', callId });
      // Someone else's item is theirs to call back.
      expect((await act(alice, item.id, 'callback')).status).toBe(409);

      const withheld = await messageItem('No number', undefined);
      expect((await act(alice, withheld.id, 'callback')).status).toBe(400);
    });
  });
});
