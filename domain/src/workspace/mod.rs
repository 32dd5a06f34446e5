//! The *atelier*: one workshop, one tenant, with its members and their roles.

mod command;
mod error;
mod event;
mod name;
mod plan;
#[cfg(test)]
mod tests;

pub use command::{Consent, WorkspaceCommand};
pub use error::WorkspaceError;
pub use event::{RevocationReason, WorkspaceEvent};
pub use name::WorkspaceName;
pub use plan::{Module, Plan, TRIAL_PLAN};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Role, Stamped};

/// Local id of the workspace aggregate inside its own workspace scope.
pub const AGGREGATE_LOCAL_ID: &str = "workspace";

/// How long an invitation can be accepted: it may wait in an inbox over a weekend. The
/// link's token expires with it.
pub const INVITATION_DAYS: i64 = 7;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    registered_at: Option<DateTime<Utc>>,
    name: Option<WorkspaceName>,
    members: BTreeMap<Uuid, Member>,
    modules: BTreeSet<Module>,
    invitations: BTreeMap<Uuid, Invitation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Member {
    role: Role,
    active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Invitation {
    role: Role,
    invited_by: Uuid,
    expires_at: DateTime<Utc>,
    state: InvitationState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum InvitationState {
    Pending,
    Accepted,
    Revoked,
}

impl Invitation {
    fn is_pending(&self, now: DateTime<Utc>) -> bool {
        self.state == InvitationState::Pending && now < self.expires_at
    }
}

/// An invitation that can be accepted now, as the workspace sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptableInvitation {
    /// The role it grants: the one the invitation recorded, never one a link carries.
    pub role: Role,
    pub invited_by: Uuid,
    /// The inviter's role now (it may grant `role`).
    pub inviter_role: Role,
}

impl Workspace {
    /// Pure: same state and command, same events. No clock, no I/O.
    pub fn decide(
        &self,
        command: Stamped<WorkspaceCommand>,
    ) -> Result<Vec<WorkspaceEvent>, WorkspaceError> {
        let now = command.now;
        if !matches!(command.body, WorkspaceCommand::SignUp { .. }) && self.registered_at.is_none()
        {
            return Err(WorkspaceError::NotRegistered);
        }
        match command.body {
            WorkspaceCommand::SignUp {
                name,
                owner,
                consent,
                trial_days,
            } => {
                if self.registered_at.is_some() {
                    return Err(WorkspaceError::AlreadyRegistered);
                }
                let name = WorkspaceName::parse(&name)?;
                consent.check()?;
                Ok(vec![
                    WorkspaceEvent::Registered {
                        name,
                        registered_at: now,
                    },
                    WorkspaceEvent::ConsentRecorded {
                        account_id: owner,
                        consent,
                        recorded_at: now,
                    },
                    WorkspaceEvent::TrialStarted {
                        plan: TRIAL_PLAN,
                        started_at: now,
                        ends_at: now + Duration::days(i64::from(trial_days)),
                    },
                    WorkspaceEvent::MemberJoined {
                        account_id: owner,
                        role: Role::Owner,
                        joined_at: now,
                        invitation: None,
                    },
                ])
            }
            WorkspaceCommand::Rename { name } => {
                let name = WorkspaceName::parse(&name)?;
                if self.name.as_ref() == Some(&name) {
                    // Renaming to the same name is a no-op, not an error: a double-click
                    // on "save" must not fail, and must not add a line to the audit log.
                    return Ok(vec![]);
                }
                Ok(vec![WorkspaceEvent::Renamed {
                    name,
                    renamed_at: now,
                }])
            }
            WorkspaceCommand::SetModule { module, enabled } => {
                if self.modules.contains(&module) == enabled {
                    return Ok(vec![]);
                }
                Ok(vec![WorkspaceEvent::ModuleToggled {
                    module,
                    enabled,
                    toggled_at: now,
                }])
            }
            WorkspaceCommand::AddMember { account_id, role } => {
                if !role.is_member_role() {
                    return Err(WorkspaceError::RoleNotAssignable);
                }
                if self
                    .members
                    .get(&account_id)
                    .is_some_and(|member| member.active)
                {
                    return Err(WorkspaceError::AlreadyMember);
                }
                Ok(vec![WorkspaceEvent::MemberJoined {
                    account_id,
                    role,
                    joined_at: now,
                    invitation: None,
                }])
            }
            WorkspaceCommand::Invite {
                invitation_id,
                role,
                by,
            } => {
                if role == Role::Client {
                    return Err(WorkspaceError::InvitationRoleClient);
                }
                if !role.is_member_role() {
                    return Err(WorkspaceError::RoleNotAssignable);
                }
                self.ensure_may_invite(by, role)?;
                if self.invitations.contains_key(&invitation_id) {
                    return Err(WorkspaceError::InvitationExists);
                }
                Ok(vec![WorkspaceEvent::MemberInvited {
                    invitation_id,
                    role,
                    invited_by: by,
                    invited_at: now,
                    expires_at: now + Duration::days(INVITATION_DAYS),
                }])
            }
            WorkspaceCommand::RevokeInvitation { invitation_id, by } => {
                let invitation = self
                    .invitations
                    .get(&invitation_id)
                    .ok_or(WorkspaceError::InvitationNotFound)?;
                // Whoever could send it may withdraw it: an admin no owner invitation.
                self.ensure_may_invite(by, invitation.role)?;
                match invitation.state {
                    // Twice is once: a double click must not fail nor add a line.
                    InvitationState::Revoked => Ok(vec![]),
                    InvitationState::Accepted => Err(WorkspaceError::InvitationAccepted),
                    InvitationState::Pending if now >= invitation.expires_at => {
                        Err(WorkspaceError::InvitationExpired)
                    }
                    InvitationState::Pending => Ok(vec![WorkspaceEvent::InvitationRevoked {
                        invitation_id,
                        by,
                        reason: RevocationReason::Withdrawn,
                        revoked_at: now,
                    }]),
                }
            }
            WorkspaceCommand::AcceptInvitation {
                invitation_id,
                account_id,
            } => {
                let accepted = self.acceptable_invitation(invitation_id, now)?;
                if self
                    .members
                    .get(&account_id)
                    .is_some_and(|member| member.active)
                {
                    return Err(WorkspaceError::AlreadyMember);
                }
                Ok(vec![WorkspaceEvent::MemberJoined {
                    account_id,
                    role: accepted.role,
                    joined_at: now,
                    invitation: Some(invitation_id),
                }])
            }
            WorkspaceCommand::ChangeRole {
                account_id,
                role,
                by,
            } => {
                if !role.is_member_role() {
                    return Err(WorkspaceError::RoleNotAssignable);
                }
                let member = self.active_member(account_id)?;
                self.ensure_may_manage(by, member.role.max_owner(role))?;
                if member.role == role {
                    return Ok(vec![]);
                }
                if member.role == Role::Owner && self.active_owners() == 1 {
                    return Err(WorkspaceError::LastOwner);
                }
                let mut events = vec![WorkspaceEvent::MemberRoleChanged {
                    account_id,
                    role,
                    changed_at: now,
                }];
                // Their invitations live no longer than their right to send them.
                events.extend(self.revoke_pending(
                    |invitation| {
                        invitation.invited_by == account_id && !role.may_invite(invitation.role)
                    },
                    by,
                    RevocationReason::InviterDemoted,
                    now,
                ));
                Ok(events)
            }
            WorkspaceCommand::Deactivate {
                account_id,
                by,
                invited,
            } => {
                let member = self.active_member(account_id)?;
                self.ensure_may_manage(by, member.role)?;
                if member.role == Role::Owner && self.active_owners() == 1 {
                    return Err(WorkspaceError::LastOwner);
                }
                let mut events = vec![WorkspaceEvent::MemberDeactivated {
                    account_id,
                    deactivated_at: now,
                }];
                events.extend(self.revoke_pending(
                    |invitation| invitation.invited_by == account_id,
                    by,
                    RevocationReason::InviterDeactivated,
                    now,
                ));
                let sent_by_them = |id: &Uuid| {
                    self.invitations
                        .get(id)
                        .is_some_and(|invitation| invitation.invited_by == account_id)
                };
                let addressed: BTreeSet<Uuid> =
                    invited.into_iter().filter(|id| !sent_by_them(id)).collect();
                events.extend(
                    addressed
                        .into_iter()
                        .filter(|id| {
                            self.invitations
                                .get(id)
                                .is_some_and(|invitation| invitation.is_pending(now))
                        })
                        .map(|invitation_id| WorkspaceEvent::InvitationRevoked {
                            invitation_id,
                            by,
                            reason: RevocationReason::InviteeDeactivated,
                            revoked_at: now,
                        }),
                );
                Ok(events)
            }
        }
    }

    /// Owners are managed by owners only: an admin can neither make one, nor demote or
    /// deactivate one (including themselves into one).
    fn ensure_may_manage(&self, by: Uuid, touched: Role) -> Result<(), WorkspaceError> {
        let actor = self
            .members
            .get(&by)
            .filter(|member| member.active)
            .map(|member| member.role);
        if touched == Role::Owner && actor != Some(Role::Owner) {
            return Err(WorkspaceError::OwnerOnly);
        }
        Ok(())
    }

    /// Invitations are sent, withdrawn and granted by those whose role may grant what they
    /// name ([`Role::may_invite`]); an admin is told an owner's rights are needed.
    fn ensure_may_invite(&self, by: Uuid, role: Role) -> Result<(), WorkspaceError> {
        let actor = self
            .members
            .get(&by)
            .filter(|member| member.active)
            .map(|member| member.role);
        match actor {
            Some(actor) if actor.may_invite(role) => Ok(()),
            Some(Role::Admin) if role == Role::Owner => Err(WorkspaceError::OwnerOnly),
            _ => Err(WorkspaceError::NotAnInviter),
        }
    }

    /// The invitation `invitation_id` if it can be accepted at `now`: pending, not expired,
    /// and its inviter still an active member whose current role may grant its role. What
    /// the acceptance decides on; the API asks first, before it creates an account.
    pub fn acceptable_invitation(
        &self,
        invitation_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<AcceptableInvitation, WorkspaceError> {
        let invitation = self
            .invitations
            .get(&invitation_id)
            .ok_or(WorkspaceError::InvitationNotFound)?;
        match invitation.state {
            InvitationState::Revoked => return Err(WorkspaceError::InvitationRevoked),
            InvitationState::Accepted => return Err(WorkspaceError::InvitationAccepted),
            InvitationState::Pending if now >= invitation.expires_at => {
                return Err(WorkspaceError::InvitationExpired)
            }
            InvitationState::Pending => {}
        }
        let inviter = self
            .members
            .get(&invitation.invited_by)
            .filter(|member| member.active && member.role.may_invite(invitation.role))
            .ok_or(WorkspaceError::InviterLostRights)?;
        Ok(AcceptableInvitation {
            role: invitation.role,
            invited_by: invitation.invited_by,
            inviter_role: inviter.role,
        })
    }

    /// `InvitationRevoked` for each invitation still pending at `now` that `which` picks.
    fn revoke_pending(
        &self,
        which: impl Fn(&Invitation) -> bool,
        by: Uuid,
        reason: RevocationReason,
        now: DateTime<Utc>,
    ) -> Vec<WorkspaceEvent> {
        self.invitations
            .iter()
            .filter(|(_, invitation)| invitation.is_pending(now) && which(invitation))
            .map(|(invitation_id, _)| WorkspaceEvent::InvitationRevoked {
                invitation_id: *invitation_id,
                by,
                reason,
                revoked_at: now,
            })
            .collect()
    }

    pub fn name(&self) -> Option<&WorkspaceName> {
        self.name.as_ref()
    }

    fn active_member(&self, account_id: Uuid) -> Result<Member, WorkspaceError> {
        self.members
            .get(&account_id)
            .filter(|member| member.active)
            .copied()
            .ok_or(WorkspaceError::NotAMember)
    }

    fn active_owners(&self) -> usize {
        self.members
            .values()
            .filter(|member| member.active && member.role == Role::Owner)
            .count()
    }
}

impl Aggregate for Workspace {
    const TYPE: &'static str = "workspace";
    type Command = Stamped<WorkspaceCommand>;
    type Event = WorkspaceEvent;
    type Error = WorkspaceError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            WorkspaceEvent::Registered {
                name,
                registered_at,
            } => {
                self.registered_at = Some(registered_at);
                self.name = Some(name);
            }
            WorkspaceEvent::Renamed { name, .. } => self.name = Some(name),
            WorkspaceEvent::MemberJoined {
                account_id,
                role,
                invitation,
                ..
            } => {
                self.members
                    .insert(account_id, Member { role, active: true });
                if let Some(invitation) = invitation.and_then(|id| self.invitations.get_mut(&id)) {
                    invitation.state = InvitationState::Accepted;
                }
            }
            WorkspaceEvent::MemberInvited {
                invitation_id,
                role,
                invited_by,
                expires_at,
                ..
            } => {
                self.invitations.insert(
                    invitation_id,
                    Invitation {
                        role,
                        invited_by,
                        expires_at,
                        state: InvitationState::Pending,
                    },
                );
            }
            WorkspaceEvent::InvitationRevoked { invitation_id, .. } => {
                if let Some(invitation) = self.invitations.get_mut(&invitation_id) {
                    invitation.state = InvitationState::Revoked;
                }
            }
            WorkspaceEvent::MemberRoleChanged {
                account_id, role, ..
            } => {
                if let Some(member) = self.members.get_mut(&account_id) {
                    member.role = role;
                }
            }
            WorkspaceEvent::MemberDeactivated { account_id, .. } => {
                if let Some(member) = self.members.get_mut(&account_id) {
                    member.active = false;
                }
            }
            WorkspaceEvent::ModuleToggled {
                module, enabled, ..
            } => {
                if enabled {
                    self.modules.insert(module);
                } else {
                    self.modules.remove(&module);
                }
            }
            WorkspaceEvent::ConsentRecorded { .. } | WorkspaceEvent::TrialStarted { .. } => {}
        }
    }
}
