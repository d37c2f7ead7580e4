-- Single-use, short-lived tickets for the listen-in audio socket (/ws/listen). Only a hash of each
-- ticket is stored; redeeming one marks it used in the same statement, so it works on any instance
-- and a second use is recognised. Expanding only: a new table.
create table listen_tickets (
  ticket_hash text primary key,
  clinic_id uuid not null references clinics (id) on delete cascade,
  call_id uuid not null references calls (id) on delete cascade,
  staff_id uuid not null references staff (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index listen_tickets_expiry on listen_tickets (expires_at);
