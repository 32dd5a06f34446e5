use serde::{Deserialize, Serialize};

/// Who acts (DESIGN.md §3). `System` is the platform itself: demo seeding, schedules,
/// migrations of data; it never comes from a token.
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

impl Role {
    /// The roles a workspace member can hold (spec §3.1); `Editor`, `System` and
    /// `Anonymous` are never members.
    pub const MEMBER_ROLES: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Operator,
        Role::Accounting,
        Role::Client,
    ];

    pub fn is_member_role(self) -> bool {
        Self::MEMBER_ROLES.contains(&self)
    }

    /// Whether a member holding this role may bring someone in as `role`, by inviting them
    /// or by having an invitation they sent accepted: an owner any member role, an admin any
    /// but owner (only an owner makes an owner), nobody else anyone. A client is never
    /// invited as a member: their portal login comes with their client record.
    pub fn may_invite(self, role: Role) -> bool {
        let grantable = role.is_member_role() && role != Role::Client;
        grantable
            && match self {
                Role::Owner => true,
                Role::Admin => role != Role::Owner,
                _ => false,
            }
    }

    /// The role's name in the workshop's words (glossary), for French labels.
    pub fn french(self) -> &'static str {
        match self {
            Self::Owner => "gérant",
            Self::Admin => "administrateur",
            Self::Operator => "opérateur",
            Self::Accounting => "compta",
            Self::Client => "client",
            Self::Editor => "éditeur",
            Self::System => "plateforme",
            Self::Anonymous => "anonyme",
        }
    }

    /// `Owner` when either role is one: what a role change touches.
    pub fn max_owner(self, other: Role) -> Role {
        if self == Role::Owner || other == Role::Owner {
            Role::Owner
        } else {
            self
        }
    }

    /// The shop floor: members who work at the bench and the counter, whose money and
    /// uploads others check (segregation of duties). Owners and admins answer for the
    /// workshop; accounting keeps the books.
    pub fn is_shop_floor(self) -> bool {
        matches!(self, Role::Operator)
    }

    /// Owners and admins must use two-factor authentication (spec §11.2), and the
    /// platform's editors, who see every workshop's standing.
    pub fn requires_two_factor(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Editor)
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Owner,
            Self::Admin,
            Self::Operator,
            Self::Accounting,
            Self::Client,
            Self::Editor,
            Self::System,
            Self::Anonymous,
        ]
        .into_iter()
        .find(|role| role.as_str() == text)
    }
}
