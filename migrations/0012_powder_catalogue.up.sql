-- The powder catalogue read model (spec §5.6). `powder_key` is the aggregate's local id,
-- derived from the exact identity (reference, kind, finish).
create table powder (
  workspace_id        uuid          not null,
  powder_key          text          not null,
  reference           text          not null,
  kind                text          not null,
  finish              text          not null,
  brand               text          not null,
  name                text          not null,
  colour              text,
  density_g_cm3       numeric(6, 3) not null,
  thickness_um        numeric(6, 1) not null,
  consumption_kg_m2   numeric(8, 3) not null,
  transfer_efficiency numeric(4, 3),
  cure_temperature_c  integer       not null,
  cure_minutes        integer       not null,
  formats             jsonb         not null,
  price_per_kg        numeric(10, 2) not null,
  registered_at       timestamptz   not null,
  updated_at          timestamptz   not null,
  primary key (workspace_id, powder_key)
);
create index powder_search on powder (workspace_id, reference);
alter table powder enable row level security;
create policy powder_tenant on powder
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on powder to thermogestion_tenant;
