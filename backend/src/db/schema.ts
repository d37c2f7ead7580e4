// Table types for the typed query layer (Kysely). They mirror backend/migrations/*.sql; the SQL is the
// source of truth and the migration integration test checks that every table named here exists.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ClinicsTable {
  id: Generated<string>;
  name: string;
  time_zone: Generated<string>;
  created_at: CreatedAt;
}

export interface StaffTable {
  id: Generated<string>;
  clinic_id: string;
  email: string;
  name: string;
  role: 'admin' | 'front_desk';
  /** scrypt hash; null for users whose password lives in Supabase Auth. */
  password_hash: string | null;
  auth_provider: Generated<'local' | 'supabase'>;
  /** The Supabase Auth user id, for Supabase-managed users. */
  external_id: string | null;
  disabled_at: Timestamp | null;
  /** Where "take the call" to themselves puts a caller through (E.164). */
  transfer_number: Generated<string | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AuthSessionsTable {
  id: Generated<string>;
  staff_id: string;
  clinic_id: string;
  /** sha256 of the current refresh token; the token itself is never stored. */
  refresh_token_hash: string;
  /** sha256 of the token it replaced (every earlier one is in auth_retired_refresh_tokens; kept for the previous release). */
  previous_token_hash: string | null;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  user_agent: string | null;
  created_at: CreatedAt;
  last_used_at: UpdatedAt;
}

/** Refresh tokens a session rotated away from: presenting one again revokes the session. */
export interface AuthRetiredRefreshTokensTable {
  /** sha256 of the retired token. */
  token_hash: string;
  session_id: string;
  retired_at: CreatedAt;
}

export interface AgentsTable {
  clinic_id: string;
  personality: Json<unknown>;
  provider_assistant_id: string | null;
  sync_status: Generated<'synced' | 'pending' | 'failed' | 'sandbox'>;
  sync_message: string | null;
  synced_at: Timestamp | null;
  updated_at: UpdatedAt;
}

export interface PhoneNumbersTable {
  id: Generated<string>;
  clinic_id: string;
  number: string;
  provider: Generated<'twilio'>;
  provider_number_id: string | null;
  twilio_account_sid: string | null;
  status: Generated<'active' | 'failed'>;
  status_message: string | null;
  assistant_attached: Generated<boolean>;
  connected_at: CreatedAt;
}

export interface PatientsTable {
  id: Generated<string>;
  clinic_id: string;
  phone: string;
  name: string;
  /** `YYYY-MM-DD` (dates stay text, db/database.ts); set when a booking created the patient. */
  date_of_birth: string | null;
  sms_opt_out: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type CallStatusColumn = 'scheduled' | 'queued' | 'ringing' | 'in-progress' | 'forwarding' | 'ended';
export type CallOutcomeColumn = 'booked' | 'answered' | 'transferred' | 'missed' | 'abandoned' | 'spam' | 'failed';

export interface CallsTable {
  id: Generated<string>;
  clinic_id: string;
  provider_call_id: string | null;
  direction: 'inbound' | 'outbound' | 'web';
  status: CallStatusColumn;
  /** The caller's valid E.164 number; null for web calls, withheld numbers and numbers that did not validate. */
  caller_number: string | null;
  /** What the call gave as the caller's number when it was not a valid number (shown as unverified). */
  caller_number_raw: string | null;
  patient_id: string | null;
  is_test: Generated<boolean>;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  duration_seconds: number | null;
  ended_reason: string | null;
  outcome: CallOutcomeColumn | null;
  summary: string | null;
  analysis: Json<Record<string, unknown>> | null;
  recording_url: string | null;
  cost_usd: number | null;
  needs_attention: Generated<boolean>;
  /** When the provider's end-of-call report was applied (its transcript is then authoritative). */
  report_received_at: Timestamp | null;
  /** The patient the caller proved to be on this call (date of birth or name on file). */
  verified_patient_id: string | null;
  /** The transfer to the front desk (migrations/0032): all null until one is asked for or reported. */
  transfer_destination: string | null;
  transfer_at: Timestamp | null;
  transfer_status: 'requested' | 'forwarding' | 'connected' | 'failed' | null;
  transfer_failure: 'no_number' | 'no_control' | 'refused' | 'no_answer' | 'busy' | 'caller_hung_up' | 'failed' | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CallStatusChangesTable {
  call_id: string;
  clinic_id: string;
  status: CallStatusColumn;
  at: Timestamp;
}

/** Things that happened during a call besides status changes (its timeline shows them). */
export interface CallIncidentsTable {
  id: Generated<string>;
  call_id: string;
  clinic_id: string;
  kind: 'assistant_silent';
  at: Timestamp;
  /** Provider-derived identity of the message that reported it, so a redelivery stores nothing twice. */
  dedupe_key: string;
}

export interface TranscriptSegmentsTable {
  id: Generated<string>;
  call_id: string;
  clinic_id: string;
  speaker: 'assistant' | 'caller';
  text: string;
  offset_seconds: number | null;
  at: Timestamp;
  /** Provider-derived identity of the utterance, so a replayed webhook stores nothing twice. */
  dedupe_key: string;
}

export interface BookingsTable {
  id: Generated<string>;
  clinic_id: string;
  call_id: string | null;
  patient_id: string | null;
  patient_name: string;
  /** Valid E.164 only. */
  patient_phone: string | null;
  /** The number the patient gave when it was not a valid number (kept, shown as unverified). */
  patient_phone_raw: string | null;
  service: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  status: Generated<'pending' | 'confirmed' | 'cancelled'>;
  notes: string | null;
  /** e.g. the tool call id that made it, so a replayed tool call books once. */
  idempotency_key: string | null;
  /** Why staff should review it before relying on it; null when nothing needs review. */
  review_reason: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface KnowledgeDocumentsTable {
  id: Generated<string>;
  clinic_id: string;
  filename: string;
  mime_type: 'text/plain' | 'text/markdown' | 'application/pdf';
  size_bytes: number;
  sha256: string;
  content_text: string | null;
  status: Generated<'processing' | 'ready' | 'failed'>;
  status_message: string | null;
  provider_file_id: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ClinicEventCountersTable {
  clinic_id: string;
  last_seq: Generated<number>;
}

export interface EventsTable {
  id: Generated<string>;
  clinic_id: string;
  seq: number;
  at: CreatedAt;
  kind: string;
  data: Json<unknown>;
}

export interface WebhookReceiptsTable {
  id: Generated<string>;
  source: 'vapi' | 'twilio';
  dedupe_key: string;
  clinic_id: string | null;
  message_type: string;
  received_at: CreatedAt;
}

export interface SmsMessagesTable {
  id: Generated<string>;
  clinic_id: string;
  booking_id: string | null;
  purpose: 'booking_confirmation' | 'missed_call_text_back';
  to_number: string;
  from_number: string | null;
  body: string;
  status: 'sending' | 'sent' | 'failed' | 'skipped_opt_out' | 'skipped_not_configured';
  provider_message_sid: string | null;
  error: string | null;
  /** A text-back's item and the clinic day it counts against (one per number per clinic day). */
  work_item_id: ColumnType<string | null, string | null | undefined, string | null>;
  day_key: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SmsOptOutsTable {
  sender_number: string;
  phone: string;
  opted_out_at: CreatedAt;
}

export interface IdentityChecksTable {
  id: Generated<string>;
  clinic_id: string;
  call_id: string;
  patient_id: string;
  passed: boolean;
  at: CreatedAt;
}

export interface KnowledgeToolsTable {
  clinic_id: string;
  provider_tool_id: string;
  updated_at: UpdatedAt;
}

export interface ClinicSettingsTable {
  clinic_id: string;
  transcript_retention_days: number;
  call_retention_days: number;
  audit_retention_days: number;
  store_transcripts_redacted: boolean;
  text_back_enabled: Generated<boolean>;
  text_back_message: Generated<string>;
  /** Clinic-local HH:MM. */
  text_back_from: Generated<string>;
  text_back_until: Generated<string>;
  callback_window_minutes: Generated<number>;
  updated_at: UpdatedAt;
}

export interface JobLeasesTable {
  name: string;
  holder: string;
  expires_at: Timestamp;
}

/** Each clinic's last audit entry: appenders lock this row so the chain never forks. */
export interface AuditHeadsTable {
  clinic_id: string;
  last_seq: number;
  last_hash: string;
}

/** Append-only (a trigger refuses UPDATE and DELETE) and hash-chained per clinic. */
export interface AuditLogTable {
  id: Generated<string>;
  clinic_id: string;
  seq: number;
  at: Timestamp;
  actor_staff_id: string | null;
  actor_name: string | null;
  actor_role: 'admin' | 'front_desk' | null;
  instance_id: string | null;
  address: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  details: Json<Record<string, unknown>> | null;
  prev_hash: string;
  hash: string;
}

/** A live call's monitor URLs (capabilities: never selected by a read API; deleted when the call ends). */
export interface CallMonitorsTable {
  call_id: string;
  clinic_id: string;
  control_url: string | null;
  listen_url: string | null;
  updated_at: UpdatedAt;
}

export type CallActionKind = 'listen' | 'coach' | 'say' | 'transfer' | 'end';

/** What a staff member did on a live call. */
export interface CallActionsTable {
  id: Generated<string>;
  call_id: string;
  clinic_id: string;
  staff_id: string | null;
  staff_name: string;
  action: CallActionKind;
  detail: string | null;
  at: CreatedAt;
}

/** A listen-socket ticket (its hash), usable once before it expires. */
export interface ListenTicketsTable {
  ticket_hash: string;
  clinic_id: string;
  call_id: string;
  staff_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface WorkItemsTable {
  id: Generated<string>;
  clinic_id: string;
  kind: 'missed_call' | 'callback_requested' | 'needs_person' | 'booking_review';
  /** 1 high, 2 normal, 3 low. */
  priority: number;
  status: Generated<'open' | 'claimed' | 'done'>;
  title: string;
  detail: string | null;
  caller_number: string | null;
  patient_id: string | null;
  call_id: string | null;
  booking_id: string | null;
  /** A missed call's clinic day (YYYY-MM-DD). */
  day_key: ColumnType<string | null, string | null | undefined, string | null>;
  call_count: Generated<number>;
  due_at: Timestamp;
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  outcome: 'called_back_booked' | 'called_back_no_booking' | 'left_voicemail' | 'no_answer' | 'not_needed' | null;
  note: string | null;
  done_by: string | null;
  done_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WorkItemCausesTable {
  clinic_id: string;
  cause_key: string;
  work_item_id: string | null;
  created_at: CreatedAt;
}

export interface WorkItemHistoryTable {
  id: Generated<string>;
  work_item_id: string;
  clinic_id: string;
  at: CreatedAt;
  action:
    | 'created'
    | 'joined'
    | 'claimed'
    | 'released'
    | 'done'
    | 'reopened'
    | 'callback_started'
    | 'callback_ended'
    | 'texted'
    | 'text_not_sent'
    | 'text_reply';
  staff_id: string | null;
  call_id: string | null;
  outcome: string | null;
  note: string | null;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: CreatedAt;
}

export interface Database {
  clinics: ClinicsTable;
  staff: StaffTable;
  auth_sessions: AuthSessionsTable;
  auth_retired_refresh_tokens: AuthRetiredRefreshTokensTable;
  agents: AgentsTable;
  phone_numbers: PhoneNumbersTable;
  patients: PatientsTable;
  calls: CallsTable;
  call_status_changes: CallStatusChangesTable;
  call_incidents: CallIncidentsTable;
  transcript_segments: TranscriptSegmentsTable;
  bookings: BookingsTable;
  knowledge_documents: KnowledgeDocumentsTable;
  clinic_event_counters: ClinicEventCountersTable;
  events: EventsTable;
  webhook_receipts: WebhookReceiptsTable;
  sms_messages: SmsMessagesTable;
  sms_opt_outs: SmsOptOutsTable;
  knowledge_tools: KnowledgeToolsTable;
  identity_checks: IdentityChecksTable;
  clinic_settings: ClinicSettingsTable;
  job_leases: JobLeasesTable;
  audit_heads: AuditHeadsTable;
  audit_log: AuditLogTable;
  call_monitors: CallMonitorsTable;
  call_actions: CallActionsTable;
  listen_tickets: ListenTicketsTable;
  work_items: WorkItemsTable;
  work_item_causes: WorkItemCausesTable;
  work_item_history: WorkItemHistoryTable;
  schema_migrations: SchemaMigrationsTable;
}

export type Clinic = Selectable<ClinicsTable>;
export type StaffRow = Selectable<StaffTable>;
export type CallRow = Selectable<CallsTable>;
export type NewCall = Insertable<CallsTable>;
export type CallUpdate = Updateable<CallsTable>;
export type BookingRow = Selectable<BookingsTable>;
export type EventRow = Selectable<EventsTable>;
export type WorkItemRow = Selectable<WorkItemsTable>;
