// How an "Ask the assistant to call back" call ended, on its work item: a call-back that booked the
// caller closes the item as "called back — booked", one the assistant finished successfully without a
// booking as "called back — no booking needed"; any other ending (no answer, hung up, transferred, an
// unsuccessful conversation) leaves the item as it is, with the call and how it ended on its history.
//
// Decided once the call's outcome is final (its report is in, or it ended unanswered), and exactly
// once per call: the cause key `callback-result:<call>` is inserted first, so a duplicated or
// reordered end-of-call webhook changes nothing more.
import type { CallOutcome, WorkItemOutcome } from '@voxanne/protocol';
import type { Db } from '../db/database.js';
import type { CallRow } from '../db/schema.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import { callSettled } from './missed-calls.js';
import { addHistory, emitChange } from './work-items.js';

const ENDINGS: Record<CallOutcome, string> = {
  booked: 'booked an appointment',
  answered: 'the caller answered, nothing was settled',
  transferred: 'transferred to the front desk',
  missed: 'no answer',
  abandoned: 'the caller hung up without a word',
  spam: 'marked as spam',
  failed: 'the call failed',
};

/** The item's outcome when the call settles it; undefined when the desk still has work to do. */
export function callbackOutcome(call: Pick<CallRow, 'outcome' | 'analysis'>): WorkItemOutcome | undefined {
  if (call.outcome === 'booked') return 'called_back_booked';
  const success = call.analysis?.successEvaluation;
  if (call.outcome === 'answered' && (success === true || success === 'true')) return 'called_back_no_booking';
  return undefined;
}

/** After a webhook about `providerCallId` was stored: applies a finished call-back to its item, once. */
export async function recordCallbackResult(deps: { db: Db; bus: LiveEventBus }, providerCallId: string): Promise<void> {
  await transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    const call = await tx.selectFrom('calls').selectAll().where('provider_call_id', '=', providerCallId).executeTakeFirst();
    if (!call || call.direction !== 'outbound' || !callSettled(call)) return;
    const started = await tx
      .selectFrom('work_item_history')
      .select('work_item_id')
      .where('call_id', '=', call.id)
      .where('clinic_id', '=', call.clinic_id)
      .where('action', '=', 'callback_started')
      .executeTakeFirst();
    if (!started) return;
    const first = await tx
      .insertInto('work_item_causes')
      .values({ clinic_id: call.clinic_id, cause_key: `callback-result:${call.id}`, work_item_id: started.work_item_id })
      .onConflict((oc) => oc.columns(['clinic_id', 'cause_key']).doNothing())
      .returning('cause_key')
      .executeTakeFirst();
    if (!first) return;
    const row = await tx.selectFrom('work_items').selectAll().where('id', '=', started.work_item_id).forUpdate().executeTakeFirst();
    if (!row) return;
    const outcome = callbackOutcome(call);
    const ending = `The assistant’s call-back: ${ENDINGS[call.outcome ?? 'failed']}.`;
    if (outcome && row.status !== 'done') {
      const now = new Date();
      const saved = await tx
        .updateTable('work_items')
        .set({ status: 'done', outcome, note: ending, done_by: null, done_at: now, updated_at: now })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await addHistory(tx, saved, 'done', { callId: call.id, outcome, note: ending });
      await emitChange(tx, events, saved, 'done');
      return;
    }
    const saved = await tx
      .updateTable('work_items')
      .set({ updated_at: new Date() })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await addHistory(tx, saved, 'callback_ended', { callId: call.id, note: ending });
    await emitChange(tx, events, saved, 'callback_ended');
  });
}
