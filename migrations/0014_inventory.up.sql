-- Partial inventories: a period and its targeted powders (spec §5.7).
create table inventory (
  workspace_id uuid        not null,
  inventory_id uuid        not null,
  name         text        not null,
  starts_on    date        not null,
  ends_on      date        not null,
  powder_keys  text[]      not null,
  planned_at   timestamptz not null,
  closed_at    timestamptz,
  primary key (workspace_id, inventory_id)
);
alter table inventory enable row level security;
create policy inventory_tenant on inventory
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on inventory to thermogestion_tenant;
