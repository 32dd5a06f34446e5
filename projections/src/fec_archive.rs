//! The monthly FEC archives `workers::fec_archive` writes: the list a workshop sees, and
//! where a month's file lies in the object store with the digest it must still have.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::tenant;

/// One month's archive, as listed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Archive {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub bytes: i64,
    pub lines: i64,
    pub archived_at: DateTime<Utc>,
    pub keep_until: NaiveDate,
}

/// Where a month's archive is stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Stored {
    /// The object's name under the workshop's archive prefix.
    pub object_name: String,
    /// The name the download gives it (`<SIREN>FEC<AAAAMMJJ>.txt`).
    pub file_name: String,
    pub sha256: String,
}

/// Every archive of `workspace_id`, the most recent month first.
pub async fn archives(pool: &PgPool, workspace_id: Uuid) -> Result<Vec<Archive>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let rows = sqlx::query_as(
        "select period_start, period_end, file_name, sha256, bytes, lines, archived_at, keep_until
         from fec_archive where workspace_id = $1 order by period_start desc",
    )
    .bind(workspace_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// The archive of the month starting on `period_start`, if there is one.
pub async fn stored(
    pool: &PgPool,
    workspace_id: Uuid,
    period_start: NaiveDate,
) -> Result<Option<Stored>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let row = sqlx::query_as(
        "select object_name, file_name, sha256 from fec_archive where workspace_id = $1 and period_start = $2",
    )
    .bind(workspace_id)
    .bind(period_start)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}
