-- The clinic's access and change log: append-only and hash-chained per clinic. Each entry stores the
-- hash of the clinic's previous entry, so an edited, removed or reordered row breaks the chain at that
-- point (admin CLI: verify-audit). audit_heads holds each clinic's last link; appenders lock that row,
-- so two instances appending at once take turns and the chain never forks.
-- No foreign key to clinics: the log outlives anything it talks about, and a cascade would be a delete.

create table audit_heads (
  clinic_id uuid primary key,
  last_seq bigint not null,
  last_hash text not null
);

create table audit_log (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null,
  seq bigint not null,
  at timestamptz not null,
  actor_staff_id uuid,
  actor_name text,
  actor_role text,
  instance_id text,
  address text,
  action text not null,
  object_type text,
  object_id text,
  details jsonb,
  prev_hash text not null,
  hash text not null,
  unique (clinic_id, seq)
);
create index audit_log_clinic_at_idx on audit_log (clinic_id, at);
create index audit_log_clinic_actor_idx on audit_log (clinic_id, actor_staff_id, seq);
create index audit_log_clinic_object_idx on audit_log (clinic_id, object_id, seq) where object_id is not null;

-- Nothing rewrites history: an UPDATE or DELETE from any role fails. (TRUNCATE is a table owner's
-- DDL-like operation and is left to the operator; the chain head would name what vanished.)
create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % refused', tg_op using errcode = '42501';
end
$$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_log_refuse_change();
create trigger audit_heads_keep before delete on audit_heads
  for each row execute function audit_log_refuse_change();
