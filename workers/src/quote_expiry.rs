//! Sent quotes past their validity date become expired (spec §5.2). A schedule, since only
//! time passes; like the low-stock review it needs no lock: the quote aggregate lets one
//! process expire a quote, the others find it expired already.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use commands::{CommandError, CommandMeta, Commands};
use domain::quote::lifecycle::{aggregate_local_id, QuoteCommand};
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

pub const CHECK_EVERY: Duration = Duration::from_secs(60 * 60);

/// Expires every sent quote whose validity ended before `now`'s day (Paris); returns how many.
pub async fn expire_due(
    pool: &PgPool,
    commands: &Commands,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let today = now.with_timezone(&Paris).date_naive();
    let due: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "select workspace_id, quote_id from quote where status = 'sent' and valid_until < $1",
    )
    .bind(today)
    .fetch_all(pool)
    .await?;
    let mut expired = 0;
    for (workspace_id, quote_id) in due {
        let meta = CommandMeta::system(workspace_id, "quote-expiry");
        match commands
            .quotes
            .execute_as_of(
                &meta,
                &aggregate_local_id(quote_id),
                QuoteCommand::Expire,
                Some(now),
            )
            .await
        {
            Ok(receipt) => expired += usize::from(receipt.event_count > 0),
            // Signed, revised or expired by someone else since the read: nothing to do.
            Err(CommandError::Rejected(_)) => {}
            Err(error) => tracing::error!(%workspace_id, %quote_id, %error, "quote expiry failed"),
        }
    }
    Ok(expired)
}

pub async fn run(
    pool: PgPool,
    commands: Commands,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = expire_due(&pool, &commands, Utc::now()).await {
            tracing::error!(%error, "quote expiry failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
