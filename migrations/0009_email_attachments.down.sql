drop table email_attachment;
