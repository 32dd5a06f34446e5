-- Quote templates (spec §4.2): the workshop's choice (a preset or its own zones) as the
-- quote projection keeps it, and the logos it uploads, addressed by SHA-256 like the
-- signature images (files beside the log, written by commands).
create table quote_template (
  workspace_id uuid        primary key,
  choice       jsonb       not null,
  updated_at   timestamptz not null
);

create table template_logo (
  workspace_id uuid        not null,
  sha256       text        not null,
  content_type text        not null,
  image        bytea       not null,
  created_at   timestamptz not null default now(),
  primary key (workspace_id, sha256)
);

alter table quote_template enable row level security;
alter table template_logo enable row level security;
create policy quote_template_tenant on quote_template
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy template_logo_tenant on template_logo
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on quote_template, template_logo to thermogestion_tenant;
