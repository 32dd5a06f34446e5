delete from projection_checkpoint where projection = 'email_template';
drop table email_template;
