//! The platform's catalogue (ADR 0014): seeded from the spec when a server starts, changed
//! by the editor. Its commands run in the platform workspace, never a workshop's.

use chrono::{DateTime, Utc};
use domain::platform::catalogue::{self, CatalogueCommand, CatalogueError};
use domain::platform::PLATFORM_WORKSPACE_ID;
use domain::Role;
use uuid::Uuid;

use crate::{CommandError, CommandMeta, CommandReceipt, Commands};

/// The platform acting on its own (the seed at start).
pub fn platform_meta(request_id: impl Into<String>) -> CommandMeta {
    CommandMeta::system(PLATFORM_WORKSPACE_ID, request_id)
}

/// An editor acting on the platform: the history of price and rule changes names them.
pub fn editor_meta(
    editor_id: Uuid,
    ip: Option<std::net::IpAddr>,
    request_id: impl Into<String>,
) -> CommandMeta {
    CommandMeta {
        workspace_id: PLATFORM_WORKSPACE_ID,
        actor_id: Some(editor_id),
        actor_role: Role::Editor,
        ip,
        request_id: request_id.into(),
    }
}

/// Seeds the catalogue unless it already is: every start calls it, and two servers starting
/// together append one seed (the second decides again on the log and finds it seeded).
pub async fn seed(commands: &Commands) -> Result<CommandReceipt, CommandError<CatalogueError>> {
    commands
        .catalogue
        .execute(
            &platform_meta("catalogue-seed"),
            catalogue::AGGREGATE_LOCAL_ID,
            CatalogueCommand::Seed,
        )
        .await
}

/// An editor's change of the catalogue, decided at `now` (the injected clock: a test moves
/// it to see a change apply).
pub async fn change(
    commands: &Commands,
    meta: &CommandMeta,
    command: CatalogueCommand,
    now: DateTime<Utc>,
) -> Result<CommandReceipt, CommandError<CatalogueError>> {
    debug_assert_eq!(meta.workspace_id, PLATFORM_WORKSPACE_ID);
    commands
        .catalogue
        .execute_as_of(meta, catalogue::AGGREGATE_LOCAL_ID, command, Some(now))
        .await
}
