//! Batches over GraphQL (spec §5.5): the recommended loads, the oven, the batches (séries)
//! from draft to closed, the packing of a batch on the oven's bars (coordinates and an SVG
//! drawing), and the day's cure order.

mod mutation;
mod query;
mod types;

pub(super) use mutation::BatchMutation;
pub(super) use query::BatchQuery;

use async_graphql::{Context, ID};
use domain::ErrorKind;
use uuid::Uuid;

use self::types::BatchNode;
use super::state;
use crate::ApiError;

fn not_found() -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "BATCH_NOT_FOUND",
        "cette série n'existe pas",
    )
}

/// A batch id typed by the caller: anything unparsable is simply not found.
fn batch_uuid(id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

/// One batch as the caller's workshop sees it.
async fn batch_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    batch_id: Uuid,
) -> Result<BatchNode, ApiError> {
    projections::views::batches::batch(&state(ctx).pool, workspace_id, batch_id)
        .await?
        .map(BatchNode::from)
        .ok_or_else(not_found)
}
