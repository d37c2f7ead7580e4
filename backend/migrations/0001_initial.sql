-- Voxanne Desk schema, part 1: clinics, staff and sessions, the assistant, calls, bookings, knowledge,
-- the per-clinic live event log and webhook receipts. Plain Postgres: runs unchanged on PGlite, any
-- Postgres server and as a Supabase migration.

create extension if not exists btree_gist;

create table clinics (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  time_zone text not null default 'UTC',
  created_at timestamptz not null default now()
);

create table staff (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  email text not null,
  name text not null,
  role text not null check (role in ('admin', 'front_desk')),
  password_hash text,
  auth_provider text not null default 'local' check (auth_provider in ('local', 'supabase')),
  external_id text,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (auth_provider = 'supabase' or password_hash is not null)
);
create unique index staff_email_key on staff (lower(email));
create unique index staff_external_id_key on staff (external_id) where external_id is not null;
create index staff_clinic_idx on staff (clinic_id);

create table auth_sessions (
  id uuid primary key default gen_random_uuid(),
  staff_id uuid not null references staff (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  refresh_token_hash text not null unique,
  previous_token_hash text,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  user_agent text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now()
);
create index auth_sessions_previous_idx on auth_sessions (previous_token_hash) where previous_token_hash is not null;
create index auth_sessions_staff_idx on auth_sessions (staff_id);

create table agents (
  clinic_id uuid primary key references clinics (id) on delete cascade,
  personality jsonb not null,
  provider_assistant_id text unique,
  sync_status text not null default 'pending' check (sync_status in ('synced', 'pending', 'failed', 'sandbox')),
  sync_message text,
  synced_at timestamptz,
  updated_at timestamptz not null default now()
);

create table phone_numbers (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  number text not null unique,
  provider text not null default 'twilio' check (provider = 'twilio'),
  provider_number_id text unique,
  twilio_account_sid text,
  status text not null default 'active' check (status in ('active', 'failed')),
  status_message text,
  assistant_attached boolean not null default false,
  connected_at timestamptz not null default now()
);
create index phone_numbers_clinic_idx on phone_numbers (clinic_id);

create table patients (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  phone text not null,
  name text not null,
  sms_opt_out boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (clinic_id, phone)
);

create table calls (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  provider_call_id text unique,
  direction text not null check (direction in ('inbound', 'outbound', 'web')),
  status text not null check (status in ('scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended')),
  caller_number text,
  patient_id uuid references patients (id) on delete set null,
  is_test boolean not null default false,
  started_at timestamptz,
  ended_at timestamptz,
  duration_seconds double precision check (duration_seconds >= 0),
  ended_reason text,
  outcome text check (outcome in ('booked', 'answered', 'transferred', 'missed', 'abandoned', 'spam', 'failed')),
  summary text,
  analysis jsonb,
  recording_url text,
  cost_usd double precision,
  needs_attention boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- History pages newest first; the id breaks ties so the cursor is stable.
create index calls_clinic_created_idx on calls (clinic_id, created_at desc, id desc);
create index calls_clinic_status_idx on calls (clinic_id, status);

create table call_status_changes (
  call_id uuid not null references calls (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  status text not null check (status in ('scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended')),
  at timestamptz not null,
  primary key (call_id, status)
);

create table transcript_segments (
  id uuid primary key default gen_random_uuid(),
  call_id uuid not null references calls (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  speaker text not null check (speaker in ('assistant', 'caller')),
  text text not null,
  offset_seconds double precision,
  at timestamptz not null,
  dedupe_key text not null,
  unique (call_id, dedupe_key)
);
create index transcript_segments_call_idx on transcript_segments (call_id, at);

create table bookings (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  call_id uuid references calls (id) on delete set null,
  patient_id uuid references patients (id) on delete set null,
  patient_name text not null,
  patient_phone text,
  service text,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'cancelled')),
  notes text,
  idempotency_key text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at > starts_at),
  unique (clinic_id, idempotency_key),
  -- No double booking: two live bookings of one clinic never overlap, whatever the race.
  constraint bookings_no_overlap exclude using gist (
    clinic_id with =,
    tstzrange(starts_at, ends_at) with &&
  ) where (status <> 'cancelled')
);
create index bookings_clinic_starts_idx on bookings (clinic_id, starts_at);

create table knowledge_documents (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  filename text not null,
  mime_type text not null check (mime_type in ('text/plain', 'text/markdown', 'application/pdf')),
  size_bytes integer not null check (size_bytes >= 0),
  sha256 text not null,
  content_text text,
  status text not null default 'processing' check (status in ('processing', 'ready', 'failed')),
  status_message text,
  provider_file_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index knowledge_documents_clinic_idx on knowledge_documents (clinic_id, created_at desc);

-- The live event log. seq is assigned from the clinic's counter row inside the writing transaction:
-- the row lock orders concurrent writers, so seq order is commit order within a clinic.
create table clinic_event_counters (
  clinic_id uuid primary key references clinics (id) on delete cascade,
  last_seq bigint not null default 0
);

create table events (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  seq bigint not null,
  at timestamptz not null default now(),
  kind text not null,
  data jsonb not null,
  unique (clinic_id, seq)
);
create index events_at_idx on events (at);

create table webhook_receipts (
  id uuid primary key default gen_random_uuid(),
  source text not null check (source in ('vapi', 'twilio')),
  dedupe_key text not null,
  clinic_id uuid references clinics (id) on delete cascade,
  message_type text not null,
  received_at timestamptz not null default now(),
  unique (source, dedupe_key)
);
create index webhook_receipts_received_idx on webhook_receipts (received_at);
