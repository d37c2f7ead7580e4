-- vapi_message_clinic (0021) as PL/pgSQL, same body. A SQL-bodied function whose body holds
-- sub-selects is neither inlined nor kept planned by PostgreSQL 15: each call read and planned its
-- three lookups again, 0.17 ms of the database's CPU on every webhook (pg_stat_user_functions in
-- bench/webhooks). PL/pgSQL keeps its plans for the session. Same signature and answers, so a
-- previous release runs on it unchanged.
create or replace function vapi_message_clinic(p_number_id text, p_number text, p_assistant_id text) returns uuid
language plpgsql stable parallel safe as $$
begin
  return coalesce(
    (select clinic_id from phone_numbers where provider_number_id = p_number_id),
    (select clinic_id from phone_numbers where number = p_number),
    (select clinic_id from agents where provider_assistant_id = p_assistant_id));
end;
$$;
