-- The platform's editors (ADR 0014): the accounts that run the SaaS back office, never
-- members of a workshop. Added by `thermogestion editor add EMAIL`. A platform table: the
-- caller's read of every request (`commands::editor::is_editor`) runs in the membership
-- transaction, as the tenant role.
create table platform_editor (
  account_id uuid        primary key references account (account_id),
  added_at   timestamptz not null default now()
);

grant select on platform_editor to thermogestion_request, thermogestion_tenant,
  thermogestion_projector;
