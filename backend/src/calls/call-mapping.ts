// Database rows → the protocol's Call shapes. One mapping, used by the REST routes and by the live
// events telephony emits, so a call looks the same whichever way it reaches the console.
import type { CallSummary, CallTransfer } from '@voxanne/protocol';
import type { CallRow } from '../db/schema.js';

/** The columns a summary is made of: lists select just these (a call's analysis JSON can be large). */
export const CALL_SUMMARY_COLUMNS = [
  'id',
  'direction',
  'status',
  'caller_number',
  'caller_number_raw',
  'started_at',
  'ended_at',
  'duration_seconds',
  'ended_reason',
  'outcome',
  'summary',
  'is_test',
  'needs_attention',
  'transfer_destination',
  'transfer_at',
  'transfer_status',
  'transfer_failure',
  'created_at',
] as const satisfies ReadonlyArray<keyof CallRow>;

export type CallSummaryRow = Pick<CallRow, (typeof CALL_SUMMARY_COLUMNS)[number]>;

export function toCallSummary(row: CallSummaryRow, patientName: string | null): CallSummary {
  return {
    id: row.id,
    direction: row.direction,
    status: row.status,
    callerNumber: row.caller_number,
    callerNumberRaw: row.caller_number_raw,
    patientName,
    startedAt: row.started_at?.toISOString() ?? null,
    endedAt: row.ended_at?.toISOString() ?? null,
    durationSeconds: row.duration_seconds,
    endedReason: row.ended_reason,
    outcome: row.outcome,
    summary: row.summary,
    isTest: row.is_test,
    needsAttention: row.needs_attention,
    transfer: toCallTransfer(row),
    createdAt: row.created_at.toISOString(),
  };
}

/** A number shown by its last three digits only ("…123"). */
export function maskedCallerNumber(value: string): string {
  return `…${value.replace(/\D/g, '').slice(-3)}`;
}

/** The summary with the caller's number (valid or raw) reduced to its last three digits. */
export function maskCaller(call: CallSummary): CallSummary {
  return {
    ...call,
    callerNumber: call.callerNumber === null ? null : maskedCallerNumber(call.callerNumber),
    ...(call.callerNumberRaw ? { callerNumberRaw: maskedCallerNumber(call.callerNumberRaw) } : {}),
  };
}

function toCallTransfer(row: CallSummaryRow): CallTransfer | null {
  if (row.transfer_status === null || row.transfer_at === null) return null;
  return {
    destination: row.transfer_destination,
    at: row.transfer_at.toISOString(),
    status: row.transfer_status,
    failure: row.transfer_failure,
  };
}
