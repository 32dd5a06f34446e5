//! Reorder suggestions, read from the stock and catalogue models and the recent consumption
//! in the log; the forecast itself is `domain::powder::reorder`. Shared by the API and the
//! low-stock alert job so both see the same figures.

use chrono::{DateTime, Duration, Utc};
use domain::powder::settings::StockSettings;
use domain::powder::{reorder, Reorder};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{powder_stock, tenant};

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub powder_key: String,
    pub reference: String,
    pub stock_kg: Decimal,
    /// Consumed during the observation window.
    pub consumed_kg: Decimal,
    pub plan: Reorder,
}

/// Every catalogued powder's forecast (archived ones left out), most urgent first (those without consumption last).
pub async fn suggestions(
    pool: &PgPool,
    workspace_id: Uuid,
    settings: &StockSettings,
    now: DateTime<Utc>,
) -> Result<Vec<Suggestion>, sqlx::Error> {
    let since = now - Duration::days(i64::from(settings.window_days));
    // The log is under row-level security too: read it in the workspace's transaction.
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let consumed: std::collections::HashMap<String, Decimal> =
        powder_stock::consumed_since(&mut *tx, workspace_id, since)
            .await?
            .into_iter()
            .collect();
    // The first format is the one the workshop buys; orders are whole cartons of it.
    let rows: Vec<(String, String, Decimal, Option<Decimal>)> = sqlx::query_as(
        "select p.powder_key, p.reference, coalesce(s.theoretical_kg, 0),
                (p.formats -> 0 ->> 'kg')::numeric
         from powder p
         left join powder_stock s on s.workspace_id = p.workspace_id and s.powder_key = p.powder_key
         where p.workspace_id = $1 and p.archived_at is null
         order by p.reference, p.powder_key",
    )
    .bind(workspace_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut suggestions: Vec<Suggestion> = rows
        .into_iter()
        .map(|(powder_key, reference, stock_kg, format_kg)| {
            let consumed_kg = consumed.get(&powder_key).copied().unwrap_or_default();
            let plan = reorder(
                stock_kg,
                consumed_kg,
                u32::from(settings.window_days),
                u32::from(settings.lead_time_days),
                u32::from(settings.cover_days),
                format_kg.unwrap_or_default(),
            );
            Suggestion {
                powder_key,
                reference,
                stock_kg,
                consumed_kg,
                plan,
            }
        })
        .collect();
    // Stable: equal urgencies keep the reference order, so pages never shuffle.
    suggestions.sort_by_key(|suggestion| {
        (
            suggestion.plan.days_left.is_none(),
            suggestion.plan.days_left,
        )
    });
    Ok(suggestions)
}
