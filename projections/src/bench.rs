//! What the benchmarks read and fill beside the projections (docs/performance.md): the log
//! scanned raw, the baseline the feed and a replay are compared to, and a ledger filled in
//! bulk for the FEC export. Only ever run against a throw-away bench database.

use chrono::NaiveDate;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Fresh statistics for the log: a production table has them (autovacuum); one filled
/// seconds ago does not, and the planner then sorts instead of walking the feed index.
pub async fn analyze_events(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("analyze events").execute(pool).await?;
    Ok(())
}

/// Every event of the log read at once and its payload decoded: how many were.
pub async fn scan_events(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let rows = sqlx::query("select * from events").fetch_all(pool).await?;
    let mut decoded = 0u64;
    for row in &rows {
        let payload: serde_json::Value = row.try_get("payload")?;
        decoded += u64::from(!payload.is_null());
    }
    Ok(decoded)
}

/// Appends `entries` (FEC entries as the invoicing projection stores them) to the ledger of
/// `workspace_id`, numbered after `last_seq`, each dated by the day at the same index.
pub async fn fill_ledger(
    pool: &PgPool,
    workspace_id: Uuid,
    last_seq: i64,
    entries: &[serde_json::Value],
    days: &[NaiveDate],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into ledger_entry (workspace_id, seq, entry_date, entry)
         select $1, $2 + ordinality, day, entry
         from unnest($3::jsonb[], $4::date[]) with ordinality as t(entry, day)",
    )
    .bind(workspace_id)
    .bind(last_seq)
    .bind(entries)
    .bind(days)
    .execute(pool)
    .await?;
    Ok(())
}
