delete from projection_checkpoint where projection = 'project';
drop table workflow_settings;
drop table photo_rendition;
drop table photo_quota;
drop table project_photo;
drop table project_nc;
drop table project_part;
drop table project;
