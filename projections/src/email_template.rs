//! The `email_template` read model: the templates a workshop customised.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::email_template::EmailTemplateEvent;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "email_template";

pub struct EmailTemplateProjection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EmailTemplateRow {
    pub kind: String,
    pub subject: String,
    pub mjml: String,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
impl Projection for EmailTemplateProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["email_template"]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[EmailTemplateEvent::SAVED, EmailTemplateEvent::RESET]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        // Template edits are rare: one statement per event.
        for event in events {
            match event.payload()? {
                EmailTemplateEvent::Saved {
                    kind,
                    template,
                    saved_at,
                } => {
                    sqlx::query(
                        "insert into email_template (workspace_id, kind, subject, mjml, updated_at)
                         values ($1, $2, $3, $4, $5)
                         on conflict (workspace_id, kind) do update
                         set subject = excluded.subject, mjml = excluded.mjml, updated_at = excluded.updated_at",
                    )
                    .bind(event.workspace_id)
                    .bind(kind.as_str())
                    .bind(&template.subject)
                    .bind(&template.mjml)
                    .bind(saved_at)
                    .execute(&mut *conn)
                    .await?;
                }
                EmailTemplateEvent::Reset { kind, .. } => {
                    sqlx::query("delete from email_template where workspace_id = $1 and kind = $2")
                        .bind(event.workspace_id)
                        .bind(kind.as_str())
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// The customised templates of a workspace (tenant transaction).
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<EmailTemplateRow>, sqlx::Error> {
    sqlx::query_as(
        "select kind, subject, mjml, updated_at from email_template where workspace_id = $1 order by kind",
    )
    .bind(workspace_id)
    .fetch_all(executor)
    .await
}
