drop table powder_lot;
