//! The *atelier*: one workshop, one tenant.
//!
//! The foundation only registers and renames it; sign-up, consent, plan and modules extend
//! this aggregate (issue "Workspaces, users, roles").

mod command;
mod error;
mod event;
mod name;
#[cfg(test)]
mod tests;

pub use command::WorkspaceCommand;
pub use error::WorkspaceError;
pub use event::WorkspaceEvent;
pub use name::WorkspaceName;

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use crate::Stamped;

/// Local id of the workspace aggregate inside its own workspace scope.
pub const AGGREGATE_LOCAL_ID: &str = "workspace";

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    registered_at: Option<DateTime<Utc>>,
    name: Option<WorkspaceName>,
}

impl Workspace {
    /// Pure: same state and command, same events. No clock, no I/O.
    pub fn decide(
        &self,
        command: Stamped<WorkspaceCommand>,
    ) -> Result<Vec<WorkspaceEvent>, WorkspaceError> {
        match command.body {
            WorkspaceCommand::Register { name } => {
                if self.registered_at.is_some() {
                    return Err(WorkspaceError::AlreadyRegistered);
                }
                let name = WorkspaceName::parse(&name)?;
                Ok(vec![WorkspaceEvent::Registered {
                    name,
                    registered_at: command.now,
                }])
            }
            WorkspaceCommand::Rename { name } => {
                let current = self.name.as_ref().ok_or(WorkspaceError::NotRegistered)?;
                let name = WorkspaceName::parse(&name)?;
                if &name == current {
                    // Renaming to the same name is a no-op, not an error: a double-click
                    // on "save" must not fail, and must not add a line to the audit log.
                    return Ok(vec![]);
                }
                Ok(vec![WorkspaceEvent::Renamed {
                    name,
                    renamed_at: command.now,
                }])
            }
        }
    }

    pub fn name(&self) -> Option<&WorkspaceName> {
        self.name.as_ref()
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
        }
    }
}
