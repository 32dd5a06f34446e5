//! Connecting, creating the database if absent, migrating.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// Numbered, reversible migrations of `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Creates the database named in `url` when it does not exist yet, so a newcomer's first
/// `serve` works against a bare PostgreSQL.
pub async fn ensure_database(url: &str) -> Result<(), sqlx::Error> {
    commands::database::create_if_absent(&PgConnectOptions::from_str(url)?).await
}

/// The pool every part of a process shares.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    connect_with(PgConnectOptions::from_str(url)?, max_connections).await
}

pub async fn connect_with(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    pool_options(max_connections)
        .connect_with(session_settings(options))
        .await
}

/// What every pool of a process shares: its bound, how long a caller waits, and idle
/// connections given back.
fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // A burst (catch-up at start, a busy hour) opens up to the maximum; once quiet, the
        // pool gives them back instead of pinning them for sqlx's default ten minutes
        // (docs/operations.md, connection budget).
        .min_connections(0)
        .idle_timeout(IDLE_TIMEOUT)
}

tokio::task_local! {
    /// The workspace of the request this task serves, once authenticated.
    static REQUEST_WORKSPACE: std::sync::OnceLock<uuid::Uuid>;
}

/// Runs one HTTP request: connections it takes from the requests' pool carry its
/// workspace once [`enter_workspace`] names it, none before (ADR 0013).
pub async fn serve_request<F: std::future::Future>(request: F) -> F::Output {
    REQUEST_WORKSPACE
        .scope(std::sync::OnceLock::new(), request)
        .await
}

/// The authenticated caller's workspace: from now on, every connection this request takes
/// is scoped to it (`app.workspace_id`), so a query that forgets its filter still sees
/// only this workspace. Once per request; later calls change nothing.
pub fn enter_workspace(workspace_id: uuid::Uuid) {
    let _ = REQUEST_WORKSPACE.try_with(|cell| cell.set(workspace_id));
}

fn request_workspace() -> Option<uuid::Uuid> {
    REQUEST_WORKSPACE
        .try_with(|cell| cell.get().copied())
        .ok()
        .flatten()
}

/// Sets the connection's `app.workspace_id` to the current request's workspace, or to
/// nothing: each acquisition overwrites what the previous user left.
async fn scope_connection(connection: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    projections::tenant::scope_connection(connection, request_workspace()).await
}

/// The requests' pool (the request role in production): as [`connect`], and every
/// connection handed out is scoped to the workspace of the request that takes it.
pub async fn connect_requests(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    pool_options(max_connections)
        .after_connect(|connection, _| Box::pin(scope_connection(connection)))
        .before_acquire(|connection, _| {
            Box::pin(async move {
                scope_connection(connection).await?;
                Ok(true)
            })
        })
        .connect_with(session_settings(PgConnectOptions::from_str(url)?))
        .await
}

/// How long a pooled connection may stay unused before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings every connection starts with, sent in the startup packet (no extra round trip).
/// A transaction left open holds the feed's low watermark and stalls every projection: cap
/// how long one may idle (EVENT-STORE.md).
pub fn session_settings(options: PgConnectOptions) -> PgConnectOptions {
    options.options([
        ("idle_in_transaction_session_timeout", "60s"),
        ("timezone", "UTC"),
    ])
}

/// Rolls back the last `steps` applied migrations.
pub async fn migrate_down(pool: &PgPool, steps: usize) -> Result<Vec<i64>, sqlx::Error> {
    let mut applied = projections::database::applied_migrations(pool).await?;
    let keep = applied.len().saturating_sub(steps);
    let target = if keep == 0 { 0 } else { applied[keep - 1] };
    MIGRATOR.undo(pool, target).await?;
    Ok(applied.split_off(keep))
}
