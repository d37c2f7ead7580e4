-- What the assistant may tell a caller about a patient, and what a call may change (assistant tools).
--
-- Caller ID can be spoofed, so a number alone proves nothing: the assistant reads a patient's details
-- only once the caller has confirmed the date of birth on file (the full name where there is none),
-- and a call never renames a patient or texts anyone but the number that called. Expanding only: new
-- nullable columns, a new table and indexes, which the previous release ignores.

-- Collected when a booking creates the patient; what callers confirm to hear their own details.
alter table patients add column date_of_birth date;

-- The patient this call's caller proved to be (lookupCaller with a matching date of birth or name).
alter table calls add column verified_patient_id uuid references patients (id) on delete set null;

-- Every identity check, passed or not: failures are counted per call and per patient to stop guessing.
create table identity_checks (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  call_id uuid not null references calls (id) on delete cascade,
  patient_id uuid not null references patients (id) on delete cascade,
  passed boolean not null,
  at timestamptz not null default now()
);
create index identity_checks_call_idx on identity_checks (call_id);
create index identity_checks_patient_idx on identity_checks (patient_id, at);

-- Why staff should look at a booking before relying on it (a name that differs from the one on file
-- for the number, say); the queue of bookings to review reads the partial index.
alter table bookings add column review_reason text;
create index bookings_review_idx on bookings (clinic_id, starts_at) where review_reason is not null;
-- Bookings per call and per caller per day are capped: the counts read these.
create index bookings_call_idx on bookings (call_id) where call_id is not null;
create index bookings_phone_created_idx on bookings (clinic_id, patient_phone, created_at) where patient_phone is not null;
