-- The security journal of logins (spec §16): every attempt, never the password. Platform-
-- wide like accounts (ADR 0003): an attempt happens before any workspace is chosen.
create table login_attempt (
  attempted_at     timestamptz not null default now(),
  email_normalized text        not null,
  account_id       uuid,
  workspace_id     uuid,
  ip               inet,
  outcome          text        not null check (outcome in ('succeeded', 'failed')),
  reason           text        not null
);
create index login_attempt_account on login_attempt (account_id, attempted_at);
create index login_attempt_time on login_attempt (attempted_at);
