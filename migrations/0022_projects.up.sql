-- Projects in the shop (spec §5.3, §5.4): one row per project with its steps as they stand,
-- one row per part (what a label or a typed code resolves to), the non-conformities (for
-- their statistics) and the workshop's workflow (none: the default of `WorkflowSettings`).
create table project (
  workspace_id  uuid        not null,
  project_id    uuid        not null,
  number        text        not null,
  client_id     uuid        not null,
  quote_id      uuid,
  quote_number  text,
  status        text        not null,
  -- Index and key of the step in progress; null once every step is done.
  current_index integer,
  current_step  text,
  -- [{key, label, kind, skippable, state: todo|done|skipped, by, at, reason}]
  steps         jsonb       not null,
  parts         jsonb       not null,
  qc_checklist  jsonb       not null,
  defect_types  jsonb       not null,
  qc            jsonb,
  deposited_on  date,
  promised_on   date,
  end_use       text,
  priority      text        not null,
  -- Catalogue references of the powders used, for the list's filter.
  powders       text[]      not null default '{}',
  nc_count      integer     not null default 0,
  created_at    timestamptz not null,
  ready_at      timestamptz,
  delivered_at  timestamptz,
  updated_at    timestamptz not null,
  primary key (workspace_id, project_id)
);
create unique index project_number on project (workspace_id, number);
create index project_by_promise on project (workspace_id, promised_on, project_id);
create index project_by_quote on project (workspace_id, quote_id);

create table project_part (
  workspace_id uuid    not null,
  code         text    not null,
  project_id   uuid    not null,
  rank         integer not null,
  primary key (workspace_id, code)
);

create table project_nc (
  workspace_id      uuid        not null,
  nc_id             uuid        not null,
  project_id        uuid        not null,
  at_step           text        not null,
  defect_type       text        not null,
  comment           text,
  corrective_action text,
  return_to         text        not null,
  powders           text[]      not null default '{}',
  declared_at       timestamptz not null,
  primary key (workspace_id, nc_id)
);
create index project_nc_recent on project_nc (workspace_id, declared_at);

-- Photos: what the log says of them, their renditions' sizes (for the storage quota) and
-- whether the quota purged them.
create table project_photo (
  workspace_id     uuid        not null,
  photo_id         uuid        not null,
  project_id       uuid        not null,
  stage            text        not null,
  step             text,
  nc_id            uuid,
  content_type     text        not null,
  size_bytes       bigint      not null,
  sha256           text        not null,
  caption          text,
  annotations      jsonb       not null default '[]',
  added_at         timestamptz not null,
  purged_at        timestamptz,
  primary key (workspace_id, photo_id)
);
create index project_photo_by_project on project_photo (workspace_id, project_id, added_at);

-- Written by the rendition worker (files beside the log, like quote documents): one row per
-- WebP rendition stored.
create table photo_rendition (
  workspace_id uuid    not null,
  photo_id     uuid    not null,
  name         text    not null,
  width        integer not null,
  height       integer not null,
  size_bytes   bigint  not null,
  primary key (workspace_id, photo_id, name)
);

-- The platform operator's per-workshop photo quota, over `PHOTO_QUOTA_BYTES` (a contract
-- setting, not a workshop decision: `thermogestion photo-quota`).
create table photo_quota (
  workspace_id uuid        primary key,
  quota_bytes  bigint      not null check (quota_bytes > 0),
  updated_at   timestamptz not null default now()
);

create table workflow_settings (
  workspace_id uuid        primary key,
  settings     jsonb       not null,
  updated_at   timestamptz not null
);

alter table project enable row level security;
alter table project_part enable row level security;
alter table project_nc enable row level security;
alter table workflow_settings enable row level security;
alter table project_photo enable row level security;
alter table photo_quota enable row level security;
create policy photo_quota_tenant on photo_quota
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
alter table photo_rendition enable row level security;
create policy project_photo_tenant on project_photo
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy photo_rendition_tenant on photo_rendition
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy project_tenant on project
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy project_part_tenant on project_part
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy project_nc_tenant on project_nc
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy workflow_settings_tenant on workflow_settings
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on project, project_part, project_nc, workflow_settings, project_photo, photo_rendition,
  photo_quota to thermogestion_tenant;
