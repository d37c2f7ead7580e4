-- Call webhooks applied by the database in one statement (issue 3).
--
-- A status update or end-of-call report used to cost the backend 8 to 12 round trips (clinic lookup,
-- BEGIN, lock, receipt, timeline, outcome facts, update, patient name, stats, events, COMMIT). On a
-- machine where every round trip wakes another process that was the bulk of ingestion's cost, so
-- `ingest_vapi_call_message` does the same work in one call, with the same rules as the TypeScript
-- path it replaces (see call-ingestion.ts for the rules and why they make delivery order irrelevant).
-- The backend still reads the message (zod), picks the values the message offers, and publishes the
-- events this returns once the statement has committed.

-- Timestamps in events as JavaScript's toISOString writes them (UTC, milliseconds, "Z").
create function vx_iso(t timestamptz) returns text
language sql stable parallel safe
return to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- The protocol's CallSummary of a call row (the same shape as toCallSummary in call-mapping.ts).
create function call_summary_json(c calls, patient_name text) returns jsonb
language sql stable parallel safe
return jsonb_build_object(
  'id', c.id, 'direction', c.direction, 'status', c.status, 'callerNumber', c.caller_number,
  'patientName', patient_name, 'startedAt', vx_iso(c.started_at), 'endedAt', vx_iso(c.ended_at),
  'durationSeconds', c.duration_seconds, 'endedReason', c.ended_reason, 'outcome', c.outcome,
  'summary', c.summary, 'isTest', c.is_test, 'needsAttention', c.needs_attention, 'createdAt', vx_iso(c.created_at));

-- What came of an ended call (the same rules as outcomeOf in call-ingestion.ts; a test holds them equal).
create function call_outcome(
  direction text, started_at timestamptz, ended_reason text, analysis jsonb,
  booked boolean, forwarded boolean, caller_spoke boolean
) returns text
language sql immutable parallel safe
return case
  when booked then 'booked'
  when jsonb_typeof(analysis -> 'structuredData') = 'object' and analysis -> 'structuredData' -> 'callCategory' = '"spam"'::jsonb then 'spam'
  when forwarded or ended_reason = 'assistant-forwarded-call' then 'transferred'
  when coalesce(ended_reason, '') in ('customer-did-not-answer', 'customer-busy', 'voicemail', 'twilio-failed-to-connect-call')
    or (direction <> 'web' and started_at is null and coalesce(ended_reason, '') <> '') then 'missed'
  when coalesce(ended_reason, '') ~ 'error|failed' then 'failed'
  when ended_reason = 'customer-ended-call' and not caller_spoke then 'abandoned'
  else 'answered'
end;

-- The dashboard's figures for the clinic's day at p_now, in its time zone; null for an unknown
-- clinic. Counted: the clinic's real calls created that day (test calls are not patients) and the
-- bookings made that day that still stand. GET /api/dashboard/stats and every stats.changed event
-- read this one definition. PL/pgSQL, not a SQL-bodied function: PL/pgSQL keeps its plan for the
-- session, where PostgreSQL 15 reads and plans a SQL body again on every call (perf: 6 % of the
-- server's ingestion CPU went to that).
create function dashboard_stats(p_clinic uuid, p_now timestamptz) returns jsonb
language plpgsql stable parallel safe as $$
begin
  return (
  with day as (
    select time_zone, day as date,
           day::timestamp at time zone time_zone as day_start,
           (day + 1)::timestamp at time zone time_zone as day_end
    from (select time_zone, (p_now at time zone time_zone)::date as day from clinics where id = p_clinic) as today
  ), today_calls as (
    select count(*) as total,
           count(*) filter (where outcome in ('booked', 'answered', 'transferred')) as answered,
           count(*) filter (where outcome in ('missed', 'abandoned')) as missed,
           count(*) filter (where status in ('queued', 'ringing', 'in-progress', 'forwarding')) as in_progress,
           count(*) filter (where outcome = 'booked') as booked,
           avg(duration_seconds) filter (where status = 'ended') as average_duration
    from calls, day
    where clinic_id = p_clinic and not is_test and created_at >= day.day_start and created_at < day.day_end
  ), today_bookings as (
    select count(*) as made
    from bookings, day
    where clinic_id = p_clinic and status <> 'cancelled' and created_at >= day.day_start and created_at < day.day_end
  )
  select jsonb_build_object(
    'date', to_char(day.date, 'YYYY-MM-DD'), 'timeZone', day.time_zone,
    'callsToday', today_calls.total, 'answered', today_calls.answered, 'missed', today_calls.missed,
    'inProgress', today_calls.in_progress, 'bookingsToday', today_bookings.made,
    'averageDurationSeconds', round(today_calls.average_duration::numeric, 1),
    'bookingRate', case when today_calls.answered = 0 then null else least(1, today_calls.booked::float8 / today_calls.answered) end)
  from day, today_calls, today_bookings);
end;
$$;

-- One status-update or end-of-call report of a Vapi call, applied. Returns
--   {"result":"unknown_clinic"}                       no stored call, assistant or number names a clinic
--   {"result":"stored","events":[LiveEvent, ...]}      applied; the events to publish once committed
-- and raises SQLSTATE VXDUP (rolling everything back) when the receipt shows an exact replay.
--
-- p_fill (status-update): values that only fill empty fields {startedAt, endedAt, endedReason}.
-- p_report (end-of-call report): values that win {startedAt, endedAt, endedReason, cost, summary,
--   analysis, recordingUrl, durationSeconds, turns: [{speaker, text, offsetSeconds, at}]}.
-- p_timeline: the status times the message reports [{status, at}]; each keeps the earliest.
create function ingest_vapi_call_message(
  p_receipt_key text, p_receipt_type text,
  p_provider_call_id text, p_assistant_id text, p_number_id text, p_number text,
  p_direction text, p_caller_number text,
  p_status text, p_timeline jsonb, p_fill jsonb, p_report jsonb,
  p_with_stats boolean, p_now timestamptz
) returns jsonb
language plpgsql
-- Plans kept for the session: PostgreSQL would otherwise plan several of these statements afresh on
-- every call (custom plans), and planning was the largest item of the server's ingestion CPU (perf).
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
  -- The stored call, locked (call, receipt, counter: the lock order of every writer); else the clinic
  -- from the assistant or number, and the call created.
  select * into v_before from calls where provider_call_id = p_provider_call_id for update;
  if not found then
    v_clinic := coalesce(
      (select clinic_id from agents where provider_assistant_id = p_assistant_id limit 1),
      (select clinic_id from phone_numbers where provider_number_id = p_number_id limit 1),
      (select clinic_id from phone_numbers where number = p_number limit 1));
    if v_clinic is null then
      return jsonb_build_object('result', 'unknown_clinic');
    end if;
    insert into calls (clinic_id, provider_call_id, direction, status, caller_number, patient_id)
    values (v_clinic, p_provider_call_id, p_direction, p_status, p_caller_number,
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
