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
    pub attachments: Vec<Attachment>,
    /// Not before this time (scheduled emails: trial reminders…); `None` is now.
    pub not_before: Option<chrono::DateTime<chrono::Utc>>,
}

/// A file sent with an email: a quote or an invoice as PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// Queues `email`; returns its id. The Message-ID is fixed now, so a resend after a crash
/// carries the same one.
pub async fn enqueue(
    executor: impl PgExecutor<'_>,
    email: &OutgoingEmail,
    message_domain: &str,
) -> Result<Uuid, sqlx::Error> {
    let email_id = Uuid::now_v7();
    let (mut names, mut types, mut contents) = (vec![], vec![], vec![]);
    for attachment in &email.attachments {
        names.push(attachment.filename.clone());
        types.push(attachment.content_type.clone());
        contents.push(attachment.content.clone());
    }
    // One statement for the email and its files: atomic with any executor, a pool included.
    sqlx::query(
        "with email as (
           insert into email_outbox (email_id, workspace_id, message_id, recipient, subject, body_text, body_html, kind,
                                     next_attempt_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($12, now()))
           returning email_id)
         insert into email_attachment (email_id, position, filename, content_type, content)
         select email.email_id, file.position, file.filename, file.content_type, file.content
         from email, unnest($9::text[], $10::text[], $11::bytea[]) with ordinality
              as file(filename, content_type, content, position)",
    )
    .bind(email_id)
    .bind(email.workspace_id)
    .bind(format!("<{email_id}@{message_domain}>"))
    .bind(&email.recipient)
    .bind(&email.subject)
    .bind(&email.body_text)
    .bind(&email.body_html)
    .bind(email.kind)
    .bind(&names)
    .bind(&types)
    .bind(&contents)
    .bind(email.not_before)
    .execute(executor)
    .await?;
    Ok(email_id)
}
