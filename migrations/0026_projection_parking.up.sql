-- Poison isolation (issue 16): an event a projection cannot apply parks that projection for
-- that workspace only; its later events wait behind it in the log (nothing is copied: the
-- log is the queue), every other workspace moves on.
create table projection_parked (
  projection      text        not null,
  workspace_id    uuid        not null,
  -- The first event not applied: the parked sequence is this workspace's events of the
  -- projection's types from here to the projection's checkpoint.
  transaction_id  xid8        not null,
  global_position bigint      not null,
  event_id        uuid        not null,
  event_type      text        not null,
  -- SQLSTATE, `payload` or `reactor`: what "the same error" means when too many workspaces
  -- park at once (then the projection halts instead).
  error_kind      text        not null,
  error           text        not null,
  parked_at       timestamptz not null default now(),
  primary key (projection, workspace_id)
);
create index projection_parked_workspace on projection_parked (workspace_id);

-- A projection stopped for everyone: the failure is not about one workspace (a code or
-- schema bug, or the same error in many workspaces at once). One platform alert.
create table projection_halted (
  projection text        primary key,
  error_kind text        not null,
  error      text        not null,
  halted_at  timestamptz not null default now()
);

-- Enters a tenant read (projections::tenant::begin) in one round trip: refuses when one of
-- the workspace's read models is parked (its rows would be silently stale), then scopes the
-- transaction to the workspace and drops to the row-level-security role.
create function thermogestion_enter_tenant(workspace uuid, read_models text[]) returns void
language plpgsql as $$
declare
  stuck text;
begin
  select string_agg(projection, ', ' order by projection) into stuck
  from projection_parked where workspace_id = workspace and projection = any(read_models);
  if stuck is not null then
    raise exception 'read model parked: %', stuck using errcode = 'TGP01', detail = stuck;
  end if;
  perform set_config('app.workspace_id', workspace::text, true);
  perform set_config('role', 'thermogestion_tenant', true);
end
$$;
