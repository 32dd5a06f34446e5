-- Gmail / Outlook sending with OAuth2 (XOAUTH2 over SMTP): tokens sealed like passwords.
alter table workspace_smtp
  add column oauth_provider       text,
  add column oauth_refresh_sealed text,
  add column oauth_access_sealed  text,
  add column oauth_expires_at     timestamptz;

-- The `state` of an authorisation in progress: single use, tied to its workspace.
create table oauth_state (
  state_hash   bytea       primary key,
  workspace_id uuid        not null,
  provider     text        not null,
  from_address text        not null,
  created_at   timestamptz not null default now()
);
