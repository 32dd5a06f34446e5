-- Payments, invoices and the accounting ledger: read models of the `billing` and
-- `invoice_settings` aggregates. `ledger_entry` holds each journal entry (FEC lines) in the
-- order of the log, numbered per workshop.
create table invoice_settings (
  workspace_id uuid        primary key,
  settings     jsonb       not null,
  updated_at   timestamptz not null
);

create table invoice (
  workspace_id uuid        not null,
  invoice_id   uuid        not null,
  quote_id     uuid        not null,
  number       text        not null,
  -- deposit, final, credit_note
  kind         text        not null,
  client_id    uuid        not null,
  client_name  text        not null,
  issued_on    date        not null,
  due_on       date        not null,
  total_ht     numeric     not null,
  total_vat    numeric     not null,
  total_ttc    numeric     not null,
  due_ttc      numeric     not null,
  document     jsonb       not null,
  credited_by  text,
  issued_at    timestamptz not null,
  primary key (workspace_id, invoice_id)
);
create unique index invoice_number on invoice (workspace_id, number);
create index invoice_issued on invoice (workspace_id, issued_on, number);
create index invoice_quote on invoice (workspace_id, quote_id, issued_at);

create table payment (
  workspace_id    uuid        not null,
  payment_id      uuid        not null,
  quote_id        uuid        not null,
  client_id       uuid        not null,
  client_name     text        not null,
  -- payment, refund
  kind            text        not null,
  method          text        not null,
  amount          numeric     not null,
  reference       text,
  received_on     date        not null,
  stripe_event_id text,
  -- The scan of the receipt, in `payment_receipt`.
  receipt_sha256  text,
  recorded_at     timestamptz not null,
  primary key (workspace_id, payment_id)
);
create index payment_received on payment (workspace_id, received_on, recorded_at);

-- Receipt scans of manual payments, content-addressed per workshop, stored before the
-- payment that names them (removed again if the payment is refused).
create table payment_receipt (
  workspace_id uuid        not null,
  sha256       text        not null,
  content_type text        not null,
  image        bytea       not null,
  stored_at    timestamptz not null default now(),
  primary key (workspace_id, sha256)
);

create table billing_summary (
  workspace_id uuid        not null,
  quote_id     uuid        not null,
  total_ttc    numeric     not null,
  deposit_due  numeric     not null,
  paid         numeric     not null,
  refunded     numeric     not null,
  status       text        not null,
  updated_at   timestamptz not null,
  primary key (workspace_id, quote_id)
);

create table payment_link (
  workspace_id uuid        not null,
  session_id   text        not null,
  quote_id     uuid        not null,
  -- deposit, balance
  purpose      text        not null,
  amount       numeric     not null,
  url          text        not null,
  expires_at   timestamptz not null,
  created_at   timestamptz not null,
  primary key (workspace_id, session_id)
);
create index payment_link_quote on payment_link (workspace_id, quote_id, created_at);

-- The monthly FEC archives (object storage), kept at least 10 years: written by a schedule.
create table fec_archive (
  workspace_id uuid        not null,
  period_start date        not null,
  period_end   date        not null,
  object_name  text        not null,
  file_name    text        not null,
  sha256       text        not null,
  bytes        bigint      not null,
  lines        bigint      not null,
  archived_at  timestamptz not null,
  keep_until   date        not null,
  primary key (workspace_id, period_start)
);

-- The optional Pennylane connector: the workshop's API token (sealed, ADR 0003), the
-- mapping of our account numbers to Pennylane ledger account ids, and each invoice's push.
create table pennylane_connection (
  workspace_id uuid        primary key,
  token_sealed text        not null,
  accounts     jsonb       not null default '{}',
  connected_at timestamptz not null
);
create table pennylane_push (
  workspace_id    uuid        not null,
  invoice_id      uuid        not null,
  -- sending, sent, failed
  status          text        not null,
  attempts        integer     not null default 0,
  last_error      text,
  next_attempt_at timestamptz,
  remote_url      text,
  -- Marked paid in Pennylane (deposit invoices at once, the final one once the quote is paid).
  paid_marked     boolean     not null default false,
  updated_at      timestamptz not null,
  primary key (workspace_id, invoice_id)
);

create table ledger_entry (
  workspace_id uuid   not null,
  seq          bigint not null,
  entry_date   date   not null,
  entry        jsonb  not null,
  primary key (workspace_id, seq)
);
create index ledger_entry_date on ledger_entry (workspace_id, entry_date, seq);

alter table invoice_settings enable row level security;
alter table invoice enable row level security;
alter table payment enable row level security;
alter table billing_summary enable row level security;
alter table ledger_entry enable row level security;
alter table payment_link enable row level security;
alter table fec_archive enable row level security;
alter table payment_receipt enable row level security;
create policy payment_receipt_tenant on payment_receipt
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
alter table pennylane_connection enable row level security;
alter table pennylane_push enable row level security;
create policy pennylane_connection_tenant on pennylane_connection
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy pennylane_push_tenant on pennylane_push
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy fec_archive_tenant on fec_archive
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy payment_link_tenant on payment_link
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy invoice_settings_tenant on invoice_settings
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy invoice_tenant on invoice
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy payment_tenant on payment
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy billing_summary_tenant on billing_summary
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy ledger_entry_tenant on ledger_entry
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on invoice_settings, invoice, payment, billing_summary, ledger_entry, payment_link, fec_archive, payment_receipt, pennylane_connection,
  pennylane_push to thermogestion_tenant;
