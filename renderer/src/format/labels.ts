// Words for the protocol's enums, in one place so every screen says the same thing.
import type {
  AttentionReason,
  CallActionKind,
  BookingStatus,
  CallDirection,
  CallIncident,
  CallOutcome,
  CallStatus,
} from '@voxanne/protocol';

export const CALL_STATUS_LABEL: Record<CallStatus, string> = {
  scheduled: 'Scheduled',
  queued: 'Queued',
  ringing: 'Ringing',
  'in-progress': 'In progress',
  forwarding: 'Transferring',
  ended: 'Ended',
};

export const CALL_OUTCOME_LABEL: Record<CallOutcome, string> = {
  booked: 'Booked',
  answered: 'Answered',
  transferred: 'Transferred',
  missed: 'Missed',
  abandoned: 'Hung up',
  spam: 'Spam',
  failed: 'Failed',
};

export const CALL_DIRECTION_LABEL: Record<CallDirection, string> = {
  inbound: 'Inbound',
  outbound: 'Test call (phone)',
  web: 'Web test',
};

export const BOOKING_STATUS_LABEL: Record<BookingStatus, string> = {
  pending: 'Pending',
  confirmed: 'Confirmed',
  cancelled: 'Cancelled',
};

export const ATTENTION_REASON_LABEL: Record<AttentionReason, string> = {
  transfer_requested: 'Transfer requested',
  tool_failed: 'Assistant could not finish a task',
  caller_asked_for_staff: 'Caller asked for staff',
  assistant_silent: 'Assistant went silent',
};

export const CALL_INCIDENT_LABEL: Record<CallIncident, string> = {
  assistant_silent: 'Assistant went silent (slow tool or model)',
};

/** A staff member's action on a live call, as a sentence on the call's timeline: "Sam listened in". */
export function callActionLabel(entry: { action: CallActionKind; staffName: string; detail: string | null }): string {
  switch (entry.action) {
    case 'listen':
      return `${entry.staffName} listened in`;
    case 'coach':
      return `${entry.staffName} coached the assistant: “${entry.detail ?? ''}”`;
    case 'say':
      return `${entry.staffName} had the assistant say: “${entry.detail ?? ''}”`;
    case 'transfer':
      return `${entry.staffName} took the call${entry.detail ? ` (to ${entry.detail})` : ''}`;
    case 'end':
      return `${entry.staffName} ended the call`;
  }
}
