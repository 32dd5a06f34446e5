//! The mandatory notice of a change of the platform's prices or plans (issue 21): every
//! workshop the change concerns gets an email when it is announced, at least 30 days before
//! it applies. A reactor: its checkpoint and the emails it queues commit together, so each
//! workshop hears of each change once; never replayed.
//!
//! Which workshops a change concerns: those that pay or would pay what changed. Until
//! subscriptions exist (issue 21 item 4) that is every workshop trying the trial's plan when
//! the change is announced, for a change of that plan's price; a change of another plan, of
//! an add-on or of a feature's plan concerns their subscribers, none yet.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use commands::mail::{enqueue, OutgoingEmail};
use domain::email_template::TemplateKind;
use domain::limits::french_number;
use domain::platform::catalogue::{CatalogueEvent, Priced, Prices};
use domain::platform::{is_platform, PLATFORM_WORKSPACE_ID};
use domain::workspace::{WorkspaceEvent, TRIAL_PLAN};
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;
use uuid::Uuid;

pub const NAME: &str = "plan_change_emails";

pub struct PlanChangeEmails {
    pub public_base_url: String,
    pub message_domain: String,
}

#[async_trait]
impl Projection for PlanChangeEmails {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[CatalogueEvent::PRICE_CHANGED]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            if !is_platform(event.workspace_id) {
                continue;
            }
            let CatalogueEvent::PriceChanged {
                item,
                before,
                after,
                announced_at,
                applies_from,
            } = event.payload()?
            else {
                continue;
            };
            if item != Priced::Plan(TRIAL_PLAN) {
                continue;
            }
            let change = describe(item, before, after);
            for workspace_id in trying_at(conn, event, announced_at).await? {
                self.notify(conn, workspace_id, &change, applies_from)
                    .await?;
            }
        }
        Ok(())
    }
}

impl PlanChangeEmails {
    async fn notify(
        &self,
        conn: &mut PgConnection,
        workspace_id: Uuid,
        change: &str,
        applies_from: NaiveDate,
    ) -> Result<(), ProjectionError> {
        let aggregate_id = format!("{workspace_id}/{}", domain::workspace::AGGREGATE_LOCAL_ID);
        let Some(owner) = crate::trial_emails::signed_up(conn, &aggregate_id).await? else {
            tracing::warn!(%workspace_id, "workshop without owner: no notice of the plan change");
            return Ok(());
        };
        let values: BTreeMap<&str, String> = [
            ("nom_atelier", owner.workshop),
            ("liste", change.to_owned()),
            ("date", applies_from.format("%d/%m/%Y").to_string()),
            ("lien", self.public_base_url.clone()),
        ]
        .into_iter()
        .collect();
        // The platform's words (its template, the editor's), sent in the workshop's name.
        let rendered = crate::templates::rendered(
            conn,
            PLATFORM_WORKSPACE_ID,
            TemplateKind::PlanChange,
            &values,
        )
        .await?;
        let outgoing = OutgoingEmail {
            workspace_id,
            recipient: owner.email,
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: Some(rendered.html),
            kind: TemplateKind::PlanChange.as_str(),
            attachments: vec![],
            not_before: None,
        };
        enqueue(&mut *conn, &outgoing, &self.message_domain).await?;
        Ok(())
    }
}

/// « formule Pro : 99 € HT par mois et 990 € HT par an deviennent 109 € et 1 090 € ».
fn describe(item: Priced, before: Option<Prices>, after: Prices) -> String {
    let euros = |amount| format!("{} €", french_number(amount));
    match before {
        Some(before) => format!(
            "{} : {} HT par mois et {} HT par an deviennent {} et {}",
            item.label(),
            euros(before.monthly_ht),
            euros(before.yearly_ht),
            euros(after.monthly_ht),
            euros(after.yearly_ht)
        ),
        None => format!(
            "{} : {} HT par mois, {} HT par an",
            item.label(),
            euros(after.monthly_ht),
            euros(after.yearly_ht)
        ),
    }
}

/// The workshops whose trial was running when `event` was announced: their trial started
/// before it in the log and ends after it.
async fn trying_at(
    conn: &mut PgConnection,
    event: &RecordedEvent,
    announced_at: DateTime<Utc>,
) -> Result<Vec<Uuid>, ProjectionError> {
    let trials = projections::feed::read_types_before(
        &mut *conn,
        &[WorkspaceEvent::TRIAL_STARTED],
        event.position.global_position,
    )
    .await?;
    let mut trying = Vec::new();
    for trial in &trials {
        if let WorkspaceEvent::TrialStarted { ends_at, .. } = trial.payload()? {
            if ends_at > announced_at && !is_platform(trial.workspace_id) {
                trying.push(trial.workspace_id);
            }
        }
    }
    Ok(trying)
}
