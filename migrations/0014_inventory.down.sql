delete from projection_checkpoint where projection = 'inventory';
drop table inventory;
