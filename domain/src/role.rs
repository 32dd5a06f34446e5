use serde::{Deserialize, Serialize};

/// Who acts (DESIGN.md §3). `System` is the platform itself: demo seeding, schedules,
/// migrations of data; it never comes from a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Operator,
    Accounting,
    Client,
    Editor,
    System,
    /// A caller not yet authenticated: only self-service sign-up accepts it.
    Anonymous,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Operator => "operator",
            Self::Accounting => "accounting",
            Self::Client => "client",
            Self::Editor => "editor",
            Self::System => "system",
            Self::Anonymous => "anonymous",
        }
    }
}
