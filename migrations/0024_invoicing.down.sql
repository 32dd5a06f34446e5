delete from projection_checkpoint where projection = 'invoicing';
drop table ledger_entry;
drop table payment_link;
drop table fec_archive;
drop table billing_summary;
drop table payment;
drop table invoice;
drop table invoice_settings;
