-- Database roles (ADR 0013): row-level security as a real second lock.
--
-- Three roles. The *owner* is whoever runs the migrations (`postgres` on a developer's
-- machine and in the tests, `thermogestion_owner` in production, created by the operator:
-- docs/operations.md); it owns every table and nothing else connects as it. The *request*
-- role serves API requests: it owns nothing, so row-level security always binds it, and
-- even `RESET ROLE` inside a tenant read only gives it back itself. The *projector* role
-- runs projection runners, reactors and jobs: it writes every workspace's read models and
-- reads the whole log, and can append to it but never alter it.
--
-- Roles are cluster-wide while each test has a database of its own: they are created here
-- if absent (LOGIN, no password: local trust authentication; the operator sets passwords
-- in production) and granted per database. The down migration revokes this database's
-- grants and leaves the roles, which other databases of the cluster may be using.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'thermogestion_request') then
    begin
      create role thermogestion_request login;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'thermogestion_projector') then
    begin
      create role thermogestion_projector login;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
end $$;

-- Tenant reads still drop to the select-only role (`thermogestion_enter_tenant`): the
-- request role may become it, and nothing else; so may the projector, whose jobs share
-- reads with the API (the reorder forecast). Cluster-wide too, hence tolerant.
do $$
begin
  if not pg_has_role('thermogestion_request', 'thermogestion_tenant', 'member') then
    grant thermogestion_tenant to thermogestion_request;
  end if;
exception when duplicate_object or unique_violation then null;
end $$;
do $$
begin
  if not pg_has_role('thermogestion_projector', 'thermogestion_tenant', 'member') then
    grant thermogestion_tenant to thermogestion_projector;
  end if;
exception when duplicate_object or unique_violation then null;
end $$;

do $$
declare
  roles constant text := 'thermogestion_request, thermogestion_projector';
  tenant_table text;
begin
  execute format('grant connect, temporary on database %I to %s', current_database(), roles);
  execute format('grant usage on schema public to %s', roles);
  -- Identity columns (`events.global_position`) and serials.
  execute format('grant usage on all sequences in schema public to %s', roles);

  -- Tenant tables: every table of the schema under row-level security (each has a policy
  -- comparing its `workspace_id` to `app.workspace_id`). Forced, so that not even their
  -- owner reads them unfiltered unless it bypasses RLS; the request role reads them (its
  -- policy: one workspace, none without the setting), the projector writes them all.
  for tenant_table in
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity
  loop
    execute format('alter table %I force row level security', tenant_table);
    execute format('grant select on %I to thermogestion_request, thermogestion_tenant', tenant_table);
    execute format('grant select, insert, update, delete on %I to thermogestion_projector', tenant_table);
    execute format(
      'create policy %I on %I to thermogestion_projector using (true) with check (true)',
      tenant_table || '_projector', tenant_table);
  end loop;
end $$;

-- Read models a request writes itself, scoped to its workspace (`thermogestion_scope`
-- below, `commands::scoped`): the policy's `workspace_id` check applies to the rows written
-- as well as read.
grant insert, update, delete on pennylane_connection, payment_receipt, quote_document,
  signature_image, template_logo to thermogestion_request;

-- Login lists the workshops an account may enter before any is chosen: the one read across
-- workspaces, by account. The request role sees those member rows, and their workspaces'
-- names, only in a transaction naming the account (`projections::tenant::begin_account`,
-- after the password and second factor are checked); never without the setting.
create policy member_account on member for select to thermogestion_request
  using (account_id = nullif(current_setting('app.account_id', true), '')::uuid);
create policy workspace_account on workspace for select to thermogestion_request
  using (exists (select 1 from member m where m.workspace_id = workspace.workspace_id
                 and m.account_id = nullif(current_setting('app.account_id', true), '')::uuid));

