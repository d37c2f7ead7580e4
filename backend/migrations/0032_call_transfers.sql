-- Transfers of calls to the front desk (docs/transfers.md): where to, when, and how it went, from the
-- assistant's request through the platform's `forwarding` status update to the end-of-call report.
-- Expanding only: new nullable columns; the call summary (events written by the database) gains a
-- `transfer` field older consoles ignore.

alter table calls
  add column transfer_destination text,
  add column transfer_at timestamptz,
  add column transfer_status text check (transfer_status in ('requested', 'forwarding', 'connected', 'failed')),
  add column transfer_failure text check (
    transfer_failure in ('no_number', 'no_control', 'refused', 'no_answer', 'busy', 'caller_hung_up', 'failed')),
  add constraint calls_transfer_has_time check ((transfer_status is null) = (transfer_at is null));

-- The protocol's CallSummary of a call row (the same shape as toCallSummary in call-mapping.ts), as in
-- 0021 plus `transfer`.
create or replace function call_summary_json(c calls, patient_name text) returns jsonb
language sql stable parallel safe
return jsonb_build_object(
  'id', c.id, 'direction', c.direction, 'status', c.status, 'callerNumber', c.caller_number,
  'callerNumberRaw', c.caller_number_raw,
  'patientName', patient_name, 'startedAt', vx_iso(c.started_at), 'endedAt', vx_iso(c.ended_at),
  'durationSeconds', c.duration_seconds, 'endedReason', c.ended_reason, 'outcome', c.outcome,
  'summary', c.summary, 'isTest', c.is_test, 'needsAttention', c.needs_attention,
  'transfer', case when c.transfer_status is null then null else jsonb_build_object(
    'destination', c.transfer_destination, 'at', vx_iso(c.transfer_at), 'status', c.transfer_status,
    'failure', c.transfer_failure) end,
  'createdAt', vx_iso(c.created_at));
