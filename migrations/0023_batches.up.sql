-- Oven batches (séries) and the workshop's oven: read models of the `batch` and `oven`
-- aggregates. `oven_batch_part` answers "which open batch holds this part?" for the add
-- check and the part's sheet.
create table oven_settings (
  workspace_id uuid        primary key,
  settings     jsonb       not null,
  updated_at   timestamptz not null
);

create table oven_batch (
  workspace_id       uuid        not null,
  batch_id           uuid        not null,
  number             text        not null,
  -- draft, launched, closed
  status             text        not null,
  key                jsonb       not null,
  powder_reference   text        not null,
  cure_temperature_c integer     not null,
  members            jsonb       not null default '[]',
  powder_kg_used     numeric,
  created_by         uuid,
  created_at         timestamptz not null,
  launched_at        timestamptz,
  closed_at          timestamptz,
  updated_at         timestamptz not null,
  primary key (workspace_id, batch_id)
);
create unique index oven_batch_number on oven_batch (workspace_id, number);
create index oven_batch_status on oven_batch (workspace_id, status, created_at);

create table oven_batch_part (
  workspace_id uuid    not null,
  batch_id     uuid    not null,
  project_id   uuid    not null,
  rank         integer not null,
  code         text    not null,
  primary key (workspace_id, batch_id, project_id, rank)
);
create index oven_batch_part_of on oven_batch_part (workspace_id, project_id, rank);

alter table oven_settings enable row level security;
alter table oven_batch enable row level security;
alter table oven_batch_part enable row level security;
create policy oven_settings_tenant on oven_settings
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy oven_batch_tenant on oven_batch
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy oven_batch_part_tenant on oven_batch_part
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on oven_settings, oven_batch, oven_batch_part to thermogestion_tenant;
