-- TOTP second factor (RFC 6238). The seed is a secret: it lives with the account, never in
-- the log (ADR 0003).
alter table account
  add column totp_secret text,
  add column totp_pending_secret text,
  add column totp_enabled_at timestamptz,
  -- The last 30-second step accepted: a code cannot be replayed within its window.
  add column totp_last_step bigint;

-- Single-use recovery codes, stored as SHA-256.
create table recovery_code (
  account_id uuid        not null references account on delete cascade,
  code_hash  bytea       not null,
  used_at    timestamptz,
  primary key (account_id, code_hash)
);

-- Whether the login that opened a session passed the second factor.
alter table refresh_token add column two_factor boolean not null default false;
