-- Invitations are events of the workspace (`WorkspaceMemberInvited`, `WorkspaceInvitationRevoked`,
-- `WorkspaceMemberJoined` naming the invitation). The token row stays the secret of the link
-- (its SHA-256 only) and keeps the address the invitation went to, out of the log (ADR 0003);
-- it names its invitation.
alter table email_token add column invitation_id uuid;
create unique index email_token_invitation on email_token (invitation_id) where invitation_id is not null;

-- Member invitations sent before this have no event to be checked against at acceptance
-- (pending, inviter's rights): they expire now, and the workshop sends them again. Portal
-- invitations of clients (role 'client', from a client record) are not member invitations
-- and keep working.
update email_token set expires_at = now()
where purpose = 'invitation' and used_at is null and expires_at > now()
  and role is distinct from 'client';

-- Invitations per workshop, for `invitations` and `revokeInvitation`. The address is read
-- from `email_token` at query time, as members' are from `account`.
create table invitation (
  workspace_id      uuid        not null,
  invitation_id     uuid        not null,
  role              text        not null,
  invited_by        uuid        not null,
  invited_at        timestamptz not null,
  expires_at        timestamptz not null,
  status            text        not null check (status in ('pending', 'accepted', 'revoked')),
  revoked_by        uuid,
  revocation_reason text,
  accepted_by       uuid,
  closed_at         timestamptz,
  primary key (workspace_id, invitation_id)
);
-- The pending list, oldest first.
create index invitation_pending on invitation (workspace_id, invited_at, invitation_id) where status = 'pending';

alter table invitation enable row level security;
create policy invitation_tenant on invitation
  using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
grant select on invitation to thermogestion_tenant;
