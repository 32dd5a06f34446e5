-- Identities and secrets are not events (ADR 0003): an immutable log must not keep e-mail
-- addresses past an erasure request, nor old password hashes. Accounts are platform-wide:
-- one login, possibly member of several workshops.
create table account (
  account_id        uuid        primary key,
  email             text        not null,
  email_normalized  text        not null unique,
  phone             text,
  password_hash     text        not null,
  email_verified_at timestamptz,
  created_at        timestamptz not null default now(),
  failed_logins     integer     not null default 0,
  locked_until      timestamptz
);

-- Refresh tokens are stored hashed; a family is one login's chain of rotations.
create table refresh_token (
  token_hash   bytea       primary key,
  family_id    uuid        not null,
  account_id   uuid        not null references account on delete cascade,
  workspace_id uuid        not null,
  issued_at    timestamptz not null default now(),
  expires_at   timestamptz not null,
  rotated_at   timestamptz,
  revoked_at   timestamptz
);
create index refresh_token_family on refresh_token (family_id);

alter table workspace
  add column plan text,
  add column trial_ends_at timestamptz,
  add column jantes_enabled boolean not null default false;

create table member (
  workspace_id uuid        not null,
  account_id   uuid        not null,
  role         text        not null,
  active       boolean     not null,
  joined_at    timestamptz not null,
  updated_at   timestamptz not null,
  primary key (workspace_id, account_id)
);
-- Login lists an account's workshops: the one read across workspaces, by account.
create index member_account on member (account_id);

alter table member enable row level security;
create policy member_tenant on member
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on member to thermogestion_tenant;
