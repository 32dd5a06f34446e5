delete from projection_checkpoint where projection = 'powder';
drop table powder;
