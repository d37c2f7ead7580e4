-- Vapi webhooks, part 2: what replaying Vapi's documented webhook shapes (current and older) showed
-- missing. Expanding only: the previous release keeps working on this schema (docs/rollback.md).

-- A caller's or patient's number that is not a valid phone number is kept as given, never dropped:
-- `caller_number` / `patient_phone` hold only valid E.164 numbers (patients are matched and texted by
-- them); the `_raw` columns hold what was given instead when it did not validate, and the console
-- shows it marked as unverified.
alter table calls add column caller_number_raw text;
alter table bookings add column patient_phone_raw text;

-- Things that happened during a call besides its status changes, shown on its timeline. For now one
-- kind: the assistant went silent (Vapi's `hang` message: a slow tool or model). `dedupe_key` makes
-- a redelivered message a no-op.
create table call_incidents (
  id uuid primary key default gen_random_uuid(),
  call_id uuid not null references calls (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  kind text not null check (kind in ('assistant_silent')),
  at timestamptz not null,
  dedupe_key text not null,
  unique (call_id, dedupe_key)
);

-- The CallSummary of a call row gains `callerNumberRaw` (toCallSummary in call-mapping.ts).
create or replace function call_summary_json(c calls, patient_name text) returns jsonb
language sql stable parallel safe
return jsonb_build_object(
  'id', c.id, 'direction', c.direction, 'status', c.status, 'callerNumber', c.caller_number,
  'callerNumberRaw', c.caller_number_raw,
  'patientName', patient_name, 'startedAt', vx_iso(c.started_at), 'endedAt', vx_iso(c.ended_at),
  'durationSeconds', c.duration_seconds, 'endedReason', c.ended_reason, 'outcome', c.outcome,
  'summary', c.summary, 'isTest', c.is_test, 'needsAttention', c.needs_attention, 'createdAt', vx_iso(c.created_at));

-- The clinic a Vapi message names: the owner of its phone number (by Vapi's id, then by the number
-- itself), because the number is what a clinic owns; else the owner of its assistant. Null when
-- neither is ours. Every ingestion path asks this one function; the stored call is the fallback (and
-- must agree when both exist), applied by each caller.
create function vapi_message_clinic(p_number_id text, p_number text, p_assistant_id text) returns uuid
language sql stable parallel safe
return coalesce(
  (select clinic_id from phone_numbers where provider_number_id = p_number_id),
  (select clinic_id from phone_numbers where number = p_number),
  (select clinic_id from agents where provider_assistant_id = p_assistant_id));

-- ingest_vapi_call_message as in 0020, with two changes:
-- - the clinic comes from vapi_message_clinic first, then the stored call; a message whose number or
--   assistant belongs to another clinic than its stored call is refused: {"result":"clinic_mismatch"};
-- - p_caller_number is a valid E.164 number or null, and p_caller_number_raw keeps what the call gave
--   when it was not valid.
-- The 0020 signature stays for the previous release; drop it once no running release calls it.
create function ingest_vapi_call_message(
  p_receipt_key text, p_receipt_type text,
  p_provider_call_id text, p_assistant_id text, p_number_id text, p_number text,
  p_direction text, p_caller_number text, p_caller_number_raw text,
  p_status text, p_timeline jsonb, p_fill jsonb, p_report jsonb,
  p_with_stats boolean, p_now timestamptz
) returns jsonb
language plpgsql
set plan_cache_mode = force_generic_plan
as $$
declare
  statuses constant text[] := array['scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended'];
  v_clinic uuid;
  v_before calls;
  v_next calls;
  v_events jsonb := '[]';
  v_base timestamptz;
  v_summary jsonb;
  v_last bigint;
  v_published jsonb;
begin
  v_clinic := vapi_message_clinic(p_number_id, p_number, p_assistant_id);
  -- The stored call, locked (call, receipt, counter: the lock order of every writer); else the call
  -- created in the clinic the message names.
  select * into v_before from calls where provider_call_id = p_provider_call_id for update;
  if found then
    if v_clinic is not null and v_clinic <> v_before.clinic_id then
      return jsonb_build_object('result', 'clinic_mismatch');
    end if;
  else
    if v_clinic is null then
      return jsonb_build_object('result', 'unknown_clinic');
    end if;
    insert into calls (clinic_id, provider_call_id, direction, status, caller_number, caller_number_raw, patient_id)
    values (v_clinic, p_provider_call_id, p_direction, p_status, p_caller_number, p_caller_number_raw,
            (select id from patients where clinic_id = v_clinic and phone = p_caller_number))
    on conflict (provider_call_id) do nothing
    returning * into v_before;
    if found then
      v_events := v_events || jsonb_build_object('kind', 'call.started', 'data', jsonb_build_object('call',
        call_summary_json(v_before, (select name from patients where id = v_before.patient_id))));
      if p_with_stats then
        v_events := v_events || jsonb_build_object('kind', 'stats.changed', 'data', jsonb_build_object('stats', dashboard_stats(v_clinic, p_now)));
      end if;
    else
      select * into strict v_before from calls where provider_call_id = p_provider_call_id for update;
      if v_before.clinic_id <> v_clinic then
        return jsonb_build_object('result', 'clinic_mismatch');
      end if;
    end if;
  end if;
  v_clinic := v_before.clinic_id;

  insert into webhook_receipts (source, dedupe_key, clinic_id, message_type)
  values ('vapi', p_receipt_key, v_clinic, left(p_receipt_type, 100))
  on conflict (source, dedupe_key) do nothing;
  if not found then
    raise exception 'webhook already received' using errcode = 'VXDUP';
  end if;

  insert into call_status_changes (call_id, clinic_id, status, at)
  select v_before.id, v_clinic, entry ->> 'status', (entry ->> 'at')::timestamptz
  from jsonb_array_elements(p_timeline) as entry
  on conflict (call_id, status) do update set at = least(call_status_changes.at, excluded.at);

  -- A status only moves forward; a status update fills what is empty, a report's own values win.
  v_next := v_before;
  if array_position(statuses, p_status) > array_position(statuses, v_before.status) then
    v_next.status := p_status;
  end if;
  if p_report is null then
    v_next.started_at := coalesce(v_before.started_at, (p_fill ->> 'startedAt')::timestamptz);
    v_next.ended_at := coalesce(v_before.ended_at, (p_fill ->> 'endedAt')::timestamptz);
    v_next.ended_reason := coalesce(v_before.ended_reason, p_fill ->> 'endedReason');
  else
    v_next.started_at := coalesce((p_report ->> 'startedAt')::timestamptz, v_before.started_at);
    v_next.ended_at := coalesce((p_report ->> 'endedAt')::timestamptz, v_before.ended_at);
    v_next.ended_reason := coalesce(p_report ->> 'endedReason', v_before.ended_reason);
    v_next.cost_usd := coalesce((p_report ->> 'cost')::float8, v_before.cost_usd);
    v_next.summary := coalesce(p_report ->> 'summary', v_before.summary);
    v_next.analysis := coalesce(p_report -> 'analysis', v_before.analysis);
    v_next.recording_url := coalesce(p_report ->> 'recordingUrl', v_before.recording_url);
    v_next.duration_seconds := (p_report ->> 'durationSeconds')::float8;
    -- The report's transcript is the complete one: it replaces what was stored live.
    if jsonb_array_length(p_report -> 'turns') > 0 then
      delete from transcript_segments where call_id = v_before.id;
      v_base := coalesce(v_next.started_at, (p_report ->> 'endedAt')::timestamptz, 'epoch'::timestamptz);
      insert into transcript_segments (call_id, clinic_id, speaker, text, offset_seconds, at, dedupe_key)
      select v_before.id, v_clinic, turn ->> 'speaker', turn ->> 'text', (turn ->> 'offsetSeconds')::float8,
             coalesce((turn ->> 'at')::timestamptz, v_base + coalesce((turn ->> 'offsetSeconds')::float8, 0) * interval '1 second'),
             'report:' || (ordinal - 1)
      from jsonb_array_elements(p_report -> 'turns') with ordinality as t(turn, ordinal);
      v_next.report_received_at := coalesce(v_before.report_received_at, p_now);
    end if;
  end if;
  if v_next.duration_seconds is null and v_next.started_at is not null and v_next.ended_at is not null then
    v_next.duration_seconds := greatest(0, extract(epoch from v_next.ended_at - v_next.started_at))::float8;
  end if;
  if v_next.status = 'ended' then
    v_next.outcome := call_outcome(v_next.direction, v_next.started_at, v_next.ended_reason, v_next.analysis,
      exists (select 1 from bookings where call_id = v_before.id and status <> 'cancelled'),
      v_next.needs_attention or exists (select 1 from call_status_changes where call_id = v_before.id and status = 'forwarding'),
      exists (select 1 from transcript_segments where call_id = v_before.id and speaker = 'caller'));
  end if;

  if v_next is distinct from v_before then
    v_next.updated_at := p_now;
    update calls
    set status = v_next.status, started_at = v_next.started_at, ended_at = v_next.ended_at,
        duration_seconds = v_next.duration_seconds, ended_reason = v_next.ended_reason, outcome = v_next.outcome,
        summary = v_next.summary, analysis = v_next.analysis, recording_url = v_next.recording_url,
        cost_usd = v_next.cost_usd, report_received_at = v_next.report_received_at, updated_at = v_next.updated_at
    where id = v_before.id;

    v_summary := call_summary_json(v_next, (select name from patients where id = v_next.patient_id));
    if v_next.status <> v_before.status then
      v_events := v_events || jsonb_build_object('kind', 'call.status', 'data',
        jsonb_build_object('callId', v_before.id, 'status', v_next.status, 'call', v_summary));
    end if;
    if v_next.status = 'ended' and (v_before.status <> 'ended' or p_report is not null) then
      v_events := v_events || jsonb_build_object('kind', 'call.ended', 'data', jsonb_build_object('call', v_summary));
    end if;
    if p_with_stats and v_next.status = 'ended' and v_before.status <> 'ended' then
      v_events := v_events || jsonb_build_object('kind', 'stats.changed', 'data', jsonb_build_object('stats', dashboard_stats(v_clinic, p_now)));
    end if;
  end if;

  -- The events, numbered from the clinic's counter (its row lock orders the clinic's writers).
  if jsonb_array_length(v_events) > 0 then
    insert into clinic_event_counters as counter (clinic_id, last_seq) values (v_clinic, jsonb_array_length(v_events))
    on conflict (clinic_id) do update set last_seq = counter.last_seq + jsonb_array_length(v_events)
    returning last_seq into v_last;
    with inserted as (
      insert into events (clinic_id, seq, at, kind, data)
      select v_clinic, v_last - jsonb_array_length(v_events) + ordinal, p_now, event ->> 'kind', event -> 'data'
      from jsonb_array_elements(v_events) with ordinality as e(event, ordinal)
      returning id, clinic_id, seq, at, kind, data
    )
    select jsonb_agg(jsonb_build_object('id', id, 'clinicId', clinic_id, 'seq', seq, 'at', vx_iso(at), 'kind', kind, 'data', data) order by seq)
    into v_published from inserted;
  end if;
  return jsonb_build_object('result', 'stored', 'events', coalesce(v_published, '[]'::jsonb));
end;
$$;
