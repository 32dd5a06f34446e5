-- Files sent with an email (quote and invoice PDFs), kept with it in the outbox.
create table email_attachment (
  email_id     uuid    not null references email_outbox on delete cascade,
  position     integer not null,
  filename     text    not null,
  content_type text    not null,
  content      bytea   not null,
  primary key (email_id, position)
);
