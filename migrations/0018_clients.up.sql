-- The CRM read models (spec §5.1). `search_text` and `sort_name` are accent- and case-folded
-- by the projection (the same folding as duplicate detection), so a trigram index serves
-- « éloise » for « Éloïse ».
create extension if not exists pg_trgm;

create table client (
  workspace_id     uuid        not null,
  client_id        uuid        not null,
  kind             text        not null,
  display_name     text        not null,
  sort_name        text        not null,
  company_name     text,
  siret            text,
  vat_number       text,
  first_name       text,
  last_name        text,
  email            text,
  phones           text[]      not null,
  billing_address  jsonb,
  delivery_address jsonb,
  tags             text[]      not null,
  tags_folded      text[]      not null,
  notes            text,
  portal_status    text        not null default 'none',
  portal_account   uuid,
  search_text      text        not null,
  archived_at      timestamptz,
  merged_into      uuid,
  created_at       timestamptz not null,
  updated_at       timestamptz not null,
  primary key (workspace_id, client_id)
);
create index client_by_name on client (workspace_id, sort_name, client_id);
create index client_search on client using gin (search_text gin_trgm_ops);
create index client_tags on client using gin (tags_folded);

-- What each client could share with another, per criterion (all criteria are stored; the
-- workshop's choice filters at query time).
create table client_match_key (
  workspace_id uuid not null,
  criterion    text not null,
  key          text not null,
  client_id    uuid not null,
  primary key (workspace_id, criterion, key, client_id)
);
create index client_match_key_by_client on client_match_key (workspace_id, client_id);

create table client_interaction (
  workspace_id   uuid        not null,
  interaction_id uuid        not null,
  client_id      uuid        not null,
  kind           text        not null,
  occurred_at    timestamptz not null,
  text           text        not null,
  author_id      uuid,
  recorded_at    timestamptz not null,
  primary key (workspace_id, interaction_id)
);
create index client_interaction_by_client
  on client_interaction (workspace_id, client_id, occurred_at desc, interaction_id desc);

-- One data key per client (ADR 0005): the log holds client data sealed with it; erasing a
-- client deletes its key. Read by projections and the command side only, never by tenant
-- reads (no grant, no policy needed).
create table client_key (
  workspace_id uuid        not null,
  client_id    uuid        not null,
  key          bytea       not null check (length(key) = 32),
  created_at   timestamptz not null default now(),
  primary key (workspace_id, client_id)
);

create table crm_settings (
  workspace_id       uuid        primary key,
  duplicate_criteria text[]      not null,
  updated_at         timestamptz not null
);

alter table client enable row level security;
alter table client_match_key enable row level security;
alter table client_interaction enable row level security;
alter table crm_settings enable row level security;
create policy client_tenant on client
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy client_match_key_tenant on client_match_key
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy client_interaction_tenant on client_interaction
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy crm_settings_tenant on crm_settings
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on client, client_match_key, client_interaction, crm_settings to thermogestion_tenant;
