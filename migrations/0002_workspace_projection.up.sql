-- Requests read projections as this role, so row-level security applies even though the
-- application connects as the table owner. Roles are cluster-wide: several databases
-- (tests, environments) share it, hence the tolerant creation and no drop on the way down.
do $$
begin
  create role thermogestion_tenant nologin;
exception when duplicate_object or unique_violation then null;
end $$;

create table workspace (
  workspace_id  uuid        primary key,
  name          text        not null,
  registered_at timestamptz not null,
  updated_at    timestamptz not null
);

alter table workspace enable row level security;
create policy workspace_tenant on workspace
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on workspace to thermogestion_tenant;
