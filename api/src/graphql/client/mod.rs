//! Clients over GraphQL (spec §5.1): the directory and client sheet, editing with
//! duplicate warnings, the interaction journal, merges and the CRM settings.

mod directory;
mod editing;
mod import;
mod settings;
mod types;

pub use directory::*;
pub use editing::*;
pub use import::*;
pub use settings::*;
pub use types::*;

use async_graphql::{Context, ID};
use projections::tenant;
use uuid::Uuid;

use crate::graphql::state;
use crate::ApiError;

const MAX_PAGE: i64 = 100;

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "CLIENT_NOT_FOUND",
        "ce client n'existe pas",
    )
}

/// A client id typed by the caller: anything unparsable is simply not found.
fn client_uuid(id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

/// One client as the caller's workshop sees it.
async fn client_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<ClientNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = projections::client::find(&mut *tx, workspace_id, client_id).await?;
    tx.commit().await?;
    row.map(ClientNode::from).ok_or_else(not_found)
}