-- The event log, a tenant table of its own kind: the request role appends and reads its own
-- workspace's events; the projector appends (reactors, jobs) and reads everything. Nobody
-- but the owner is granted UPDATE, DELETE or TRUNCATE, and the trigger of migration 0001
-- refuses updates and deletes from the owner too.
alter table events enable row level security;
alter table events force row level security;
grant select, insert on events to thermogestion_request, thermogestion_projector;
grant select on events to thermogestion_tenant;
create policy events_tenant_read on events for select to thermogestion_request, thermogestion_tenant
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy events_tenant_append on events for insert to thermogestion_request
  with check (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
create policy events_projector_read on events for select to thermogestion_projector
  using (true);
create policy events_projector_append on events for insert to thermogestion_projector
  with check (true);

-- An append scopes its statement to the workspace of the metadata it writes (the command
-- side's `CommandMeta`, built from the authenticated request): called on the metadata of
-- each row, before the row is checked against the policies above (and, for `returning`,
-- against the read policy). One round trip, as before. A transaction already scoped to
-- another workspace is refused rather than silently moved.
create function thermogestion_append_scope(metadata jsonb) returns jsonb
language plpgsql volatile as $$
declare
  workspace text := coalesce(metadata ->> 'workspace_id', '');
  scoped text := coalesce(current_setting('app.workspace_id', true), '');
begin
  if scoped <> '' and scoped <> workspace then
    raise exception 'an append to workspace % inside a transaction of workspace %', workspace, scoped
      using errcode = 'TGP02';
  end if;
  perform set_config('app.workspace_id', workspace, true);
  return metadata;
end
$$;

-- The same for a request's own write of a read model (a document, an image, a receipt, the
-- Pennylane connection): `values (thermogestion_scope($1), …)` scopes the insert to the
-- workspace it writes, checked by the table's policy.
create function thermogestion_scope(workspace uuid) returns uuid
language plpgsql volatile as $$
declare
  scoped text := coalesce(current_setting('app.workspace_id', true), '');
begin
  if scoped <> '' and scoped <> workspace::text then
    raise exception 'a write of workspace % inside a transaction of workspace %', workspace, scoped
      using errcode = 'TGP02';
  end if;
  perform set_config('app.workspace_id', workspace::text, true);
  return workspace;
end
$$;

-- Loading an aggregate, the same way: one statement scoped to the workspace of the caller
-- (the command's metadata), which the aggregate id starts with.
create function thermogestion_load_aggregate(load_type text, load_id text, workspace uuid)
returns table (sequence bigint, payload jsonb)
language plpgsql volatile as $$
declare
  scoped text := coalesce(current_setting('app.workspace_id', true), '');
begin
  if scoped <> '' and scoped <> workspace::text then
    raise exception 'a load of workspace % inside a transaction of workspace %', workspace, scoped
      using errcode = 'TGP02';
  end if;
  perform set_config('app.workspace_id', workspace::text, true);
  return query select e.sequence, e.payload from events e
    where e.aggregate_type = load_type and e.aggregate_id = load_id
    order by e.sequence;
end
$$;

-- Platform tables: read and written before a workspace is known (sign-up, login, sessions,
-- email links), or across workspaces by design. Explicit grants, listed in docs/security.md.
grant select, insert, update on account to thermogestion_request;
grant select on account to thermogestion_projector;
grant select, insert, update on refresh_token, session_family, email_token to thermogestion_request;
grant select, insert, update, delete on recovery_code, login_delay, workspace_smtp, oauth_state
  to thermogestion_request;
grant select, insert on login_attempt to thermogestion_request;
grant select, insert on email_outbox, email_attachment to thermogestion_request;
grant select, insert, update, delete on stripe_connected_account to thermogestion_request;
grant select on stripe_connected_account to thermogestion_projector;
-- A client's data key is made when the request that creates the client seals its data.
grant select, insert on client_key to thermogestion_request;
grant select, insert, update, delete on client_key to thermogestion_projector;
grant select, insert, update on email_outbox, email_token to thermogestion_projector;
grant select, insert on email_attachment to thermogestion_projector;
grant select, update on workspace_smtp to thermogestion_projector;
grant select on projection_checkpoint, projection_parked, projection_halted to thermogestion_request;
grant select, insert, update, delete on projection_checkpoint, projection_parked, projection_halted
  to thermogestion_projector;
