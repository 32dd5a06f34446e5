//! The data keys of clients (ADR 0005): created here, by the write side, which owns the
//! `client_key` table — a client's first save stores its key, an import stores the keys of
//! the clients it creates, an erasure deletes them. The read side seals nothing: the client
//! projection and the invitation reactor only look keys up to open sealed data, through the
//! read-only `projections::client_key` (`projections` cannot depend on `commands`, and the
//! readers then hold no way to write a key).

use domain::client::SubjectKey;
use sqlx::PgExecutor;
use uuid::Uuid;

/// The client's key, `fresh` stored if it has none yet: one statement for a new client.
/// `None` only when another transaction stored one after this statement's snapshot (the
/// caller reads it then).
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
    Ok(bytes.and_then(|bytes| SubjectKey::from_stored(&bytes)))
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
