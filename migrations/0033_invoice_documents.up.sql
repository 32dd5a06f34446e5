-- An issued invoice's files as first drawn (ADR 0006): its PDF, its Factur-X PDF and its CII
-- and UBL XML, stored right after the issue is committed and served as stored, so a later
-- change of code or settings never alters an issued invoice. Files beside the log, written
-- by commands, never overwritten and never rebuilt by a replay; each with its SHA-256,
-- checked when it is served. Invoices issued before this migration get theirs at their
-- first download (`commands::invoice_document::issued_file`).
create table invoice_document (
  workspace_id uuid        not null,
  invoice_id   uuid        not null,
  file         text        not null check (file in ('invoice.pdf', 'facturx.pdf', 'facturx.xml', 'ubl.xml')),
  sha256       text        not null,
  content      bytea       not null,
  created_at   timestamptz not null default now(),
  primary key (workspace_id, invoice_id, file)
);

-- A tenant table like those of migration 0032 (ADR 0013): forced row-level security, the
-- workspace policy for everyone, the projector's own for every workspace (the Pennylane push
-- stores an old invoice's files). Requests store at issue and at a first download; nobody
-- updates or deletes: a stored file is the original.
alter table invoice_document enable row level security;
alter table invoice_document force row level security;
create policy invoice_document_tenant on invoice_document
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy invoice_document_projector on invoice_document to thermogestion_projector
  using (true) with check (true);
grant select on invoice_document to thermogestion_request, thermogestion_tenant;
grant select, insert on invoice_document to thermogestion_request, thermogestion_projector;
