-- Back to the precisions of 0012, 0013, 0017 and 0019; fails if a row no longer fits, which
-- is why they were widened.
alter table powder
  alter column density_g_cm3       type numeric(6, 3),
  alter column thickness_um        type numeric(6, 1),
  alter column consumption_kg_m2   type numeric(8, 3),
  alter column transfer_efficiency type numeric(4, 3),
  alter column price_per_kg        type numeric(10, 2);
alter table powder_stock
  alter column theoretical_kg         type numeric(12, 3),
  alter column weighed_kg             type numeric(12, 3),
  alter column used_since_weighing_kg type numeric(12, 3);
alter table powder_weighing
  alter column format_kg      type numeric(8, 3),
  alter column gross_kg       type numeric(8, 3),
  alter column tare_kg        type numeric(8, 3),
  alter column net_kg         type numeric(8, 3),
  alter column theoretical_kg type numeric(12, 3),
  alter column gap_kg         type numeric(12, 3);
alter table powder_lot
  alter column format_kg    type numeric(8, 3),
  alter column received_kg  type numeric(12, 3),
  alter column remaining_kg type numeric(12, 3);
alter table quote
  alter column total_ht    type numeric(14, 2),
  alter column total_vat   type numeric(14, 2),
  alter column total_ttc   type numeric(14, 2),
  alter column deposit_due type numeric(14, 2);
