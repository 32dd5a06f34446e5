//! The caller's workspace and its people: the workshop itself (read, rename, modules), its
//! members (list, change role, deactivate), the invitations it sent (pending list, withdraw;
//! sending is `inviteMember`, accepting `acceptInvitation`, in `account`) and its audit log.

mod mutation;
mod query;
mod types;

pub(super) use mutation::{InvitationMutation, MemberMutation, WorkspaceMutation};
pub(super) use query::{read, AuditQuery, InvitationQuery, MemberQuery, WorkspaceQuery};
