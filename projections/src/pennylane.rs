//! What a workshop sees of its Pennylane connector: whether it is connected, since when,
//! its ledger mapping and its latest pushes. The token is never read here. The connection
//! is written by `commands::pennylane`, the pushes by `workers::pennylane`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::tenant;

/// How many pushes the status lists, latest first.
pub const LATEST_PUSHES: i64 = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub connected_at: DateTime<Utc>,
    /// Our account → Pennylane's ledger account id.
    pub accounts: BTreeMap<String, i64>,
}

/// One invoice's push.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Push {
    pub invoice_number: String,
    /// `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub remote_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// `None`: not connected (or disconnected: the pushes stay).
    pub connection: Option<Connection>,
    pub pushes: Vec<Push>,
}

/// The connector of `workspace_id`, read in one tenant transaction.
pub async fn status(pool: &PgPool, workspace_id: Uuid) -> Result<Status, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let connection: Option<(serde_json::Value, DateTime<Utc>)> = sqlx::query_as(
        "select accounts, connected_at from pennylane_connection where workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(&mut *tx)
    .await?;
    let pushes: Vec<Push> = sqlx::query_as(
        "select i.number as invoice_number, p.status, p.attempts, p.last_error, p.next_attempt_at, p.remote_url
         from pennylane_push p join invoice i on i.workspace_id = p.workspace_id and i.invoice_id = p.invoice_id
         where p.workspace_id = $1 order by p.updated_at desc limit $2",
    )
    .bind(workspace_id)
    .bind(LATEST_PUSHES)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Status {
        connection: connection.map(|(accounts, connected_at)| Connection {
            connected_at,
            // A mapping that no longer parses shows as none rather than failing the page.
            accounts: serde_json::from_value(accounts).unwrap_or_default(),
        }),
        pushes,
    })
}
