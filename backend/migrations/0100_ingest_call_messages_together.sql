-- ingest_vapi_call_messages: status updates and end-of-call reports that arrived together, applied in
-- ONE transaction (group commit, telephony/call-ingestion.ts), each exactly as ingest_vapi_call_message
-- (0021) applies it alone, in the order given. Answers a JSON array with that function's answer for each
-- message, {"result":"duplicate"} for an exact replay.
--
-- Each message's call, receipt and counter would otherwise be locked message by message, so a batch
-- could hold one clinic's counter while it waits for a call another writer holds on its way to that
-- counter. Every stored call of the batch is therefore locked first, in id order (as the live
-- transcript statement locks its calls), then the counters of the clinics concerned, in clinic
-- order; what remains to be locked afterwards is only rows this batch creates. (Two batches creating
-- the same new calls in opposite orders can still deadlock: PostgreSQL then aborts one, and the
-- caller applies it again.)
--
-- A message is one key of `p_messages`' elements per argument of ingest_vapi_call_message:
-- receiptKey, receiptType, providerCallId, assistantId, numberId, number, direction, callerNumber,
-- callerNumberRaw, status, timeline, fill, report (JSON null when absent), withStats, now.
-- Each runs in a subtransaction, so that a replay's rollback undoes that message only; the caller
-- keeps batches well under PostgreSQL's 64 cached subtransactions.
create function ingest_vapi_call_messages(p_messages jsonb) returns jsonb
language plpgsql
as $$
declare
  m jsonb;
  v_answers jsonb := '[]';
  v_answer jsonb;
begin
  perform 1 from calls
  where provider_call_id in (select value ->> 'providerCallId' from jsonb_array_elements(p_messages))
  order by id
  for update;
  perform 1 from clinic_event_counters
  where clinic_id in (
    select coalesce(vapi_message_clinic(value ->> 'numberId', value ->> 'number', value ->> 'assistantId'),
                    (select clinic_id from calls where provider_call_id = value ->> 'providerCallId'))
    from jsonb_array_elements(p_messages))
  order by clinic_id
  for update;

  for m in select value from jsonb_array_elements(p_messages) loop
    begin
      v_answer := ingest_vapi_call_message(
        m ->> 'receiptKey', m ->> 'receiptType', m ->> 'providerCallId', m ->> 'assistantId',
        m ->> 'numberId', m ->> 'number', m ->> 'direction', m ->> 'callerNumber', m ->> 'callerNumberRaw',
        m ->> 'status', m -> 'timeline', m -> 'fill', nullif(m -> 'report', 'null'::jsonb),
        (m ->> 'withStats')::boolean, (m ->> 'now')::timestamptz);
    exception when sqlstate 'VXDUP' then
      v_answer := jsonb_build_object('result', 'duplicate');
    end;
    v_answers := v_answers || jsonb_build_array(v_answer);
  end loop;
  return v_answers;
end;
$$;
