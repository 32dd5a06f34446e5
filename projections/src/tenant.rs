//! Reads on behalf of one workspace.
//!
//! Every read query filters on `workspace_id`; row-level security is the second lock. The
//! application connects as the tables' owner, which RLS would not restrict, so tenant reads
//! run as the `thermogestion_tenant` role with `app.workspace_id` set for the transaction.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

pub async fn begin(
    pool: &PgPool,
    workspace_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("set local role thermogestion_tenant")
        .execute(&mut *tx)
        .await?;
    sqlx::query("select set_config('app.workspace_id', $1, true)")
        .bind(workspace_id.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}
