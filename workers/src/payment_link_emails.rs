//! « Paiement de 60,01 € » (spec §7.2: « envoyer par email au client »): when a payment link
//! is created, its client gets the `payment_link` email with the Stripe URL. A reactor on
//! `PaymentLinkCreated`, queued with its checkpoint: once per link; never replayed.

use std::collections::BTreeMap;

use async_trait::async_trait;
use commands::mail::{enqueue, OutgoingEmail};
use domain::email_template::TemplateKind;
use domain::invoice::billing::BillingEvent;
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;
use uuid::Uuid;

pub const NAME: &str = "payment_link_emails";

pub struct PaymentLinkEmails {
    pub message_domain: String,
}

/// `1 234,56 €`.
fn euros(amount: rust_decimal::Decimal) -> String {
    domain::money::euros(amount)
}

#[async_trait]
impl Projection for PaymentLinkEmails {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[BillingEvent::PAYMENT_LINK_CREATED]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let BillingEvent::PaymentLinkCreated { amount, url, .. } = event.payload()? else {
                continue;
            };
            let Some(quote_id) = event
                .local_id()
                .strip_prefix("billing/")
                .and_then(|id| Uuid::parse_str(id).ok())
            else {
                continue;
            };
            let workspace_id = event.workspace_id;
            // Signed long before: the quote read model has it.
            let quote: Option<(String, Uuid)> = sqlx::query_as(
                "select number, client_id from quote where workspace_id = $1 and quote_id = $2",
            )
            .bind(workspace_id)
            .bind(quote_id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some((number, client_id)) = quote else {
                continue;
            };
            let client = projections::client::find(&mut *conn, workspace_id, client_id).await?;
            // No address (or an erased client): the workshop gives the link itself.
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
            let kind = TemplateKind::PaymentLink;
            let values: BTreeMap<&str, String> = [
                ("nom_atelier", workshop.unwrap_or_default()),
                ("nom_client", client.display_name.clone()),
                ("numero_devis", number),
                ("montant", euros(amount)),
                ("lien", url),
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
