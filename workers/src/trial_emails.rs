//! Trial reminders (spec §4.1 step 4: J+7, J+15, J+25), scheduled when a trial starts.
//!
//! A reactor, not a projection: it runs on the catch-up feed with its own checkpoint, and
//! queues the three emails in the same transaction as that checkpoint, so each trial gets
//! them exactly once. It is never replayed (a replay would email the workshops again).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::Duration;
use commands::mail::{enqueue, OutgoingEmail};
use domain::email_template::TemplateKind;
use domain::workspace::WorkspaceEvent;
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;

pub const NAME: &str = "trial_emails";

pub struct TrialEmails {
    pub public_base_url: String,
    pub message_domain: String,
}

/// Days after the start, the template, and the days then left.
const REMINDERS: [(i64, TemplateKind); 3] = [
    (7, TemplateKind::TrialDay7),
    (15, TemplateKind::TrialDay15),
    (25, TemplateKind::TrialDay25),
];

#[async_trait]
impl Projection for TrialEmails {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[WorkspaceEvent::TRIAL_STARTED]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let WorkspaceEvent::TrialStarted {
                started_at,
                ends_at,
                ..
            } = event.payload()?
            else {
                continue;
            };
            let Some(SignedUp { email, workshop }) = signed_up(conn, &event.aggregate_id).await?
            else {
                tracing::warn!(workspace_id = %event.workspace_id, "trial without owner: no reminders");
                continue;
            };
            for (days, kind) in REMINDERS {
                let left = (ends_at - started_at - Duration::days(days))
                    .num_days()
                    .max(0);
                let values: BTreeMap<&str, String> = [
                    ("nom_atelier", workshop.clone()),
                    ("jours_restants", left.to_string()),
                    ("lien", self.public_base_url.clone()),
                ]
                .into_iter()
                .collect();
                let rendered =
                    crate::templates::rendered(conn, event.workspace_id, kind, &values).await?;
                let outgoing = OutgoingEmail {
                    workspace_id: event.workspace_id,
                    recipient: email.clone(),
                    subject: rendered.subject,
                    body_text: rendered.text,
                    body_html: Some(rendered.html),
                    kind: kind.as_str(),
                    attachments: vec![],
                    not_before: Some(started_at + Duration::days(days)),
                };
                enqueue(&mut *conn, &outgoing, &self.message_domain).await?;
            }
        }
        Ok(())
    }
}

/// Who signed a workshop up, and its name at sign-up.
pub(crate) struct SignedUp {
    pub email: String,
    pub workshop: String,
}

/// The owner's address and the name of the workshop whose aggregate is `aggregate_id`: they
/// come from the sign-up commit, read as domain events from the workspace's own stream.
pub(crate) async fn signed_up(
    conn: &mut PgConnection,
    aggregate_id: &str,
) -> Result<Option<SignedUp>, ProjectionError> {
    let sign_up = projections::feed::read_stream(
        &mut *conn,
        aggregate_id,
        &[WorkspaceEvent::REGISTERED, WorkspaceEvent::CONSENT_RECORDED],
    )
    .await?;
    let (mut owner, mut workshop) = (None, None);
    for fact in &sign_up {
        match fact.payload::<WorkspaceEvent>()? {
            WorkspaceEvent::Registered { name, .. } => workshop = Some(name.as_str().to_owned()),
            WorkspaceEvent::ConsentRecorded { account_id, .. } => {
                owner = owner.or(Some(account_id))
            }
            _ => {}
        }
    }
    let (Some(owner), Some(workshop)) = (owner, workshop) else {
        return Ok(None);
    };
    let email: Option<String> =
        sqlx::query_scalar("select email from account where account_id = $1")
            .bind(owner)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(email.map(|email| SignedUp { email, workshop }))
}
