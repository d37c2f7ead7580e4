-- Live call control from the console (docs/call-control.md).
--
-- call_monitors: the voice platform's per-call monitor URLs (control, listen), kept only while the
-- call is live so that whichever instance serves a console's request can act on the call. They are
-- capabilities: no read API selects them, and the row is deleted when the call ends.
--
-- call_actions: what staff did on a call (listened, coached, made the assistant say something, took
-- the call, ended it), shown on the call's timeline. Expanding only: new tables.

create table call_monitors (
  call_id uuid primary key references calls (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  control_url text,
  listen_url text,
  updated_at timestamptz not null default now()
);

create table call_actions (
  id uuid primary key default gen_random_uuid(),
  call_id uuid not null references calls (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  staff_id uuid references staff (id) on delete set null,
  staff_name text not null,
  action text not null check (action in ('listen', 'coach', 'say', 'transfer', 'end')),
  detail text,
  at timestamptz not null default now()
);
create index call_actions_call on call_actions (call_id, at);

-- The number a staff member takes calls on when they "take the call" to themselves (E.164), instead
-- of the clinic's transfer number.
alter table staff add column transfer_number text;
