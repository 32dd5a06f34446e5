//! What `thermogestion bench` writes that the product never does: the ceiling an append is
//! compared to, a one-row insert transaction of an event-sized payload into a bare table
//! (docs/performance.md). Only ever run against a throw-away bench database.

use sqlx::PgPool;
use uuid::Uuid;

/// Creates the bare table, in a bench database that does not have it yet.
pub async fn create_bare_table(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "create table bench_bare (id bigint generated always as identity primary key,
                                  workspace_id uuid not null, payload jsonb not null,
                                  recorded_at timestamptz not null default now())",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// One row, in a transaction of its own.
pub async fn insert_bare(
    pool: &PgPool,
    workspace_id: Uuid,
    payload: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("insert into bench_bare (workspace_id, payload) values ($1, $2)")
        .bind(workspace_id)
        .bind(payload)
        .execute(pool)
        .await?;
    Ok(())
}
