-- Segregation of duties (issue 17 item 12).

-- Payments a shop-floor role recorded wait for accounting's review (`PaymentRecorded` with
-- `review`, then `PaymentReviewed`). Payments recorded before this were never to review.
alter table payment
  add column recorded_by      uuid,
  add column recorded_by_role text,
  add column review_due       boolean not null default false,
  add column reviewed_by      uuid,
  add column reviewed_at      timestamptz;
-- The review list, oldest first.
create index payment_to_review on payment (workspace_id, recorded_at, payment_id)
  where review_due and reviewed_at is null;

-- Which methods each role records by hand (`PaymentMethodsSet`); the defaults apply until
-- the workshop chooses.
create table payment_policy (
  workspace_id uuid        primary key,
  rules        jsonb       not null,
  updated_at   timestamptz not null
);
alter table payment_policy enable row level security;
create policy payment_policy_tenant on payment_policy
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on payment_policy to thermogestion_tenant;

-- Who sent each photo (the event's actor): a shop-floor member's uploads of the day count
-- against their purge budget.
alter table project_photo add column added_by uuid;
create index project_photo_by_sender on project_photo (workspace_id, added_by, added_at)
  where added_by is not null;
