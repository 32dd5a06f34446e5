-- One row per login chain of refresh tokens. Rotation and revocation both lock it first, so
-- a rotation can never slip a new token past a revocation (replay, logout, new password).
create table session_family (
  family_id  uuid        primary key,
  account_id uuid        not null references account on delete cascade,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
insert into session_family (family_id, account_id, revoked_at)
  select family_id, min(account_id::text)::uuid, max(revoked_at) from refresh_token group by family_id;
alter table refresh_token
  add constraint refresh_token_family_fk foreign key (family_id) references session_family on delete cascade;

-- Who sent an invitation, recorded as the actor of the membership it grants.
alter table email_token
  add column invited_by uuid,
  add column invited_by_role text;
