//! Stock levels, receptions, consumption, weighings and the daily to-weigh list.

mod mutation;
mod query;
mod types;

pub use mutation::PowderStockMutation;
pub use query::PowderStockQuery;

use async_graphql::Context;
use projections::powder::{self as read_model, PowderRow};
use projections::tenant;

use crate::graphql::state;
use crate::ApiError;

/// The catalogue powder `powder_id` names, or `POWDER_NOT_FOUND`.
pub(in crate::graphql::powder) async fn catalogue_row(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    powder_id: &str,
) -> Result<PowderRow, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = read_model::find(&mut *tx, workspace_id, powder_id).await?;
    tx.commit().await?;
    row.ok_or_else(|| {
        ApiError::new(
            domain::ErrorKind::NotFound,
            "POWDER_NOT_FOUND",
            "cette poudre n'existe pas",
        )
    })
}
