//! Reads on behalf of one workspace.
//!
//! Every read query filters on `workspace_id`; row-level security is the second lock. The
//! application connects as the tables' owner, which RLS would not restrict, so tenant reads
//! run as the `thermogestion_tenant` role with `app.workspace_id` set for the transaction.
//!
//! A workspace with a parked read model reads nothing until the sequence is retried: read
//! models refer to one another (a quote shows its client, a batch its projects), so a
//! partial view would show contradictions as facts. The refusal is a database error of our
//! own SQLSTATE, [`PARKED_SQLSTATE`], so that every caller's `?` carries it unchanged.

use std::sync::OnceLock;

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// Raised by `thermogestion_enter_tenant` (migration 0026) when a read model is parked.
pub const PARKED_SQLSTATE: &str = "TGP01";

/// The read models a parked workspace cannot read (reactors have none).
fn read_models() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| crate::all().iter().map(|p| p.name()).collect())
}

/// A read of any of the workspace's read models: refused while one of them is parked.
pub async fn begin(
    pool: &PgPool,
    workspace_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    begin_reading(pool, workspace_id, read_models()).await
}

/// A read of the named read models only, refused while one of *them* is parked: what must
/// keep working when another one is (authentication reads `member`).
pub async fn begin_reading(
    pool: &PgPool,
    workspace_id: Uuid,
    read_models: &[&str],
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select thermogestion_enter_tenant($1, $2)")
        .bind(workspace_id)
        .bind(read_models)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The parked read models named by a [`begin`] refusal, if `error` is one.
pub fn parked_read_models(error: &sqlx::Error) -> Option<String> {
    let database = error.as_database_error()?;
    if database.code().as_deref() != Some(PARKED_SQLSTATE) {
        return None;
    }
    let message = database.message();
    Some(
        message
            .strip_prefix("read model parked: ")
            .unwrap_or(message)
            .to_owned(),
    )
}
