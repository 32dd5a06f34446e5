//! Queuing emails: a row in `email_outbox`, written by the request that decides to send, and
//! delivered by the mailer worker (ADR 0004). Nothing is sent from a request handler.

use sqlx::PgExecutor;
use uuid::Uuid;

/// An email ready to queue.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    /// The workshop it is sent for; nil for platform emails (account, password).
    pub workspace_id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub kind: &'static str,
}

/// Queues `email`; returns its id. The Message-ID is fixed now, so a resend after a crash
/// carries the same one.
pub async fn enqueue(
    executor: impl PgExecutor<'_>,
    email: &OutgoingEmail,
    message_domain: &str,
) -> Result<Uuid, sqlx::Error> {
    let email_id = Uuid::now_v7();
    sqlx::query(
        "insert into email_outbox (email_id, workspace_id, message_id, recipient, subject, body_text, body_html, kind)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(email_id)
    .bind(email.workspace_id)
    .bind(format!("<{email_id}@{message_domain}>"))
    .bind(&email.recipient)
    .bind(&email.subject)
    .bind(&email.body_text)
    .bind(&email.body_html)
    .bind(email.kind)
    .execute(executor)
    .await?;
    Ok(email_id)
}
