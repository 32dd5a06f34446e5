drop table quote_signature;
alter table quote drop column reminded_days;
alter table quote drop column sent_pdf_sha256;
drop table signature_image;
drop table quote_document;
