//! Portal invitations of clients (spec §4.1 step 9): « Votre atelier [Nom Atelier] utilise un
//! nouveau système… » with a link that creates the client's account. A reactor on
//! `ClientInvitedToPortal`: the invitation token and the email are queued in the same
//! transaction as its checkpoint, so each invitation is sent once; never replayed.

use std::collections::BTreeMap;

use async_trait::async_trait;
use commands::email_token::{self, Grant, Purpose};
use commands::mail::{enqueue, OutgoingEmail};
use domain::client::ClientEvent;
use domain::email_template::TemplateKind;
use domain::{meta, Role};
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;
use uuid::Uuid;

pub const NAME: &str = "client_invitations";

pub struct ClientInvitations {
    pub public_base_url: String,
    pub message_domain: String,
}

#[async_trait]
impl Projection for ClientInvitations {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[ClientEvent::INVITED_TO_PORTAL]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let ClientEvent::InvitedToPortal { invitation, .. } = event.payload()? else {
                continue;
            };
            let client_id = event
                .local_id()
                .strip_prefix("client/")
                .and_then(|id| Uuid::parse_str(id).ok());
            let key = match client_id {
                Some(client_id) => {
                    projections::client_key::find(&mut *conn, event.workspace_id, client_id).await?
                }
                None => None,
            };
            // No key: the client was erased before its invitation went out.
            let Some((email, display_name)) = key.and_then(|key| {
                Some((
                    invitation.email.open(&key)?,
                    invitation.display_name.open(&key)?,
                ))
            }) else {
                continue;
            };
            let workshop: Option<String> =
                sqlx::query_scalar("select name from workspace where workspace_id = $1")
                    .bind(event.workspace_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let invited_by = event
                .meta(meta::ACTOR_ID)
                .and_then(|id| Uuid::parse_str(&id).ok())
                .zip(
                    event
                        .meta(meta::ACTOR_ROLE)
                        .and_then(|role| Role::parse(&role)),
                );
            // The same invitation a member gets, with the client role: accepting it creates
            // the account and opens the workshop's customer portal.
            let token = email_token::issue(
                &mut *conn,
                Purpose::Invitation,
                &Grant {
                    account_id: None,
                    workspace_id: Some(event.workspace_id),
                    email: email.clone(),
                    role: Some(Role::Client),
                    invited_by,
                    invitation_id: None,
                    client_id,
                    issued_at: None,
                },
            )
            .await?;
            let values: BTreeMap<&str, String> = [
                ("nom_atelier", workshop.unwrap_or_default()),
                ("nom_client", display_name),
                (
                    "lien",
                    format!("{}/invitation?jeton={token}", self.public_base_url),
                ),
            ]
            .into_iter()
            .collect();
            let rendered = crate::templates::rendered(
                conn,
                event.workspace_id,
                TemplateKind::ImportInvitation,
                &values,
            )
            .await?;
            let outgoing = OutgoingEmail {
                workspace_id: event.workspace_id,
                recipient: email,
                subject: rendered.subject,
                body_text: rendered.text,
                body_html: Some(rendered.html),
                kind: TemplateKind::ImportInvitation.as_str(),
                attachments: vec![],
                not_before: None,
            };
            enqueue(&mut *conn, &outgoing, &self.message_domain).await?;
        }
        Ok(())
    }
}
