delete from projection_checkpoint where projection = 'workspace';
drop table workspace;
