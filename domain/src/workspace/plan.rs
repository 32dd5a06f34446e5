use serde::{Deserialize, Serialize};

/// The subscription plan (spec §4.1 step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Plan {
    Lite,
    Pro,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lite => "lite",
            Self::Pro => "pro",
        }
    }
}

/// Optional modules a workspace switches on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Module {
    /// *ThermoGestion Jantes*: wheel refurbishing (spec §6). Off by default.
    Jantes,
}

/// A new workspace tries the full Pro plan for 30 days (spec §4.1 step 4).
pub const TRIAL_DAYS: i64 = 30;
pub const TRIAL_PLAN: Plan = Plan::Pro;
