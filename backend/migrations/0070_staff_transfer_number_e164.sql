-- A staff member's own number for "Take call" (docs/call-control.md), set from the console's
-- Settings. The column came with 0050; the API stores E.164 only, and this holds the table to it.
-- Expanding only: no release wrote the column before this one.
alter table staff
  add constraint staff_transfer_number_e164 check (transfer_number is null or transfer_number ~ '^\+[1-9][0-9]{6,14}$');
