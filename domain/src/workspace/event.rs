use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::WorkspaceName;

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum WorkspaceEvent {
    Registered {
        name: WorkspaceName,
        registered_at: DateTime<Utc>,
    },
    Renamed {
        name: WorkspaceName,
        renamed_at: DateTime<Utc>,
    },
}

impl WorkspaceEvent {
    /// The `event_type` column values, listed once so projections match on constants.
    pub const REGISTERED: &'static str = "WorkspaceRegistered";
    pub const RENAMED: &'static str = "WorkspaceRenamed";
}

impl DomainEvent for WorkspaceEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Registered { .. } => Self::REGISTERED,
            Self::Renamed { .. } => Self::RENAMED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
