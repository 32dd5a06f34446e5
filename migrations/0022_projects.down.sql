delete from projection_checkpoint where projection = 'project';
drop table workflow_settings;
drop table project_nc;
drop table project_part;
drop table project;
