use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};
use domain::{meta, Role};
use uuid::Uuid;

/// Who sends a command, from where, on behalf of which workspace.
///
/// Built from the authenticated request (never from the command input), so the workspace
/// scope of every aggregate id comes from the caller's token.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandMeta {
    pub workspace_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_role: Role,
    pub ip: Option<IpAddr>,
    pub request_id: String,
}

impl CommandMeta {
    /// The platform acting on its own (demo seeding, schedules).
    pub fn system(workspace_id: Uuid, request_id: impl Into<String>) -> Self {
        Self {
            workspace_id,
            actor_id: None,
            actor_role: Role::System,
            ip: None,
            request_id: request_id.into(),
        }
    }

    /// The string map cqrs-es stores beside each event. Key names are shared with readers
    /// through `domain::meta`.
    pub(crate) fn to_map(
        &self,
        command_id: Uuid,
        occurred_at: DateTime<Utc>,
    ) -> HashMap<String, String> {
        let mut map = HashMap::with_capacity(7);
        map.insert(meta::WORKSPACE_ID.to_owned(), self.workspace_id.to_string());
        if let Some(actor_id) = self.actor_id {
            map.insert(meta::ACTOR_ID.to_owned(), actor_id.to_string());
        }
        map.insert(
            meta::ACTOR_ROLE.to_owned(),
            self.actor_role.as_str().to_owned(),
        );
        if let Some(ip) = self.ip {
            map.insert(meta::IP.to_owned(), ip.to_string());
        }
        map.insert(meta::REQUEST_ID.to_owned(), self.request_id.clone());
        map.insert(
            meta::OCCURRED_AT.to_owned(),
            occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        );
        map.insert(meta::COMMAND_ID.to_owned(), command_id.to_string());
        map
    }
}
