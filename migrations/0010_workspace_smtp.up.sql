-- A workshop's own SMTP server (spec §2.2). The password is sealed with the platform key
-- (DESIGN.md §3); without a row, the platform's transport sends.
create table workspace_smtp (
  workspace_id    uuid        primary key,
  host            text        not null,
  port            integer     not null check (port between 1 and 65535),
  security        text        not null check (security in ('tls', 'starttls', 'none')),
  username        text,
  password_sealed text,
  from_address    text        not null,
  updated_at      timestamptz not null default now()
);
