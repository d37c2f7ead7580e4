-- Per-clinic compliance settings (how long transcripts, recording links and call records are kept;
-- whether transcripts are stored redacted), and the indexes the retention job deletes through.
-- A clinic without a row uses the defaults below.

create table clinic_settings (
  clinic_id uuid primary key references clinics (id) on delete cascade,
  transcript_retention_days integer not null default 90 check (transcript_retention_days between 7 and 3650),
  call_retention_days integer not null default 730 check (call_retention_days between 7 and 3650),
  -- Six years (with two leap days) at the least: an auditor may ask about any of them.
  audit_retention_days integer not null default 2192 check (audit_retention_days between 2192 and 36500),
  store_transcripts_redacted boolean not null default false,
  updated_at timestamptz not null default now(),
  check (call_retention_days >= transcript_retention_days)
);

create index transcript_segments_clinic_at_idx on transcript_segments (clinic_id, at);
-- Calls whose transcript-level data (recording link, summary, analysis) has not been purged yet.
create index calls_clinic_created_unpurged_idx on calls (clinic_id, created_at)
  where recording_url is not null or summary is not null or analysis is not null;

-- Leases for jobs only one instance should run at a time (the retention job). A lease, not a session
-- advisory lock: it needs no connection held for the job's length (the embedded database has one),
-- and a crashed holder's lease simply expires.
create table job_leases (
  name text primary key,
  holder text not null,
  expires_at timestamptz not null
);
