//! The client file as its export lists it: every client by name, archived ones on request.

use sqlx::PgPool;
use uuid::Uuid;

use crate::client::{self, ClientRow, Filter};
use crate::tenant;

/// Clients per transaction: a file of tens of thousands of clients is read in short
/// transactions rather than one long one.
const PAGE: i64 = 1_000;

/// Every client of the workshop in the order of the client list (merged ones never),
/// archived ones too when `include_archived`.
pub async fn client_file(
    pool: &PgPool,
    workspace_id: Uuid,
    include_archived: bool,
) -> Result<Vec<ClientRow>, sqlx::Error> {
    let filter = Filter {
        include_archived,
        ..Filter::default()
    };
    let mut clients = Vec::new();
    let mut after = None;
    loop {
        let mut tx = tenant::begin(pool, workspace_id).await?;
        let rows = client::search(&mut *tx, workspace_id, &filter, after, PAGE).await?;
        tx.commit().await?;
        let full = rows.len() as i64 == PAGE;
        after = rows.last().map(|last| last.client_id);
        clients.extend(rows);
        if !full {
            return Ok(clients);
        }
    }
}
