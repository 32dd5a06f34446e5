-- The editor's list of workshops (issue 21, ADR 0014): one row per workshop, fed by the log
-- of every workspace, holding what the platform sells and sees — the workshop's name, its
-- sign-up, its trial, its last activity — and nothing of its business (no client, quote,
-- photo, person). Its rows belong to the platform workspace (`workspace_id`), the workshop is
-- `tenant_id`: the tenant policy shows them to the platform's scope only, never to a
-- workshop.
create table platform_workspace (
  workspace_id     uuid        not null,
  tenant_id        uuid        not null,
  name             text        not null,
  registered_at    timestamptz not null,
  trial_ends_at    timestamptz,
  last_activity_at timestamptz not null,
  events           bigint      not null default 0,
  primary key (workspace_id, tenant_id)
);
create index platform_workspace_registered on platform_workspace (workspace_id, registered_at desc, tenant_id);

alter table platform_workspace enable row level security;
alter table platform_workspace force row level security;
create policy platform_workspace_tenant on platform_workspace
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy platform_workspace_projector on platform_workspace to thermogestion_projector
  using (true) with check (true);
grant select on platform_workspace to thermogestion_request, thermogestion_tenant;
grant select, insert, update, delete on platform_workspace to thermogestion_projector;
