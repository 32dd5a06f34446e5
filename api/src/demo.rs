//! A realistic demo workshop, seeded idempotently.

use commands::{CommandError, CommandMeta, Commands};
use domain::workspace::{WorkspaceCommand, WorkspaceError, AGGREGATE_LOCAL_ID};
use uuid::Uuid;

/// Fixed so that seeding twice finds the same workshop instead of creating a second one.
pub const DEMO_WORKSPACE_ID: Uuid = Uuid::from_u128(0x0192_f000_0000_7000_8000_0000_0000_de30);
pub const DEMO_WORKSPACE_NAME: &str = "Thermolaquage du Val de Loire (démo)";

/// Seeds the demo workshop; returns whether it was created by this call.
pub async fn seed(commands: &Commands) -> anyhow::Result<bool> {
    let meta = CommandMeta::system(DEMO_WORKSPACE_ID, "demo-seed");
    let register = WorkspaceCommand::Register {
        name: DEMO_WORKSPACE_NAME.to_owned(),
    };
    match commands
        .workspaces
        .execute(&meta, AGGREGATE_LOCAL_ID, register)
        .await
    {
        Ok(_) => Ok(true),
        Err(CommandError::Rejected(WorkspaceError::AlreadyRegistered)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}
