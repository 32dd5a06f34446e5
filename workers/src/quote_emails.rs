//! Quote emails (spec §4.2 step 5, §5.2): the PDF sent goes to the client with the quote's
//! email, a client without a portal getting an invitation to create one (and sign there), a
//! client with a portal the « votre devis vous attend dans votre espace » email; reminders of
//! unsigned quotes likewise. A reactor on `QuoteSent` and `QuoteReminded`: each email is
//! queued in the same transaction as its checkpoint, so it goes once; never replayed.

use std::collections::BTreeMap;

use async_trait::async_trait;
use commands::mail::{enqueue, Attachment, OutgoingEmail};
use commands::quote_document;
use domain::email_template::TemplateKind;
use domain::money::euros;
use domain::quote::lifecycle::{PricedContent, QuoteEvent};
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;
use uuid::Uuid;

pub const NAME: &str = "quote_emails";

pub struct QuoteEmails {
    pub public_base_url: String,
    pub message_domain: String,
}

/// What the email of one quote needs, read from the PDF the client gets.
struct Sending {
    quote_id: Uuid,
    pdf_sha256: String,
    kind: Option<TemplateKind>,
}

#[async_trait]
impl Projection for QuoteEmails {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[QuoteEvent::SENT, QuoteEvent::REMINDED]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let Some(quote_id) = event
                .local_id()
                .strip_prefix("quote/")
                .and_then(|id| Uuid::parse_str(id).ok())
            else {
                continue;
            };
            let sending = match event.payload()? {
                QuoteEvent::Sent {
                    pdf_sha256: Some(pdf_sha256),
                    ..
                } => Sending {
                    quote_id,
                    pdf_sha256,
                    kind: None,
                },
                QuoteEvent::Reminded { after_days, .. } => {
                    // Days later: the read model knows the PDF sent.
                    let sent: Option<Option<String>> = sqlx::query_scalar(
                        "select sent_pdf_sha256 from quote where workspace_id = $1 and quote_id = $2",
                    )
                    .bind(event.workspace_id)
                    .bind(quote_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                    let Some(Some(pdf_sha256)) = sent else {
                        continue;
                    };
                    // The first reminder is the gentle one, later ones the last call.
                    let first: Option<i32> = sqlx::query_scalar(
                        "select min(day) from quote, unnest(reminded_days) day
                         where workspace_id = $1 and quote_id = $2",
                    )
                    .bind(event.workspace_id)
                    .bind(quote_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .flatten();
                    let gentle = first.is_none_or(|first| i32::from(after_days) <= first);
                    Sending {
                        quote_id,
                        pdf_sha256,
                        kind: Some(if gentle {
                            TemplateKind::QuoteReminderDay2
                        } else {
                            TemplateKind::QuoteReminderDay7
                        }),
                    }
                }
                // Sent before quotes carried their PDF: nothing to attach.
                _ => continue,
            };
            self.send(conn, event, sending).await?;
        }
        Ok(())
    }
}

impl QuoteEmails {
    async fn send(
        &self,
        conn: &mut PgConnection,
        event: &RecordedEvent,
        sending: Sending,
    ) -> Result<(), ProjectionError> {
        let workspace_id = event.workspace_id;
        let Some(document) = quote_document::find(
            &mut *conn,
            workspace_id,
            sending.quote_id,
            &sending.pdf_sha256,
        )
        .await?
        else {
            tracing::warn!(%workspace_id, quote_id = %sending.quote_id, "sent quote PDF not found");
            return Ok(());
        };
        let number = document.inputs["number"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let content: Option<PricedContent> =
            serde_json::from_value(document.inputs["content"].clone()).ok();
        let Some(content) = content else {
            return Ok(());
        };
        let client =
            projections::client::find(&mut *conn, workspace_id, content.content.client_id).await?;
        // No address (or an erased client): the workshop hands the quote over itself.
        let Some((client, email)) = client.and_then(|client| {
            let email = client.email.clone()?;
            Some((client, email))
        }) else {
            return Ok(());
        };
        let workshop: Option<String> =
            sqlx::query_scalar("select name from workspace where workspace_id = $1")
                .bind(workspace_id)
                .fetch_optional(&mut *conn)
                .await?;
        let has_portal = crate::client_link::has_portal(&client);
        let link = crate::client_link::portal_or_invitation(
            conn,
            &self.public_base_url,
            event,
            &client,
            &email,
            &format!("/portail/devis/{}", sending.quote_id),
        )
        .await?;
        let kind = sending.kind.unwrap_or(if has_portal {
            TemplateKind::QuoteExistingClient
        } else {
            TemplateKind::QuoteNewClient
        });
        let values: BTreeMap<&str, String> = [
            ("nom_atelier", workshop.unwrap_or_default()),
            ("nom_client", client.display_name.clone()),
            ("numero_devis", number.clone()),
            ("montant", euros(content.priced.total_ttc)),
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
            attachments: vec![Attachment {
                filename: format!("{number}.pdf"),
                content_type: "application/pdf".to_owned(),
                content: document.pdf,
            }],
            not_before: None,
        };
        enqueue(&mut *conn, &outgoing, &self.message_domain).await?;
        Ok(())
    }
}
