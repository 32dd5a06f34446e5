//! The email template a workshop uses for a kind of email: its own, or the default.

use domain::email_template::{default_template, Template, TemplateKind};
use sqlx::PgConnection;
use uuid::Uuid;

pub(crate) async fn in_force(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    kind: TemplateKind,
) -> Result<Template, sqlx::Error> {
    let custom: Option<(String, String)> = sqlx::query_as(
        "select subject, mjml from email_template where workspace_id = $1 and kind = $2",
    )
    .bind(workspace_id)
    .bind(kind.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(custom
        .map(|(subject, mjml)| Template { subject, mjml })
        .unwrap_or_else(|| default_template(kind)))
}
