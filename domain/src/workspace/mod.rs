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
pub use event::WorkspaceEvent;
pub use name::WorkspaceName;
pub use plan::{Module, Plan, TRIAL_DAYS, TRIAL_PLAN};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Role, Stamped};

/// Local id of the workspace aggregate inside its own workspace scope.
pub const AGGREGATE_LOCAL_ID: &str = "workspace";

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    registered_at: Option<DateTime<Utc>>,
    name: Option<WorkspaceName>,
    members: BTreeMap<Uuid, Member>,
    modules: BTreeSet<Module>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Member {
    role: Role,
    active: bool,
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
                        ends_at: now + Duration::days(TRIAL_DAYS),
                    },
                    WorkspaceEvent::MemberJoined {
                        account_id: owner,
                        role: Role::Owner,
                        joined_at: now,
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
                Ok(vec![WorkspaceEvent::MemberRoleChanged {
                    account_id,
                    role,
                    changed_at: now,
                }])
            }
            WorkspaceCommand::Deactivate { account_id, by } => {
                let member = self.active_member(account_id)?;
                self.ensure_may_manage(by, member.role)?;
                if member.role == Role::Owner && self.active_owners() == 1 {
                    return Err(WorkspaceError::LastOwner);
                }
                Ok(vec![WorkspaceEvent::MemberDeactivated {
                    account_id,
                    deactivated_at: now,
                }])
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
                account_id, role, ..
            } => {
                self.members
                    .insert(account_id, Member { role, active: true });
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
