//! The data keys of clients (ADR 0005), read where sealed client data is opened: the client
//! projection, the invitation reactor, the command side. Created by the command side.

use std::collections::HashMap;

use domain::client::SubjectKey;
use sqlx::PgExecutor;
use uuid::Uuid;

fn key_of(bytes: Vec<u8>) -> Option<SubjectKey> {
    <[u8; 32]>::try_from(bytes.as_slice()).ok().map(SubjectKey)
}

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
            key_of(bytes).map(|key| ((workspace_id, client_id), key))
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
    Ok(bytes.and_then(key_of))
}

/// The client's key, `fresh` stored if it has none yet: one statement for a new client.
/// `None` only when another transaction stored one after this statement's snapshot (the
/// caller reads it with [`find`]).
pub async fn find_or_insert(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
    fresh: &SubjectKey,
) -> Result<Option<SubjectKey>, sqlx::Error> {
    let bytes: Option<Vec<u8>> = sqlx::query_scalar(
        "with inserted as (
           insert into client_key (workspace_id, client_id, key) values ($1, $2, $3)
           on conflict do nothing returning key)
         select key from inserted
         union all
         select key from client_key where workspace_id = $1 and client_id = $2
         limit 1",
    )
    .bind(workspace_id)
    .bind(client_id)
    .bind(fresh.0.as_slice())
    .fetch_optional(executor)
    .await?;
    Ok(bytes.and_then(key_of))
}

/// Stores fresh keys for new clients (idempotent per client: an existing key stays).
pub async fn insert_many(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    keys: &[(Uuid, SubjectKey)],
) -> Result<(), sqlx::Error> {
    let client_ids: Vec<Uuid> = keys.iter().map(|(id, _)| *id).collect();
    let bytes: Vec<Vec<u8>> = keys.iter().map(|(_, key)| key.0.to_vec()).collect();
    sqlx::query(
        "insert into client_key (workspace_id, client_id, key)
         select $1, client_id, key from unnest($2::uuid[], $3::bytea[]) as k(client_id, key)
         on conflict do nothing",
    )
    .bind(workspace_id)
    .bind(&client_ids)
    .bind(&bytes)
    .execute(executor)
    .await?;
    Ok(())
}
