delete from projection_checkpoint where projection = 'oven_batch';
drop table oven_batch_part;
drop table oven_batch;
drop table oven_settings;
