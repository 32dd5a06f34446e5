-- Stock per powder: theoretical (receptions − consumption, reset by each weighing) and the
-- last weighed quantity; and the history of weighings (spec §5.7).
create table powder_stock (
  workspace_id           uuid          not null,
  powder_key             text          not null,
  theoretical_kg         numeric(12, 3) not null default 0,
  weighed_kg             numeric(12, 3),
  used_since_weighing_kg numeric(12, 3) not null default 0,
  last_weighed_at        timestamptz,
  updated_at             timestamptz   not null,
  primary key (workspace_id, powder_key)
);
create table powder_weighing (
  workspace_id   uuid          not null,
  event_id       uuid          not null,
  powder_key     text          not null,
  format_kg      numeric(8, 3) not null,
  gross_kg       numeric(8, 3) not null,
  tare_kg        numeric(8, 3) not null,
  net_kg         numeric(8, 3) not null,
  theoretical_kg numeric(12, 3) not null,
  gap_kg         numeric(12, 3) not null,
  weighed_by     uuid,
  weighed_at     timestamptz   not null,
  primary key (workspace_id, event_id)
);
create index powder_weighing_recent on powder_weighing (workspace_id, powder_key, weighed_at desc);
alter table powder_stock enable row level security;
alter table powder_weighing enable row level security;
create policy powder_stock_tenant on powder_stock
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy powder_weighing_tenant on powder_weighing
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on powder_stock, powder_weighing to thermogestion_tenant;
