//! Projects over GraphQL (spec §5.3, §5.4): the list by promised date, the project sheet,
//! the workshop's queue, the moves of the shop floor (validate, skip, QC, non-conformity,
//! delivery), the scan of a part label, the photos, the workflow settings and the
//! non-conformity figures.

mod mutation;
mod photos;
mod query;
mod types;
mod workflow;

pub(super) use mutation::ProjectMutation;
pub(super) use query::ProjectQuery;

use async_graphql::{Context, ID};
use projections::tenant;
use uuid::Uuid;

use self::types::ProjectNode;
use self::workflow::WorkflowNode;
use super::state;
use crate::ApiError;

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "PROJECT_NOT_FOUND",
        "ce projet n'existe pas",
    )
}

/// A project id typed by the caller: anything unparsable is simply not found.
fn project_uuid(id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

/// One project as the caller's workshop sees it.
async fn project_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<ProjectNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = projections::project::find(&mut *tx, workspace_id, project_id).await?;
    tx.commit().await?;
    row.map(ProjectNode::from).ok_or_else(not_found)
}

/// The workshop's workflow (the default one until it is changed).
async fn workflow_node(ctx: &Context<'_>, workspace_id: Uuid) -> Result<WorkflowNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let settings = projections::project::workflow(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(settings.into())
}
