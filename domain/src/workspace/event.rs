use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Consent, Module, Plan, WorkspaceName};
use crate::Role;

/// Event type strings are the contract with the log: never rename a variant, add a version.
/// Adding an optional field that older events lack (read as absent) is not a new version.
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
    /// `invitation`: the invitation accepted, absent when the member was added directly
    /// (sign-up, the platform) and on members who joined before invitations were events.
    MemberJoined {
        account_id: Uuid,
        role: Role,
        joined_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invitation: Option<Uuid>,
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
    /// An invitation sent by `invited_by`, for `role`, accepted until `expires_at`. The
    /// address it went to and the secret of its link are not in the log (ADR 0003): the
    /// `email_token` row of `invitation_id` keeps them, the secret as its SHA-256 only.
    MemberInvited {
        invitation_id: Uuid,
        role: Role,
        invited_by: Uuid,
        invited_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    },
    /// A pending invitation withdrawn: its link no longer lets anyone in. `by` is the member
    /// whose action withdrew it (the revocation, or the deactivation or role change that
    /// took the rights it needed).
    InvitationRevoked {
        invitation_id: Uuid,
        by: Uuid,
        reason: RevocationReason,
        revoked_at: DateTime<Utc>,
    },
}

/// Why an invitation was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum RevocationReason {
    /// An owner or admin withdrew it (`revokeInvitation`).
    Withdrawn,
    /// Its inviter was deactivated: an invitation lives no longer than its inviter's rights.
    InviterDeactivated,
    /// Its inviter now holds a role that could not have sent it (an admin made operator, an
    /// owner made admin for an owner invitation).
    InviterDemoted,
    /// It was addressed to a member who has just been deactivated: it must not let them
    /// back in.
    InviteeDeactivated,
}

impl RevocationReason {
    pub const ALL: [Self; 4] = [
        Self::Withdrawn,
        Self::InviterDeactivated,
        Self::InviterDemoted,
        Self::InviteeDeactivated,
    ];

    /// The stored form (read models).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Withdrawn => "withdrawn",
            Self::InviterDeactivated => "inviter_deactivated",
            Self::InviterDemoted => "inviter_demoted",
            Self::InviteeDeactivated => "invitee_deactivated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == text)
    }
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
    pub const MEMBER_INVITED: &'static str = "WorkspaceMemberInvited";
    pub const INVITATION_REVOKED: &'static str = "WorkspaceInvitationRevoked";
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
            Self::MemberInvited { .. } => Self::MEMBER_INVITED,
            Self::InvitationRevoked { .. } => Self::INVITATION_REVOKED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
