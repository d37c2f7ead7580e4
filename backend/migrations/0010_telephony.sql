-- Telephony, part 1 (issue 3): what webhook ingestion, booking SMS and the knowledge base need beyond
-- the initial schema.

-- When the provider's end-of-call report was applied. Its transcript then replaces the live one, and
-- live transcript messages arriving later (out of order) are no longer stored.
alter table calls add column report_received_at timestamptz;

-- SMS the backend sent (or deliberately did not send) to patients. One confirmation per booking,
-- whatever retries or replays happen.
create table sms_messages (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  booking_id uuid references bookings (id) on delete set null,
  purpose text not null check (purpose in ('booking_confirmation')),
  to_number text not null,
  from_number text,
  body text not null,
  status text not null check (status in ('sending', 'sent', 'failed', 'skipped_opt_out', 'skipped_not_configured')),
  provider_message_sid text,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index sms_messages_booking_purpose_key on sms_messages (booking_id, purpose) where booking_id is not null;
create index sms_messages_clinic_idx on sms_messages (clinic_id, created_at desc);

-- Patients who texted STOP to one of our sending numbers. Keyed by the sender they opted out of,
-- because that is what carriers and Twilio honour; START removes the row.
create table sms_opt_outs (
  sender_number text not null,
  phone text not null,
  opted_out_at timestamptz not null default now(),
  primary key (sender_number, phone)
);

-- The provider's query tool that searches a clinic's knowledge documents, attached to its assistant.
create table knowledge_tools (
  clinic_id uuid primary key references clinics (id) on delete cascade,
  provider_tool_id text not null unique,
  updated_at timestamptz not null default now()
);
