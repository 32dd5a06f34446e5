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
    },
    Rename {
        name: String,
    },
    SetModule {
        module: Module,
        enabled: bool,
    },
    /// Adds an existing account as a member (accepting an invitation ends here).
    AddMember {
        account_id: Uuid,
        role: Role,
    },
    /// `by` is the member acting: only an owner may touch an owner or make one.
    ChangeRole {
        account_id: Uuid,
        role: Role,
        by: Uuid,
    },
    Deactivate {
        account_id: Uuid,
        by: Uuid,
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
