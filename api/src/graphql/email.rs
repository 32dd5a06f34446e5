//! Email templates (list, save, reset, preview) and the delivery log.

use std::collections::BTreeMap;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::email_template::{
    self as templates, EmailTemplateCommand, Template, TemplateKind, AGGREGATE_LOCAL_ID,
};
use domain::ErrorKind;
use projections::{email_delivery, email_template as read_model, tenant};
use uuid::Uuid;

use super::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i64 = 100;

/// Un modèle d'email de l'atelier.
#[derive(SimpleObject)]
pub struct EmailTemplateNode {
    /// `quote_new_client`, `invoice`, `trial_day7`…
    pub kind: String,
    pub subject: String,
    pub mjml: String,
    /// Le texte par défaut, jamais modifié par l'atelier.
    pub is_default: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Une variable utilisable dans les modèles : `{nom}`.
#[derive(SimpleObject)]
pub struct EmailVariable {
    pub name: String,
    pub description: String,
}

/// Un email rendu : objet, HTML responsive et texte brut.
#[derive(SimpleObject)]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum EmailStatus {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl EmailStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

/// Un email envoyé (ou à envoyer) par l'atelier.
#[derive(SimpleObject)]
pub struct EmailDelivery {
    pub id: ID,
    pub recipient: String,
    pub subject: String,
    pub kind: String,
    /// `pending`, `sending`, `sent` ou `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn parse_kind(kind: &str) -> Result<TemplateKind, ApiError> {
    TemplateKind::parse(kind.trim()).ok_or_else(|| {
        let known: Vec<&str> = TemplateKind::ALL.iter().map(|kind| kind.as_str()).collect();
        ApiError::new(
            ErrorKind::Validation,
            "TEMPLATE_KIND_UNKNOWN",
            format!(
                "modèle inconnu : {} (modèles : {})",
                domain::limits::excerpt(kind),
                known.join(", ")
            ),
        )
    })
}

async fn in_force(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<BTreeMap<TemplateKind, EmailTemplateNode>, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = read_model::list(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    let mut templates: BTreeMap<TemplateKind, EmailTemplateNode> = TemplateKind::ALL
        .into_iter()
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
    async fn email_templates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<EmailTemplateNode>> {
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
    ) -> async_graphql::Result<Connection<String, EmailDelivery>> {
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
        .await
        .map_err(ApiError::from)?;
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
pub struct EmailMutation;

#[Object]
impl EmailMutation {
    /// Enregistre le modèle d'un email. Refusé si une variable est inconnue ou si le MJML est
    /// invalide. Gérant ou administrateur.
    async fn save_email_template(
        &self,
        ctx: &Context<'_>,
        kind: String,
        subject: String,
        mjml: String,
    ) -> async_graphql::Result<EmailTemplateNode> {
        let command = EmailTemplateCommand::Save {
            kind: parse_kind(&kind)?,
            template: Template { subject, mjml },
        };
        send(ctx, Operation::SaveEmailTemplate, command).await
    }

    /// Revient au texte par défaut. Gérant ou administrateur.
    async fn reset_email_template(
        &self,
        ctx: &Context<'_>,
        kind: String,
    ) -> async_graphql::Result<EmailTemplateNode> {
        send(
            ctx,
            Operation::ResetEmailTemplate,
            EmailTemplateCommand::Reset {
                kind: parse_kind(&kind)?,
            },
        )
        .await
    }

    /// Rend un modèle avec des valeurs d'exemple, sans rien enregistrer : le modèle en
    /// vigueur, ou `subject`/`mjml` s'ils sont donnés (brouillon en cours d'édition).
    async fn preview_email_template(
        &self,
        ctx: &Context<'_>,
        kind: String,
        subject: Option<String>,
        mjml: Option<String>,
    ) -> async_graphql::Result<RenderedEmail> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PreviewEmailTemplate)?;
        let kind = parse_kind(&kind)?;
        let current = in_force(ctx, actor.workspace_id)
            .await?
            .remove(&kind)
            .ok_or_else(|| ApiError::internal("every kind has a template"))?;
        let template = Template {
            subject: subject.unwrap_or(current.subject),
            mjml: mjml.unwrap_or(current.mjml),
        };
        templates::check(&template).map_err(|error| ApiError::domain(&error))?;
        let mut values = templates::sample_values();
        let workshop = super::workspace::read(state(ctx), actor.workspace_id)
            .await?
            .name;
        values.insert("nom_atelier", workshop);
        let rendered =
            templates::render(&template, &values).map_err(|error| ApiError::domain(&error))?;
        Ok(RenderedEmail {
            subject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
        })
    }
}

async fn send(
    ctx: &Context<'_>,
    operation: Operation,
    command: EmailTemplateCommand,
) -> async_graphql::Result<EmailTemplateNode> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let kind = match &command {
        EmailTemplateCommand::Save { kind, .. } | EmailTemplateCommand::Reset { kind } => *kind,
    };
    let state = state(ctx);
    let receipt = state
        .commands
        .email_templates
        .execute(&meta(ctx, &actor), AGGREGATE_LOCAL_ID, command)
        .await
        .map_err(ApiError::from)?;
    state
        .await_projections(&receipt, &[read_model::NAME])
        .await?;
    Ok(in_force(ctx, actor.workspace_id)
        .await?
        .remove(&kind)
        .ok_or_else(|| ApiError::internal("every kind has a template"))?)
}
