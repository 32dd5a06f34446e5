drop table invoice_document;
