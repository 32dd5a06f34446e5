-- Quote documents and signatures (spec §14). The exact PDF sent to the client and its signed
-- copy are kept byte for byte, addressed by their SHA-256 (the digest the log records); the
-- signature images likewise. These are files beside the log, written by commands, never
-- rebuilt by a replay. `quote_signature` is the journal read model of `QuoteSigned`.
create table quote_document (
  workspace_id uuid        not null,
  sha256       text        not null,
  quote_id     uuid        not null,
  version      integer     not null,
  kind         text        not null check (kind in ('sent', 'signed')),
  -- What the PDF was drawn from, to draw its signed copy identically.
  inputs       jsonb       not null,
  pdf          bytea       not null,
  created_at   timestamptz not null default now(),
  primary key (workspace_id, sha256)
);
create index quote_document_by_quote on quote_document (workspace_id, quote_id, version);

create table signature_image (
  workspace_id uuid        not null,
  sha256       text        not null,
  content_type text        not null,
  image        bytea       not null,
  created_at   timestamptz not null default now(),
  primary key (workspace_id, sha256)
);

alter table quote add column sent_pdf_sha256 text;
-- The reminder steps (days after sending) already sent for the current version.
alter table quote add column reminded_days integer[] not null default '{}';

create table quote_signature (
  workspace_id     uuid        not null,
  quote_id         uuid        not null,
  version          integer     not null,
  number           text        not null,
  signer           text        not null check (signer in ('client', 'staff_on_behalf')),
  account_id       uuid        not null,
  signed_at        timestamptz not null,
  ip               text,
  user_agent       text,
  terms_accepted   boolean     not null,
  pdf_sha256       text        not null,
  image_sha256     text        not null,
  primary key (workspace_id, quote_id, version)
);
create index quote_signature_recent on quote_signature (workspace_id, signed_at desc, quote_id);

-- The quote projection starts over from the first event to fill the new journal.
truncate quote, quote_settings;
delete from projection_checkpoint where projection = 'quote';

alter table quote_document enable row level security;
alter table signature_image enable row level security;
alter table quote_signature enable row level security;
create policy quote_document_tenant on quote_document
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy signature_image_tenant on signature_image
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy quote_signature_tenant on quote_signature
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on quote_document, signature_image, quote_signature to thermogestion_tenant;
