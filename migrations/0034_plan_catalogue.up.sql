-- The platform's catalogue as announced (ADR 0014): plans' and add-ons' prices, the plan
-- that first includes each feature, the features' switches, the trial's length, and the
-- history of every change. Platform tables (projections::tenant::PLATFORM_TABLES): no
-- workspace, no personal data; every workshop's request reads them (its plan's terms, « Mon
-- abonnement »), only the projector writes them. A price or a feature has one row per day
-- it applies from: a workshop's terms are the latest rows on or before its period's start.
create table plan_price (
  item         text           not null,
  applies_from date           not null,
  monthly_ht   numeric(12, 2) not null,
  yearly_ht    numeric(12, 2) not null,
  announced_at timestamptz    not null,
  primary key (item, applies_from)
);

create table plan_feature (
  feature      text        not null,
  applies_from date        not null,
  plan         text        not null,
  announced_at timestamptz not null,
  primary key (feature, applies_from)
);

create table feature_flag (
  feature    text        primary key,
  percent    smallint    not null check (percent between 0 and 100),
  killed     boolean     not null,
  updated_at timestamptz not null
);

create table platform_setting (
  singleton  boolean     primary key default true check (singleton),
  trial_days integer     not null,
  updated_at timestamptz not null
);

-- Who changed what, when, from what to what: the editor's history, one row per event.
create table catalogue_change (
  event_id        uuid        primary key,
  global_position bigint      not null,
  kind            text        not null,
  subject         text        not null,
  before          jsonb,
  after           jsonb       not null,
  actor_id        uuid,
  changed_at      timestamptz not null,
  applies_from    date
);
create index catalogue_change_order on catalogue_change (global_position);

grant select on plan_price, plan_feature, feature_flag, platform_setting, catalogue_change
  to thermogestion_request, thermogestion_tenant;
grant select, insert, update, delete on plan_price, plan_feature, feature_flag, platform_setting,
  catalogue_change to thermogestion_projector;
