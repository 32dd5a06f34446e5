-- Stock per lot and carton format (spec §5.7), used oldest first. `lot_number` is '' for
-- receptions without a lot, `format_kg` 0 when the format was not given.
create table powder_lot (
  workspace_id      uuid           not null,
  powder_key        text           not null,
  lot_number        text           not null,
  format_kg         numeric(8, 3)  not null,
  received_kg       numeric(12, 3) not null,
  remaining_kg      numeric(12, 3) not null,
  expires_on        date,
  first_received_at timestamptz    not null,
  updated_at        timestamptz    not null,
  primary key (workspace_id, powder_key, lot_number, format_kg)
);
alter table powder_lot enable row level security;
create policy powder_lot_tenant on powder_lot
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on powder_lot to thermogestion_tenant;
-- The stock projection now also fills this table from receptions already in the log: it
-- starts over from the first event (its tables are emptied, its checkpoint removed; the
-- runner recreates it at the start of the log).
truncate powder_stock, powder_weighing, powder_stock_settings;
delete from projection_checkpoint where projection = 'powder_stock';
