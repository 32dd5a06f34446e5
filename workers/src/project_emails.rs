//! « Vos pièces sont prêtes » (spec §4.2 step 9): when a project becomes ready, its client
//! gets the `ready_for_pickup` email with a link to the project in its portal (or an
//! invitation to create one). A reactor on `ProjectReady`, queued with its checkpoint: once
//! per time the project becomes ready; never replayed.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono_tz::Europe::Paris;
use commands::mail::{enqueue, OutgoingEmail};
use domain::email_template::TemplateKind;
use domain::project::lifecycle::ProjectEvent;
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;
use uuid::Uuid;

pub const NAME: &str = "project_emails";

pub struct ProjectEmails {
    pub public_base_url: String,
    pub message_domain: String,
}

#[async_trait]
impl Projection for ProjectEmails {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[ProjectEvent::READY]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let ProjectEvent::Ready { ready_at } = event.payload()? else {
                continue;
            };
            let Some(project_id) = event
                .local_id()
                .strip_prefix("project/")
                .and_then(|id| Uuid::parse_str(id).ok())
            else {
                continue;
            };
            let workspace_id = event.workspace_id;
            // Opened long before it is ready: the read model has the project.
            let project: Option<(String, Uuid)> = sqlx::query_as(
                "select number, client_id from project where workspace_id = $1 and project_id = $2",
            )
            .bind(workspace_id)
            .bind(project_id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some((number, client_id)) = project else {
                continue;
            };
            let client = projections::client::find(&mut *conn, workspace_id, client_id).await?;
            // No address (or an erased client): the workshop calls.
            let Some((client, email)) = client.and_then(|client| {
                let email = client.email.clone()?;
                Some((client, email))
            }) else {
                continue;
            };
            let workshop: Option<String> =
                sqlx::query_scalar("select name from workspace where workspace_id = $1")
                    .bind(workspace_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let link = crate::client_link::portal_or_invitation(
                conn,
                &self.public_base_url,
                event,
                &client,
                &email,
                &format!("/portail/projets/{project_id}"),
            )
            .await?;
            let kind = TemplateKind::ReadyForPickup;
            let values: BTreeMap<&str, String> = [
                ("nom_atelier", workshop.unwrap_or_default()),
                ("nom_client", client.display_name.clone()),
                ("numero_projet", number),
                (
                    "date",
                    ready_at
                        .with_timezone(&Paris)
                        .format("%d/%m/%Y")
                        .to_string(),
                ),
                ("lien", link),
            ]
            .into_iter()
            .collect();
            let rendered = crate::templates::rendered(conn, workspace_id, kind, &values).await?;
            let outgoing = OutgoingEmail {
                workspace_id,
                recipient: email,
                subject: rendered.subject,
                body_text: rendered.text,
                body_html: Some(rendered.html),
                kind: kind.as_str(),
                attachments: vec![],
                not_before: None,
            };
            enqueue(&mut *conn, &outgoing, &self.message_domain).await?;
        }
        Ok(())
    }
}
