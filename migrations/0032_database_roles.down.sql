-- Revokes what 0032 granted in this database. The roles, and their membership of
-- thermogestion_tenant, stay: they are cluster-wide and other databases of the
-- cluster (parallel tests, other environments) may be using them.
drop function thermogestion_append_scope(jsonb);
drop function thermogestion_scope(uuid);
drop function thermogestion_load_aggregate(text, text, uuid);
drop policy member_account on member;
drop policy workspace_account on workspace;
drop policy events_tenant_read on events;
drop policy events_tenant_append on events;
drop policy events_projector_read on events;
drop policy events_projector_append on events;
revoke select on events from thermogestion_tenant;
alter table events no force row level security;
alter table events disable row level security;

do $$
declare
  tenant_table text;
begin
  for tenant_table in
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity
  loop
    execute format('alter table %I no force row level security', tenant_table);
    execute format('drop policy if exists %I on %I', tenant_table || '_projector', tenant_table);
  end loop;
  execute 'revoke all on all tables in schema public from thermogestion_request, thermogestion_projector';
  execute 'revoke all on all sequences in schema public from thermogestion_request, thermogestion_projector';
  execute 'revoke all on schema public from thermogestion_request, thermogestion_projector';
  execute format('revoke all on database %I from thermogestion_request, thermogestion_projector',
    current_database());
end $$;
