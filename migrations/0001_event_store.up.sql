-- The event log: postgres-es' seven columns plus ours (EVENT-STORE.md).
-- postgres-es names its insert columns explicitly, so the extra columns fill from defaults.
create table events (
  aggregate_type  text        not null,
  aggregate_id    text        not null,
  sequence        bigint      not null check (sequence >= 0),
  event_type      text        not null,
  event_version   text        not null,
  payload         jsonb       not null,
  metadata        jsonb       not null,
  -- Neither gap-free nor commit-ordered: readers order by (transaction_id, global_position).
  global_position bigint      generated always as identity,
  -- The writing transaction; readers only read below the oldest transaction still running,
  -- so an event whose transaction commits late can never be skipped.
  transaction_id  xid8        not null default pg_current_xact_id(),
  recorded_at     timestamptz not null default now(),
  event_id        uuid        not null default gen_random_uuid(),
  -- Every event belongs to one workspace; the command side always writes this key.
  workspace_id    uuid        not null generated always as ((metadata ->> 'workspace_id')::uuid) stored,
  primary key (aggregate_type, aggregate_id, sequence)
);

create unique index events_feed on events (transaction_id, global_position);
create index events_workspace on events (workspace_id, global_position);

-- The log is append-only: history is corrected by new events, never by editing old ones.
create function events_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'the event log is append-only (% refused)', tg_op;
end $$;
create trigger events_append_only before update or delete on events
  for each statement execute function events_refuse_change();

-- No notification trigger here: a transaction that notifies takes a cluster-wide lock at
-- commit and serialises every such commit, which halved command throughput (ADR 0001).
-- The command side announces appends on its own connection instead.

-- One row per projection: the last event it applied, written in the same transaction as
-- the projection's own tables (exactly-once effect).
create table projection_checkpoint (
  projection      text        primary key,
  transaction_id  xid8        not null default '0',
  global_position bigint      not null default 0,
  updated_at      timestamptz not null default now()
);
