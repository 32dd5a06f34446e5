//! Low-stock alerts (spec §5.7): a periodic review finds the powders that will run out
//! before a delivery, the `StockAlerts` aggregate keeps only the newly low ones, and a reactor
//! emails the owners and administrators once per alert.
//!
//! The review is a schedule rather than a reaction to each consumption: the stock read model
//! it needs may lag a given event, and the forecast depends on time passing as much as on
//! events. Two processes reviewing at once are harmless: the aggregate's optimistic lock lets
//! one decide, the other then finds nothing new.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commands::mail::{enqueue, OutgoingEmail};
use commands::{CommandMeta, Commands};
use domain::email_template::TemplateKind;
use domain::powder::alert::{AlertCommand, AlertEvent, LowPowder, AGGREGATE_LOCAL_ID};
use domain::Role;
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;
use uuid::Uuid;

pub const NAME: &str = "low_stock_emails";

/// How often the review runs by default: alerts are for ordering, not for the minute.
pub const REVIEW_EVERY: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("la revue du stock n'a pas pu être enregistrée : {0}")]
    Command(String),
}

/// Reviews one workshop: records which powders became low and which recovered. Nothing when
/// the workshop turned alerts off.
pub async fn review(
    pool: &PgPool,
    commands: &Commands,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ReviewError> {
    let settings = projections::powder_stock::settings(pool, workspace_id).await?;
    if !settings.low_stock_alerts {
        return Ok(());
    }
    let low: Vec<LowPowder> = projections::reorder::suggestions(pool, workspace_id, &settings, now)
        .await?
        .into_iter()
        .filter(|suggestion| suggestion.plan.low_stock)
        .map(|suggestion| LowPowder {
            powder_key: suggestion.powder_key,
            reference: suggestion.reference,
            stock_kg: suggestion.stock_kg,
            days_left: suggestion.plan.days_left.unwrap_or_default(),
            quantity_kg: suggestion.plan.quantity_kg,
        })
        .collect();
    commands
        .stock_alerts
        .execute(
            &CommandMeta::system(workspace_id, "low-stock-review"),
            AGGREGATE_LOCAL_ID,
            AlertCommand::Review { low },
        )
        .await
        .map_err(|error| ReviewError::Command(error.to_string()))?;
    Ok(())
}

/// Reviews every workshop with a catalogue.
pub async fn review_all(
    pool: &PgPool,
    commands: &Commands,
    now: DateTime<Utc>,
) -> Result<usize, ReviewError> {
    let workspaces: Vec<Uuid> = sqlx::query_scalar("select distinct workspace_id from powder")
        .fetch_all(pool)
        .await?;
    for workspace_id in &workspaces {
        // One workshop's failure must not starve the others of their alerts.
        if let Err(error) = review(pool, commands, *workspace_id, now).await {
            tracing::error!(%workspace_id, %error, "low-stock review failed");
        }
    }
    Ok(workspaces.len())
}

/// Reviews every `every` until `shutdown`.
pub async fn run(
    pool: PgPool,
    commands: Commands,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = review_all(&pool, &commands, Utc::now()).await {
            tracing::error!(%error, "low-stock reviews failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Emails each raised alert to the workshop's owners and administrators. A reactor: never
/// replayed, so an alert is emailed once.
pub struct LowStockEmails {
    pub public_base_url: String,
    pub message_domain: String,
}

#[async_trait]
impl Projection for LowStockEmails {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[AlertEvent::RAISED]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let AlertEvent::Raised { powders, .. } = event.payload()? else {
                continue;
            };
            let workshop: Option<String> =
                sqlx::query_scalar("select name from workspace where workspace_id = $1")
                    .bind(event.workspace_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let recipients: Vec<String> = sqlx::query_scalar(
                "select a.email from member m join account a on a.account_id = m.account_id
                 where m.workspace_id = $1 and m.active and m.role = any($2)
                 order by a.email",
            )
            .bind(event.workspace_id)
            .bind([Role::Owner.as_str(), Role::Admin.as_str()])
            .fetch_all(&mut *conn)
            .await?;
            let values: BTreeMap<&str, String> = [
                ("nom_atelier", workshop.unwrap_or_default()),
                ("liste", describe(&powders)),
                ("lien", self.public_base_url.clone()),
            ]
            .into_iter()
            .collect();
            let rendered = crate::templates::rendered(
                conn,
                event.workspace_id,
                TemplateKind::LowStock,
                &values,
            )
            .await?;
            for recipient in recipients {
                let outgoing = OutgoingEmail {
                    workspace_id: event.workspace_id,
                    recipient,
                    subject: rendered.subject.clone(),
                    body_text: rendered.text.clone(),
                    body_html: Some(rendered.html.clone()),
                    kind: TemplateKind::LowStock.as_str(),
                    attachments: vec![],
                    not_before: None,
                };
                enqueue(&mut *conn, &outgoing, &self.message_domain).await?;
            }
        }
        Ok(())
    }
}

/// "TP 7016 B : 2,5 kg, 1 jour restant, commander 25 kg ; …" in French number style.
fn describe(powders: &[LowPowder]) -> String {
    let kg = |value: Decimal| value.normalize().to_string().replace('.', ",");
    powders
        .iter()
        .map(|powder| {
            let days = match powder.days_left {
                0 => "épuisée aujourd'hui".to_owned(),
                1 => "1 jour restant".to_owned(),
                days => format!("{days} jours restants"),
            };
            format!(
                "{} : {} kg, {days}, commander {} kg",
                powder.reference,
                kg(powder.stock_kg),
                kg(powder.quantity_kg)
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn the_list_reads_in_french() {
        let powder = |reference: &str, stock_kg, days_left| LowPowder {
            powder_key: reference.to_lowercase(),
            reference: reference.to_owned(),
            stock_kg,
            days_left,
            quantity_kg: dec!(50.000),
        };
        assert_eq!(
            describe(&[powder("TP 7016 B", dec!(2.50), 1), powder("TP 9005", dec!(0), 0)]),
            "TP 7016 B : 2,5 kg, 1 jour restant, commander 50 kg ; TP 9005 : 0 kg, épuisée aujourd'hui, commander 50 kg"
        );
    }
}
