-- Every refresh token a sign-in session has given up by rotating, so presenting ANY earlier token of
-- the session (not only the one it just replaced) is recognised as theft and ends the session.
-- Rows of revoked and expired sessions are deleted by the backend (they can never match again).
create table auth_retired_refresh_tokens (
  token_hash text primary key,
  session_id uuid not null references auth_sessions (id) on delete cascade,
  retired_at timestamptz not null default now()
);
create index auth_retired_refresh_tokens_session_idx on auth_retired_refresh_tokens (session_id);
