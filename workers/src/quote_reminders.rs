//! Reminders of unsigned quotes (spec §5.2: J+2, J+7, set per workshop). A schedule records
//! `QuoteReminded` on each quote whose step is due; the `quote_emails` reactor sends the
//! email. Signing, refusing, expiry or a new version end them: the quote aggregate only
//! reminds a sent quote, once per step, so two processes running this at once are harmless.

use std::time::Duration;

use chrono::{DateTime, Utc};
use commands::{CommandError, CommandMeta, Commands};
use domain::quote::lifecycle::{aggregate_local_id, QuoteCommand};
use sqlx::PgPool;
use tokio::sync::watch;

pub const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);
const PAGE: i64 = 500;

/// Records every reminder due at `now`; returns how many.
pub async fn remind_due(
    pool: &PgPool,
    commands: &Commands,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let due = projections::quote::due_reminders(pool, now, PAGE).await?;
    let mut reminded = 0;
    for reminder in due {
        let (workspace_id, quote_id) = (reminder.workspace_id, reminder.quote_id);
        let meta = CommandMeta::system(workspace_id, "quote-reminders");
        let command = QuoteCommand::Remind {
            after_days: u16::try_from(reminder.after_days).unwrap_or(u16::MAX),
        };
        match commands
            .quotes
            .execute_as_of(&meta, &aggregate_local_id(quote_id), command, Some(now))
            .await
        {
            Ok(receipt) => reminded += usize::from(receipt.event_count > 0),
            // Signed, refused or revised since the read: no reminder.
            Err(CommandError::Rejected(_)) => {}
            Err(error) => {
                tracing::error!(%workspace_id, %quote_id, %error, "quote reminder failed")
            }
        }
    }
    Ok(reminded)
}

pub async fn run(
    pool: PgPool,
    commands: Commands,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = remind_due(&pool, &commands, Utc::now()).await {
            tracing::error!(%error, "quote reminders failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
