//! The platform's notice of a change of prices or plans (`plan_change`), in the editor's
//! words: a template of the platform workspace, which every workshop concerned receives
//! (`workers::plan_change_emails`). Saved and reset like a workshop's templates, through the
//! same aggregate, in the platform's stream.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::email_template::{
    default_template, EmailTemplateCommand, Template, TemplateKind, AGGREGATE_LOCAL_ID,
};
use domain::platform::PLATFORM_WORKSPACE_ID;
use projections::{email_template as read_model, tenant};

use crate::app::AppState;
use crate::graphql::{actor, request, state};
use crate::permissions::Operation;
use crate::ApiError;

/// L'avis de changement envoyé aux ateliers (objet et corps MJML, avec `{nom_atelier}`,
/// `{liste}`, `{date}`, `{lien}`).
#[derive(SimpleObject)]
#[graphql(name = "NoticeTemplate")]
pub struct NoticeTemplateNode {
    pub subject: String,
    pub mjml: String,
    /// Le texte d'origine, jamais modifié.
    pub is_default: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

async fn in_force(state: &AppState) -> Result<NoticeTemplateNode, ApiError> {
    let mut tx = tenant::begin(&state.pool, PLATFORM_WORKSPACE_ID).await?;
    let rows = read_model::list(&mut *tx, PLATFORM_WORKSPACE_ID).await?;
    tx.commit().await?;
    let kind = TemplateKind::PlanChange.as_str();
    Ok(match rows.into_iter().find(|row| row.kind == kind) {
        Some(row) => NoticeTemplateNode {
            subject: row.subject,
            mjml: row.mjml,
            is_default: false,
            updated_at: Some(row.updated_at),
        },
        None => {
            let default = default_template(TemplateKind::PlanChange);
            NoticeTemplateNode {
                subject: default.subject,
                mjml: default.mjml,
                is_default: true,
                updated_at: None,
            }
        }
    })
}

async fn send(
    ctx: &Context<'_>,
    operation: Operation,
    command: EmailTemplateCommand,
) -> Result<NoticeTemplateNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let state = state(ctx);
    let request = request(ctx);
    let meta =
        commands::catalogue::editor_meta(actor.account_id, request.ip, request.request_id.clone());
    let receipt = state
        .commands
        .email_templates
        .execute(&meta, AGGREGATE_LOCAL_ID, command)
        .await?;
    state
        .read_after(&receipt, &[read_model::NAME], in_force(state))
        .await
}

#[derive(Default)]
pub struct NoticeQuery;

#[Object]
impl NoticeQuery {
    /// L'avis de changement de prix ou de formules, tel qu'il part.
    async fn notice_template(&self, ctx: &Context<'_>) -> Result<NoticeTemplateNode, ApiError> {
        actor(ctx)?.require_for(Operation::EditorNoticeTemplate)?;
        in_force(state(ctx)).await
    }
}

#[derive(Default)]
pub struct NoticeMutation;

#[Object]
impl NoticeMutation {
    /// Remplace le texte de l'avis (objet et MJML, variables de l'avis seulement).
    async fn save_notice_template(
        &self,
        ctx: &Context<'_>,
        subject: String,
        mjml: String,
    ) -> Result<NoticeTemplateNode, ApiError> {
        let command = EmailTemplateCommand::Save {
            kind: TemplateKind::PlanChange,
            template: Template { subject, mjml },
        };
        send(ctx, Operation::EditorSaveNoticeTemplate, command).await
    }

    /// Revient au texte d'origine de l'avis.
    async fn reset_notice_template(
        &self,
        ctx: &Context<'_>,
    ) -> Result<NoticeTemplateNode, ApiError> {
        let command = EmailTemplateCommand::Reset {
            kind: TemplateKind::PlanChange,
        };
        send(ctx, Operation::EditorResetNoticeTemplate, command).await
    }
}
