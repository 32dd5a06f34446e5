-- Quotes (spec §5.2): one row per quote, its current version's priced content, and the
-- workshop's quoting settings (none: the defaults of `QuoteSettings`).
create table quote (
  workspace_id uuid           not null,
  quote_id     uuid           not null,
  number       text           not null,
  version      integer        not null,
  status       text           not null,
  client_id    uuid           not null,
  total_ht     numeric(14, 2) not null,
  total_vat    numeric(14, 2) not null,
  total_ttc    numeric(14, 2) not null,
  deposit_due  numeric(14, 2) not null,
  valid_until  date           not null,
  content      jsonb          not null,
  created_at   timestamptz    not null,
  sent_at      timestamptz,
  updated_at   timestamptz    not null,
  primary key (workspace_id, quote_id)
);
create unique index quote_number on quote (workspace_id, number);
create index quote_recent on quote (workspace_id, created_at desc, quote_id desc);
create index quote_by_client on quote (workspace_id, client_id, created_at desc);

create table quote_settings (
  workspace_id uuid        primary key,
  settings     jsonb       not null,
  updated_at   timestamptz not null
);

alter table quote enable row level security;
alter table quote_settings enable row level security;
create policy quote_tenant on quote
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy quote_settings_tenant on quote_settings
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on quote, quote_settings to thermogestion_tenant;
