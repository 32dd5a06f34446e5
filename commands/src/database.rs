//! The database itself, before any workspace: created when a newcomer's first `serve` meets
//! a bare PostgreSQL, recreated empty for a benchmark. Both go through the server's
//! `postgres` maintenance database, as a database cannot create itself.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

/// Creates the database `options` name when it does not exist yet.
pub async fn create_if_absent(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let Some(database) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut maintenance = options.clone().database("postgres").connect().await?;
    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
            .bind(&database)
            .fetch_one(&mut maintenance)
            .await?;
    if !exists {
        let quoted = database.replace('"', "\"\"");
        match maintenance
            .execute(format!("create database \"{quoted}\"").as_str())
            .await
        {
            Ok(_) => tracing::info!(database, "database created"),
            // Another process created it between our check and our create.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => {}
            Err(error) => return Err(error),
        }
    }
    maintenance.close().await
}

/// Drops (if present) and creates the database of `options`: benchmarks start empty.
pub async fn recreate(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let database = options
        .get_database()
        .unwrap_or("thermogestion")
        .replace('"', "\"\"");
    let mut maintenance = options.clone().database("postgres").connect().await?;
    maintenance
        .execute(format!("drop database if exists \"{database}\" with (force)").as_str())
        .await?;
    maintenance
        .execute(format!("create database \"{database}\"").as_str())
        .await?;
    maintenance.close().await
}
