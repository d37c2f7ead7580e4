-- The front desk's work queue (backend/src/work-queue): follow-ups every console of a clinic shares.
-- Expanding only: new tables an older release ignores.
--
-- Each automatic cause (a missed call, a message the assistant took, a call that needed a person, a
-- booking to review) has a key in work_item_causes: inserting it first is what makes a replayed or
-- reordered webhook create nothing twice. Missed calls from one number on one clinic day share the
-- open item (the partial unique index), so repeat calls join it instead of piling up.

create table work_items (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  kind text not null check (kind in ('missed_call', 'callback_requested', 'needs_person', 'booking_review')),
  -- 1 high, 2 normal, 3 low: the queue is worked in this order.
  priority smallint not null check (priority between 1 and 3),
  status text not null default 'open' check (status in ('open', 'claimed', 'done')),
  title text not null check (length(title) between 1 and 300),
  detail text check (length(detail) <= 2000),
  caller_number text,
  patient_id uuid references patients (id) on delete set null,
  call_id uuid references calls (id) on delete set null,
  booking_id uuid references bookings (id) on delete set null,
  -- The clinic day of a missed call (its time zone), for joining repeat calls.
  day_key date,
  call_count integer not null default 1 check (call_count > 0),
  due_at timestamptz not null,
  claimed_by uuid references staff (id) on delete set null,
  claimed_at timestamptz,
  outcome text check (outcome in ('called_back_booked', 'called_back_no_booking', 'left_voicemail', 'no_answer', 'not_needed')),
  note text check (length(note) <= 2000),
  done_by uuid references staff (id) on delete set null,
  done_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (status <> 'done' or (outcome is not null and done_at is not null)),
  check (status <> 'claimed' or claimed_at is not null)
);
create index work_items_active_idx on work_items (clinic_id, priority, due_at, id) where status <> 'done';
create index work_items_done_idx on work_items (clinic_id, done_at desc, id) where status = 'done';
create unique index work_items_missed_open_key on work_items (clinic_id, caller_number, day_key)
  where kind = 'missed_call' and status <> 'done';

create table work_item_causes (
  clinic_id uuid not null references clinics (id) on delete cascade,
  cause_key text not null check (length(cause_key) between 1 and 300),
  work_item_id uuid references work_items (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (clinic_id, cause_key)
);
create index work_item_causes_item_idx on work_item_causes (work_item_id);

create table work_item_history (
  id uuid primary key default gen_random_uuid(),
  work_item_id uuid not null references work_items (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  at timestamptz not null default now(),
  action text not null check (action in ('created', 'joined', 'claimed', 'released', 'done', 'reopened', 'callback_started')),
  staff_id uuid references staff (id) on delete set null,
  call_id uuid references calls (id) on delete set null,
  outcome text,
  note text
);
create index work_item_history_item_idx on work_item_history (work_item_id, at, id);
