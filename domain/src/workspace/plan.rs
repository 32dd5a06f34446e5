use serde::{Deserialize, Serialize};

/// The subscription plan (spec §4.1 step 3). Ordered: a higher plan includes every
/// feature of a lower one.
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
pub enum Plan {
    Lite,
    Pro,
}

impl Plan {
    pub const ALL: [Plan; 2] = [Self::Lite, Self::Pro];

    /// The plan's name as workshops read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lite => "Lite",
            Self::Pro => "Pro",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|plan| plan.as_str() == text)
    }

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

impl Module {
    /// The feature of the plans a module is (`platform::entitlements`).
    pub fn feature(self) -> crate::platform::Feature {
        match self {
            Self::Jantes => crate::platform::Feature::Jantes,
        }
    }
}

/// A new workspace tries the full Pro plan (spec §4.1 step 4), for as long as the
/// platform's catalogue says (`platform::catalogue`, 30 days by default).
pub const TRIAL_PLAN: Plan = Plan::Pro;
