-- Outgoing emails, queued in the same request that decides to send them and delivered by the
-- mailer worker. A row leaves 'pending' only once a transport accepted or refused it for good.
create table email_outbox (
  email_id        uuid        primary key,
  workspace_id    uuid        not null,
  -- Stable per email: a copy resent after a crash is recognisable as the same message.
  message_id      text        not null unique,
  recipient       text        not null,
  subject         text        not null,
  body_text       text        not null,
  body_html       text,
  -- What the email is for (verify_email, reset_password, invitation…), for logs and lists.
  kind            text        not null,
  status          text        not null default 'pending'
                  check (status in ('pending', 'sending', 'sent', 'failed')),
  attempts        integer     not null default 0,
  next_attempt_at timestamptz not null default now(),
  -- While 'sending': a worker holds it until then; past it, another may take it over.
  leased_until    timestamptz,
  last_error      text,
  created_at      timestamptz not null default now(),
  sent_at         timestamptz
);
create index email_outbox_due on email_outbox (next_attempt_at) where status in ('pending', 'sending');
create index email_outbox_workspace on email_outbox (workspace_id, created_at);

-- Single-use tokens sent by email (verification, password reset, invitation), stored hashed.
create table email_token (
  token_hash   bytea       primary key,
  purpose      text        not null check (purpose in ('verify_email', 'reset_password', 'invitation')),
  account_id   uuid,
  workspace_id uuid,
  email        text        not null,
  role         text,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz not null,
  used_at      timestamptz
);
