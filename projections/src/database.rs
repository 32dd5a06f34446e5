//! What the database server says of itself, not of any workspace: whether it answers
//! (readiness), the migrations applied, and the connections open on a database (what the
//! HTTP benchmark reports of the pools' budget, docs/operations.md).

use sqlx::PgPool;

/// Whether the database answers a trivial query.
pub async fn answers(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i32>("select 1")
        .fetch_one(pool)
        .await?;
    Ok(())
}

/// The versions of the migrations applied, in order (sqlx's journal).
pub async fn applied_migrations(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("select version from _sqlx_migrations where success order by version")
        .fetch_all(pool)
        .await
}

/// Connections open on `database`, from every client.
pub async fn connections(pool: &PgPool, database: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from pg_stat_activity where datname = $1")
        .bind(database)
        .fetch_one(pool)
        .await
}

/// Connections open on `database` by the start of their last query (50 characters): what
/// keeps each one busy or idle.
pub async fn connections_by_last_query(
    pool: &PgPool,
    database: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select left(query, 50), count(*) from pg_stat_activity where datname = $1
         group by 1 order by 1",
    )
    .bind(database)
    .fetch_all(pool)
    .await
}
