delete from projection_checkpoint where projection = 'powder_stock';
drop table powder_weighing;
drop table powder_stock;
