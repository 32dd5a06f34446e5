-- Failed logins per (email typed, source address): the delay after repeated failures falls
-- on the source that fails, not on the account, so nobody can lock an owner out from
-- elsewhere. Emails without an account have rows too: the answer and its delay are the same
-- whether an account exists or not.
create table login_delay (
  email_normalized text        not null,
  source           inet        not null,
  failures         integer     not null default 0,
  delayed_until    timestamptz,
  last_failure_at  timestamptz not null default now(),
  primary key (email_normalized, source)
);
create index login_delay_last_failure on login_delay (last_failure_at);
