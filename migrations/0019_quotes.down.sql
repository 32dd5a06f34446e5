delete from projection_checkpoint where projection = 'quote';
drop table quote_settings;
drop table quote;
