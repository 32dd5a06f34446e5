//! The monthly FEC archive (spec §7.2: « export mensuel automatique, archivage 10 ans »):
//! once a month is over, each workshop that invoices gets that month's FEC written to object
//! storage (`archives/<workspace>/fec/<YYYY-MM>/<SIREN>FEC<AAAAMMJJ>.txt`) with its SHA-256,
//! recorded in `fec_archive` with the date before which it must be kept. A schedule: the
//! archive of a month is written once (a second process finds the row). The file is the
//! download's, byte for byte (`crate::fec`); `projections::fec_archive` lists and finds it.

use std::time::Duration;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use commands::file_store::FileStore;
use domain::invoice::fec::file_name;
use domain::invoice::settings::InvoiceSettings;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

pub const CHECK_EVERY: Duration = Duration::from_secs(6 * 60 * 60);
/// Article L102 B du LPF: six years; the commercial code asks ten for accounting records.
pub const KEEP_YEARS: u32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] commands::file_store::StoreError),
}

/// The month before the Paris day of `now`: `(first day, last day)`.
pub fn previous_month(now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let today = now.with_timezone(&Paris).date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let last = this_month
        .checked_sub_days(Days::new(1))
        .unwrap_or(this_month);
    (last.with_day(1).unwrap_or(last), last)
}

/// Archives the previous month for every workshop with a seller; returns how many files.
pub async fn archive_due(
    pool: &PgPool,
    store: &FileStore,
    now: DateTime<Utc>,
) -> Result<usize, ArchiveError> {
    let (from, to) = previous_month(now);
    let workshops: Vec<(Uuid, serde_json::Value)> = sqlx::query_as(
        "select s.workspace_id, s.settings from invoice_settings s
         where not exists (select 1 from fec_archive a
                           where a.workspace_id = s.workspace_id and a.period_start = $1)",
    )
    .bind(from)
    .fetch_all(pool)
    .await?;
    let mut archived = 0;
    for (workspace_id, settings) in workshops {
        let Ok(settings) = serde_json::from_value::<InvoiceSettings>(settings) else {
            continue;
        };
        let Some(seller) = settings.seller else {
            continue;
        };
        let mut fec = crate::fec::FecWriter::new(workspace_id, from, to);
        let mut text = String::new();
        while let Some(chunk) = fec.next_chunk(pool).await? {
            text.push_str(&chunk);
        }
        let lines = fec.lines();
        let name = file_name(seller.siren(), to);
        let object_name = format!("fec/{:04}-{:02}/{name}", from.year(), from.month());
        let sha256 = domain::digest::sha256_hex(text.as_bytes());
        let bytes = text.len() as i64;
        store
            .put_archive(workspace_id, &object_name, text.into_bytes())
            .await?;
        let keep_until = to
            .checked_add_months(Months::new(12 * KEEP_YEARS))
            .unwrap_or(to);
        let inserted = sqlx::query(
            "insert into fec_archive (workspace_id, period_start, period_end, object_name, file_name,
                                      sha256, bytes, lines, archived_at, keep_until)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing",
        )
        .bind(workspace_id)
        .bind(from)
        .bind(to)
        .bind(&object_name)
        .bind(&name)
        .bind(&sha256)
        .bind(bytes)
        .bind(lines)
        .bind(now)
        .bind(keep_until)
        .execute(pool)
        .await?;
        archived += inserted.rows_affected() as usize;
    }
    Ok(archived)
}

pub async fn run(
    pool: PgPool,
    store: FileStore,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match archive_due(&pool, &store, Utc::now()).await {
            Ok(0) => {}
            Ok(archived) => tracing::info!(archived, "monthly FEC archived"),
            Err(error) => tracing::error!(%error, "monthly FEC archive failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_previous_month_is_the_paris_one() {
        // 23:30 UTC on 30 November is already 1 December in Paris: November is over.
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        assert_eq!(
            previous_month(now),
            (
                NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
            )
        );
        let january = Utc.with_ymd_and_hms(2027, 1, 15, 12, 0, 0).unwrap();
        assert_eq!(
            previous_month(january).0,
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
