// Words for the protocol's enums, in one place so every screen says the same thing.
import type {
  AuditAction,
  AttentionReason,
  CallActionKind,
  BookingStatus,
  CallDirection,
  CallIncident,
  CallOutcome,
  CallStatus,
  Role,
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

export const AUDIT_ACTION_LABEL: Record<AuditAction, string> = {
  'auth.signed_in': 'Signed in',
  'auth.signed_out': 'Signed out',
  'auth.sign_in_failed': 'Sign-in failed',
  'call.viewed': 'Opened a call',
  'call.listened': 'Listened to a live call',
  'call.coached': 'Coached the assistant',
  'call.said': 'Made the assistant say a line',
  'call.transferred': 'Took a live call',
  'call.ended': 'Ended a live call',
  'work_item.done': 'Closed a work item',
  'work_item.reopened': 'Reopened a work item',
  'assistant.updated': 'Changed the assistant',
  'knowledge.uploaded': 'Uploaded to the knowledge base',
  'knowledge.deleted': 'Deleted from the knowledge base',
  'phone_number.connected': 'Connected a number',
  'phone_number.disconnected': 'Disconnected a number',
  'settings.updated': 'Changed clinic settings',
  'staff.created': 'Invited a staff member',
  'staff.updated': 'Changed a staff member',
  'staff.password_reset': 'Reset a password',
  'staff.signed_out_everywhere': 'Signed someone out everywhere',
  'patient.erased': 'Erased a patient',
  'retention.purged': 'Deleted expired data',
  'audit.exported': 'Exported the activity log',
};

export const ROLE_LABEL: Record<Role, string> = { admin: 'Administrator', front_desk: 'Front desk' };
