//! Reading the templates in force, the variables, the delivery log and the mail settings.

use std::collections::BTreeMap;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use commands::mail_settings;
use domain::email_template::{self as templates, TemplateKind};
use domain::ErrorKind;
use projections::{email_delivery, email_template as read_model, tenant};
use uuid::Uuid;

use super::types::{
    settings_error, EmailDelivery, EmailStatus, EmailTemplateNode, EmailVariable, SmtpSettingsNode,
};
use crate::graphql::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i64 = 100;

pub(super) async fn in_force(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<BTreeMap<TemplateKind, EmailTemplateNode>, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = read_model::list(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    let mut templates: BTreeMap<TemplateKind, EmailTemplateNode> = TemplateKind::workshop_kinds()
        .map(|kind| {
            let default = templates::default_template(kind);
            (
                kind,
                EmailTemplateNode {
                    kind: kind.as_str().to_owned(),
                    subject: default.subject,
                    mjml: default.mjml,
                    is_default: true,
                    updated_at: None,
                },
            )
        })
        .collect();
    for row in rows {
        if let Some(kind) = TemplateKind::parse(&row.kind) {
            templates.insert(
                kind,
                EmailTemplateNode {
                    kind: row.kind,
                    subject: row.subject,
                    mjml: row.mjml,
                    is_default: false,
                    updated_at: Some(row.updated_at),
                },
            );
        }
    }
    Ok(templates)
}

#[derive(Default)]
pub struct EmailQuery;

#[Object]
impl EmailQuery {
    /// Les modèles d'email en vigueur dans l'atelier. Gérant ou administrateur.
    async fn email_templates(&self, ctx: &Context<'_>) -> Result<Vec<EmailTemplateNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::EmailTemplates)?;
        Ok(in_force(ctx, actor.workspace_id)
            .await?
            .into_values()
            .collect())
    }

    /// Les variables utilisables dans les modèles.
    async fn email_variables(&self) -> Vec<EmailVariable> {
        templates::VARIABLES
            .iter()
            .map(|(name, description)| EmailVariable {
                name: (*name).to_owned(),
                description: (*description).to_owned(),
            })
            .collect()
    }

    /// Le journal des envois de l'atelier, du plus récent au plus ancien. Gérant ou
    /// administrateur.
    async fn email_deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<EmailStatus>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, EmailDelivery>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::EmailDeliveries)?;
        let before = after
            .as_deref()
            .map(|cursor| {
                Uuid::parse_str(cursor).map_err(|_| {
                    ApiError::new(
                        ErrorKind::Validation,
                        "CURSOR_INVALID",
                        "curseur de pagination invalide",
                    )
                })
            })
            .transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut rows = email_delivery::list(
            &state(ctx).pool,
            actor.workspace_id,
            status.map(EmailStatus::as_str),
            before,
            limit + 1,
        )
        .await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for row in rows {
            connection.edges.push(Edge::new(
                row.email_id.to_string(),
                EmailDelivery {
                    id: ID(row.email_id.to_string()),
                    recipient: row.recipient,
                    subject: row.subject,
                    kind: row.kind,
                    status: row.status,
                    attempts: row.attempts,
                    last_error: row.last_error,
                    message_id: row.message_id,
                    created_at: row.created_at,
                    sent_at: row.sent_at,
                },
            ));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct EmailSettingsQuery;

#[Object]
impl EmailSettingsQuery {
    /// Le serveur SMTP de l'atelier, ou rien s'il utilise l'envoi de la plateforme. Gérant ou
    /// administrateur.
    async fn email_settings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<SmtpSettingsNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::EmailSettings)?;
        let state = state(ctx);
        let settings = mail_settings::load(&state.pool, &state.secrets, actor.workspace_id)
            .await
            .map_err(settings_error)?;
        Ok(settings.map(SmtpSettingsNode::from))
    }
}
