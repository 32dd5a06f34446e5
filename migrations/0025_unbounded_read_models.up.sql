-- Read models hold whatever the domain accepts (issue 16): the business bounds live in
-- `domain::limits`, and a projection must never park on `numeric field overflow` for an
-- event already in the log. Precision 1000 is PostgreSQL's largest, beyond any `Decimal`
-- (28 digits); the scale is kept because the API prints these columns as stored
-- (`"70.000"` kg, `"12.90"` €): a plain `numeric` would print `70` and change the contract.
alter table powder
  alter column density_g_cm3       type numeric(1000, 3),
  alter column thickness_um        type numeric(1000, 1),
  alter column consumption_kg_m2   type numeric(1000, 3),
  alter column transfer_efficiency type numeric(1000, 3),
  alter column price_per_kg        type numeric(1000, 2);
alter table powder_stock
  alter column theoretical_kg         type numeric(1000, 3),
  alter column weighed_kg             type numeric(1000, 3),
  alter column used_since_weighing_kg type numeric(1000, 3);
alter table powder_weighing
  alter column format_kg      type numeric(1000, 3),
  alter column gross_kg       type numeric(1000, 3),
  alter column tare_kg        type numeric(1000, 3),
  alter column net_kg         type numeric(1000, 3),
  alter column theoretical_kg type numeric(1000, 3),
  alter column gap_kg         type numeric(1000, 3);
alter table powder_lot
  alter column format_kg    type numeric(1000, 3),
  alter column received_kg  type numeric(1000, 3),
  alter column remaining_kg type numeric(1000, 3);
alter table quote
  alter column total_ht    type numeric(1000, 2),
  alter column total_vat   type numeric(1000, 2),
  alter column total_ttc   type numeric(1000, 2),
  alter column deposit_due type numeric(1000, 2);
