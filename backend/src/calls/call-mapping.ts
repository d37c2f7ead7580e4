// Database rows → the protocol's Call shapes. One mapping, used by the REST routes and by the live
// events telephony emits, so a call looks the same whichever way it reaches the console.
import type { CallSummary } from '@voxanne/protocol';
import type { CallRow } from '../db/schema.js';

export function toCallSummary(row: CallRow, patientName: string | null): CallSummary {
  return {
    id: row.id,
    direction: row.direction,
    status: row.status,
    callerNumber: row.caller_number,
    patientName,
    startedAt: row.started_at?.toISOString() ?? null,
    endedAt: row.ended_at?.toISOString() ?? null,
    durationSeconds: row.duration_seconds,
    endedReason: row.ended_reason,
    outcome: row.outcome,
    summary: row.summary,
    isTest: row.is_test,
    needsAttention: row.needs_attention,
    createdAt: row.created_at.toISOString(),
  };
}
