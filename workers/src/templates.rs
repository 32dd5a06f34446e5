//! The email template a workshop uses for a kind of email: its own, or the default.

use std::collections::BTreeMap;

use domain::email_template::{default_template, render, Rendered, Template, TemplateKind};
use projections::engine::ProjectionError;
use sqlx::PgConnection;
use uuid::Uuid;

async fn in_force(
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

/// The email of `kind` rendered with `values` in the workshop's template; with the default
/// one when the workshop's names a value this email does not have.
pub(crate) async fn rendered(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    kind: TemplateKind,
    values: &BTreeMap<&str, String>,
) -> Result<Rendered, ProjectionError> {
    let template = in_force(conn, workspace_id, kind).await?;
    match render(&template, values) {
        Ok(rendered) => Ok(rendered),
        Err(_) => render(&default_template(kind), values)
            .map_err(|error| ProjectionError::Reactor(error.to_string())),
    }
}
