//! The data keys of clients (ADR 0005), looked up where sealed client data is opened: the
//! client projection, the invitation reactor, and the command side's reads
//! (`commands::context`). Read only: the table is the write side's, which creates and
//! stores keys (`commands::client_key`); this lookup stays here because `projections`
//! cannot depend on `commands`.

use std::collections::HashMap;

use domain::client::SubjectKey;
use sqlx::PgExecutor;
use uuid::Uuid;

/// The keys of these clients that still exist (an erased client has none).
pub async fn find_many(
    executor: impl PgExecutor<'_>,
    workspace_ids: &[Uuid],
    client_ids: &[Uuid],
) -> Result<HashMap<(Uuid, Uuid), SubjectKey>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid, Vec<u8>)> = sqlx::query_as(
        // Lateral (`limit 1` keeps the planner from flattening it): one primary-key lookup
        // per client. A plain join let the planner guess a hundred rows for the `unnest`
        // and hash the whole table at every page (measured: a sequential scan of
        // `client_key` per page of the client projection).
        "select c.workspace_id, c.client_id, k.key
         from unnest($1::uuid[], $2::uuid[]) as c(workspace_id, client_id)
         cross join lateral (select key from client_key
                             where workspace_id = c.workspace_id and client_id = c.client_id
                             limit 1) k",
    )
    .bind(workspace_ids)
    .bind(client_ids)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(workspace_id, client_id, bytes)| {
            SubjectKey::from_stored(&bytes).map(|key| ((workspace_id, client_id), key))
        })
        .collect())
}

pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Option<SubjectKey>, sqlx::Error> {
    let bytes: Option<Vec<u8>> =
        sqlx::query_scalar("select key from client_key where workspace_id = $1 and client_id = $2")
            .bind(workspace_id)
            .bind(client_id)
            .fetch_optional(executor)
            .await?;
    Ok(bytes.and_then(|bytes| SubjectKey::from_stored(&bytes)))
}
