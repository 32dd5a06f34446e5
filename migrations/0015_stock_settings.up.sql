-- How each workshop runs its stock (daily list size, reorder horizon, alerts); no row means
-- the defaults of `domain::powder::settings::StockSettings`.
create table powder_stock_settings (
  workspace_id     uuid        primary key,
  daily_list_size  smallint    not null,
  window_days      smallint    not null,
  lead_time_days   smallint    not null,
  cover_days       smallint    not null,
  low_stock_alerts boolean     not null,
  updated_at       timestamptz not null
);
alter table powder_stock_settings enable row level security;
create policy powder_stock_settings_tenant on powder_stock_settings
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on powder_stock_settings to thermogestion_tenant;
