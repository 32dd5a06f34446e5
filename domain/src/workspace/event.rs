use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Consent, Module, Plan, WorkspaceName};
use crate::Role;

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum WorkspaceEvent {
    Registered {
        name: WorkspaceName,
        registered_at: DateTime<Utc>,
    },
    /// The GDPR consent, with the versions accepted; the event's metadata holds the IP.
    ConsentRecorded {
        account_id: Uuid,
        consent: Consent,
        recorded_at: DateTime<Utc>,
    },
    TrialStarted {
        plan: Plan,
        started_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
    MemberJoined {
        account_id: Uuid,
        role: Role,
        joined_at: DateTime<Utc>,
    },
    MemberRoleChanged {
        account_id: Uuid,
        role: Role,
        changed_at: DateTime<Utc>,
    },
    MemberDeactivated {
        account_id: Uuid,
        deactivated_at: DateTime<Utc>,
    },
    Renamed {
        name: WorkspaceName,
        renamed_at: DateTime<Utc>,
    },
    ModuleToggled {
        module: Module,
        enabled: bool,
        toggled_at: DateTime<Utc>,
    },
}

impl WorkspaceEvent {
    /// The `event_type` column values, listed once so projections match on constants.
    pub const REGISTERED: &'static str = "WorkspaceRegistered";
    pub const CONSENT_RECORDED: &'static str = "WorkspaceConsentRecorded";
    pub const TRIAL_STARTED: &'static str = "WorkspaceTrialStarted";
    pub const MEMBER_JOINED: &'static str = "WorkspaceMemberJoined";
    pub const MEMBER_ROLE_CHANGED: &'static str = "WorkspaceMemberRoleChanged";
    pub const MEMBER_DEACTIVATED: &'static str = "WorkspaceMemberDeactivated";
    pub const RENAMED: &'static str = "WorkspaceRenamed";
    pub const MODULE_TOGGLED: &'static str = "WorkspaceModuleToggled";
}

impl DomainEvent for WorkspaceEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Registered { .. } => Self::REGISTERED,
            Self::ConsentRecorded { .. } => Self::CONSENT_RECORDED,
            Self::TrialStarted { .. } => Self::TRIAL_STARTED,
            Self::MemberJoined { .. } => Self::MEMBER_JOINED,
            Self::MemberRoleChanged { .. } => Self::MEMBER_ROLE_CHANGED,
            Self::MemberDeactivated { .. } => Self::MEMBER_DEACTIVATED,
            Self::Renamed { .. } => Self::RENAMED,
            Self::ModuleToggled { .. } => Self::MODULE_TOGGLED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
