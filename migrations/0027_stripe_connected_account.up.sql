-- The platform registry of connected Stripe accounts (ADR 0012): which workshop each
-- `acct_…` belongs to, one account per workshop and one workshop per account. It is the one
-- table keyed across workspaces on purpose (a reference table under Citus, DESIGN §7): the
-- uniqueness it enforces is about every workshop at once. Written by the command side in the
-- same transaction as the `InvoiceSettingsChanged` that names the account; read by payment
-- links and the Stripe webhook, never by the tenant role (no grant, no policy).
create table stripe_connected_account (
  stripe_account text        primary key,
  workspace_id   uuid        not null unique,
  claimed_at     timestamptz not null default now()
);

-- Accounts named before the registry existed: the earliest saved keeps a shared one; the
-- others are left without a claim (their Stripe payments are ignored) until they save a
-- free account.
insert into stripe_connected_account (stripe_account, workspace_id, claimed_at)
select distinct on (settings ->> 'stripe_account')
       settings ->> 'stripe_account', workspace_id, updated_at
from invoice_settings
where coalesce(settings ->> 'stripe_account', '') <> ''
order by settings ->> 'stripe_account', updated_at, workspace_id
on conflict do nothing;
