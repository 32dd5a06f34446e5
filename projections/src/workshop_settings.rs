//! A workshop's settings kept whole as JSON, one row per workshop (quote settings and
//! template, workflow): stored as the events say, read back with the defaults until the
//! workshop changes them. `table` and `column` are constants of the calling module.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub(crate) async fn load<T: DeserializeOwned + Default>(
    executor: impl PgExecutor<'_>,
    table: &'static str,
    column: &'static str,
    workspace_id: Uuid,
) -> Result<T, sqlx::Error> {
    let stored: Option<serde_json::Value> = sqlx::query_scalar(&format!(
        "select {column} from {table} where workspace_id = $1"
    ))
    .bind(workspace_id)
    .fetch_optional(executor)
    .await?;
    Ok(stored
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default())
}

pub(crate) async fn save<T: Serialize>(
    conn: &mut PgConnection,
    table: &'static str,
    column: &'static str,
    workspace_id: Uuid,
    value: &T,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "insert into {table} (workspace_id, {column}, updated_at) values ($1, $2, $3)
         on conflict (workspace_id) do update set {column} = $2, updated_at = $3"
    ))
    .bind(workspace_id)
    .bind(serde_json::to_value(value).unwrap_or_default())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
