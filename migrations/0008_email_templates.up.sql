-- A workshop's customised email templates; kinds without a row use the default text.
create table email_template (
  workspace_id uuid        not null,
  kind         text        not null,
  subject      text        not null,
  mjml         text        not null,
  updated_at   timestamptz not null,
  primary key (workspace_id, kind)
);
alter table email_template enable row level security;
create policy email_template_tenant on email_template
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on email_template to thermogestion_tenant;
