//! GraphQL enums mirroring domain enums.

use async_graphql::Enum;
use domain::Role;

/// Rôle d'un membre dans l'atelier, ou éditeur de la plateforme (jamais membre d'un
/// atelier : ce rôle ne s'attribue ni ne s'invite).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum RoleValue {
    Owner,
    Admin,
    Operator,
    Accounting,
    Client,
    Editor,
}

impl From<RoleValue> for Role {
    fn from(role: RoleValue) -> Self {
        match role {
            RoleValue::Owner => Role::Owner,
            RoleValue::Admin => Role::Admin,
            RoleValue::Operator => Role::Operator,
            RoleValue::Accounting => Role::Accounting,
            RoleValue::Client => Role::Client,
            RoleValue::Editor => Role::Editor,
        }
    }
}

impl RoleValue {
    /// Member roles and the editor's; anything else is a bug, shown as `None`.
    pub fn from_stored(text: &str) -> Option<Self> {
        match Role::parse(text)? {
            Role::Owner => Some(Self::Owner),
            Role::Admin => Some(Self::Admin),
            Role::Operator => Some(Self::Operator),
            Role::Accounting => Some(Self::Accounting),
            Role::Client => Some(Self::Client),
            Role::Editor => Some(Self::Editor),
            Role::System | Role::Anonymous => None,
        }
    }
}

/// Module optionnel d'un atelier.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Module")]
pub enum ModuleValue {
    /// ThermoGestion Jantes : rénovation de jantes.
    Jantes,
}

impl From<ModuleValue> for domain::workspace::Module {
    fn from(module: ModuleValue) -> Self {
        match module {
            ModuleValue::Jantes => Self::Jantes,
        }
    }
}
