// Missed calls become work items: an inbound call nobody answered, that failed, or whose caller hung
// up without a word (before or during the greeting). One item per calling number per clinic day;
// repeat calls join the open item (work-items.ts).
//
// Decided from the stored call, after each status update or report was stored, so it does not matter
// which of them arrives first: only facts that later webhooks cannot overturn count. "Nobody spoke"
// is only known once the report's transcript is in, and a call with no start yet may still start
// (its in-progress update can arrive after the end), so those wait for the report; an ended reason
// that says nobody answered is final on its own.
import type { Db } from '../db/database.js';
import type { CallRow, WorkItemRow } from '../db/schema.js';
import type { LiveEventBus } from '../live/event-bus.js';
import { transactionWithEvents } from '../live/event-log.js';
import { raiseWorkItem } from './work-items.js';

const UNANSWERED_REASONS = new Set(['customer-did-not-answer', 'customer-busy', 'voicemail', 'twilio-failed-to-connect-call']);

/** Whether an ended call's outcome is final: its report is in, or it ended unanswered (no later webhook changes that). */
export function callSettled(call: Pick<CallRow, 'status' | 'report_received_at' | 'ended_reason'>): boolean {
  if (call.status !== 'ended') return false;
  return call.report_received_at !== null || UNANSWERED_REASONS.has(call.ended_reason ?? '');
}

export function isMissedCall(
  call: Pick<CallRow, 'status' | 'is_test' | 'direction' | 'outcome' | 'report_received_at' | 'ended_reason'>,
): boolean {
  if (call.is_test || call.direction !== 'inbound') return false;
  if (call.outcome !== 'missed' && call.outcome !== 'abandoned' && call.outcome !== 'failed') return false;
  return callSettled(call);
}

const TITLES: Record<string, string> = {
  missed: 'Missed call',
  abandoned: 'Caller hung up without speaking',
  failed: 'Call failed',
};

/**
 * Raises (or joins) the missed-call item of a stored call, when it is one; a no-op otherwise and on a
 * replay. Returns a newly created item (not a repeat call joining one), with when the call was missed.
 */
export async function recordMissedCall(
  deps: { db: Db; bus: LiveEventBus },
  providerCallId: string,
): Promise<{ item: WorkItemRow; missedAt: Date } | undefined> {
  return transactionWithEvents(deps.db, deps.bus, async (tx, events) => {
    const call = await tx.selectFrom('calls').selectAll().where('provider_call_id', '=', providerCallId).executeTakeFirst();
    if (!call || !isMissedCall(call)) return undefined;
    const missedAt = call.ended_at ?? new Date();
    const item = await raiseWorkItem(tx, events, {
      clinicId: call.clinic_id,
      causeKey: `missed:${call.id}`,
      kind: 'missed_call',
      title: (TITLES[call.outcome ?? 'missed'] ?? 'Missed call') + (call.caller_number ? '' : ' (number withheld)'),
      detail: call.ended_reason ? `Ended: ${call.ended_reason}.` : null,
      callId: call.id,
      callerNumber: call.caller_number,
      patientId: call.patient_id,
      now: missedAt,
    });
    // A repeat call joins the open item (call_count > 1): it is not new work.
    return item && item.call_count === 1 ? { item, missedAt } : undefined;
  });
}
