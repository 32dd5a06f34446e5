use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Module;
use crate::Role;

/// Commands carry raw input: parsing into domain types happens in `decide`, so a refusal
/// is a typed domain error and writes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WorkspaceCommand {
    /// Opens a workspace: its name, its owner's account, the owner's GDPR consent.
    SignUp {
        name: String,
        owner: Uuid,
        consent: Consent,
        /// The trial the platform gives new workshops now (the catalogue's).
        trial_days: u32,
    },
    Rename {
        name: String,
    },
    SetModule {
        module: Module,
        enabled: bool,
    },
    /// Adds an existing account as a member directly: the platform (tests, demo) and the
    /// portal login of a client, whose link came with its client record. Members invited
    /// by a member join through [`WorkspaceCommand::AcceptInvitation`].
    AddMember {
        account_id: Uuid,
        role: Role,
    },
    /// `by` invites someone as `role`; `invitation_id` is new (the caller generates it, so
    /// the link's token row and the event name the same invitation).
    Invite {
        invitation_id: Uuid,
        role: Role,
        by: Uuid,
    },
    /// `by` withdraws a pending invitation.
    RevokeInvitation {
        invitation_id: Uuid,
        by: Uuid,
    },
    /// The account that holds the invitation's link joins with the role the invitation
    /// names, if it is still pending and its inviter may still grant that role.
    AcceptInvitation {
        invitation_id: Uuid,
        account_id: Uuid,
    },
    /// `by` is the member acting: only an owner may touch an owner or make one.
    ChangeRole {
        account_id: Uuid,
        role: Role,
        by: Uuid,
    },
    /// `invited`: the invitations addressed to the member, revoked with the deactivation so
    /// none lets them back in. Addresses are not in the log (ADR 0003): the caller finds
    /// them in the token table; the aggregate revokes those still pending.
    Deactivate {
        account_id: Uuid,
        by: Uuid,
        invited: Vec<Uuid>,
    },
}

/// What the owner accepted at sign-up (spec §4.1 step 2, §11.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Consent {
    /// Version of the terms of service (*CGU*) shown.
    pub terms_version: String,
    pub privacy_policy_version: String,
    /// Explicit consent to the processing of the workshop's customers' data.
    pub data_processing: bool,
}

impl Consent {
    /// Every box ticked and the versions shown known: signing up without it is refused.
    pub fn check(&self) -> Result<(), super::WorkspaceError> {
        let bound = crate::limits::account::CONSENT_VERSION;
        bound.check(self.terms_version.trim())?;
        bound.check(self.privacy_policy_version.trim())?;
        let given = self.data_processing
            && !self.terms_version.trim().is_empty()
            && !self.privacy_policy_version.trim().is_empty();
        if given {
            Ok(())
        } else {
            Err(super::WorkspaceError::ConsentMissing)
        }
    }
}
