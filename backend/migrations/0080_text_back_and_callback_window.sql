-- The work queue, part 2 (backend/src/work-queue): the missed-call text-back, the clinic's promised
-- callback window, and the outcome of the assistant's call-backs. Expanding only: new columns with
-- defaults and wider checks an older release never hits.

-- Text-back: off until an administrator turns it on; sent only between text_back_from and
-- text_back_until (clinic-local HH:MM, the same day). callback_window_minutes: how soon the clinic
-- promises to call back a missed caller or one who left a message (their items' due time).
alter table clinic_settings
  add column text_back_enabled boolean not null default false,
  add column text_back_message text not null default 'Sorry we missed your call — reply here or call us back.'
    check (length(text_back_message) between 1 and 320),
  add column text_back_from text not null default '09:00' check (text_back_from ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  add column text_back_until text not null default '20:00' check (text_back_until ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  add column callback_window_minutes integer not null default 120 check (callback_window_minutes between 15 and 1440),
  add constraint clinic_settings_text_back_hours_check check (text_back_from collate "C" < text_back_until collate "C");

-- A text-back is an sms_messages row claimed before Twilio is asked. The two unique indexes make it
-- exactly once per item and at most once per number per clinic day, whichever instance or webhook
-- retry gets there first (the loser's insert does nothing).
alter table sms_messages drop constraint sms_messages_purpose_check;
alter table sms_messages add constraint sms_messages_purpose_check
  check (purpose in ('booking_confirmation', 'missed_call_text_back'));
alter table sms_messages add column work_item_id uuid references work_items (id) on delete set null;
alter table sms_messages add column day_key date;
create unique index sms_messages_text_back_item_key on sms_messages (work_item_id)
  where purpose = 'missed_call_text_back';
create unique index sms_messages_text_back_day_key on sms_messages (clinic_id, to_number, day_key)
  where purpose = 'missed_call_text_back';
-- Replies are matched to the latest text-back sent to the number from our sender.
create index sms_messages_text_back_reply_idx on sms_messages (to_number, from_number, created_at desc)
  where purpose = 'missed_call_text_back';

-- What the item's history now says: the text-back sent (or why not), the caller's replies, and how
-- an assistant call-back ended when it did not close the item.
alter table work_item_history drop constraint work_item_history_action_check;
alter table work_item_history add constraint work_item_history_action_check
  check (action in ('created', 'joined', 'claimed', 'released', 'done', 'reopened', 'callback_started',
                    'callback_ended', 'texted', 'text_not_sent', 'text_reply'));
