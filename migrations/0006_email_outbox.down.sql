drop table email_token;
drop table email_outbox;
