//! The delivery log of a workspace, read from the outbox the mailer works on.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub email_id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Newest first (email ids are time-ordered v7 UUIDs), before `before`, optionally one
/// status. The filter on `workspace_id` is the tenant boundary.
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(
        "select email_id, recipient, subject, kind, status, attempts, last_error, message_id, created_at, sent_at
         from email_outbox
         where workspace_id = $1 and ($2::text is null or status = $2) and ($3::uuid is null or email_id < $3)
         order by email_id desc
         limit $4",
    )
    .bind(workspace_id)
    .bind(status)
    .bind(before)
    .bind(limit)
    .fetch_all(executor)
    .await
}
