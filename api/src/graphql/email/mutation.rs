//! Saving, resetting and previewing templates; the workshop's own mail server (SMTP or
//! OAuth2) and its test button.

use async_graphql::{Context, Object};
use commands::mail_settings::{self, SmtpInput};
use domain::email_template::{
    self as templates, EmailTemplateCommand, Template, AGGREGATE_LOCAL_ID,
};
use projections::email_template as read_model;

use super::query::in_force;
use super::types::{
    parse_kind, settings_error, EmailTemplateNode, MailProvider, RenderedEmail, SmtpSettingsInput,
    SmtpSettingsNode, TestEmailResult,
};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Where the provider sends the person back: a page of the web client, which hands `code`
/// and `state` to `completeEmailOAuth`.
fn redirect_uri(state: &crate::AppState) -> String {
    format!("{}/parametres/email/oauth", state.public_base_url)
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
    ) -> Result<EmailTemplateNode, ApiError> {
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
    ) -> Result<EmailTemplateNode, ApiError> {
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
    ) -> Result<RenderedEmail, ApiError> {
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
        let workshop = crate::graphql::workspace::read(state(ctx), actor.workspace_id)
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
) -> Result<EmailTemplateNode, ApiError> {
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
        .await?;
    let template = async {
        in_force(ctx, actor.workspace_id)
            .await?
            .remove(&kind)
            .ok_or_else(|| ApiError::internal("every kind has a template"))
    };
    state
        .read_after(&receipt, &[read_model::NAME], template)
        .await
}

#[derive(Default)]
pub struct EmailSettingsMutation;

#[Object]
impl EmailSettingsMutation {
    /// Enregistre le serveur SMTP de l'atelier (mot de passe chiffré). Gérant ou administrateur.
    async fn save_email_settings(
        &self,
        ctx: &Context<'_>,
        input: SmtpSettingsInput,
    ) -> Result<SmtpSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SaveEmailSettings)?;
        let state = state(ctx);
        let input = SmtpInput {
            host: input.host,
            port: input.port,
            security: input.security.into(),
            username: input.username,
            password: input.password,
            from_address: input.from_address,
        };
        mail_settings::save(&state.pool, &state.secrets, actor.workspace_id, input)
            .await
            .map_err(settings_error)?;
        let saved = mail_settings::load(&state.pool, &state.secrets, actor.workspace_id)
            .await
            .map_err(settings_error)?
            .ok_or_else(|| ApiError::internal("settings missing right after saving"))?;
        Ok(saved.into())
    }

    /// Revient à l'envoi par la plateforme. Gérant ou administrateur.
    async fn remove_email_settings(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RemoveEmailSettings)?;
        mail_settings::remove(&state(ctx).pool, actor.workspace_id)
            .await
            .map_err(settings_error)?;
        Ok(true)
    }

    /// Commence la connexion d'une boîte Gmail ou Outlook : renvoie l'adresse où envoyer la
    /// personne pour autoriser l'envoi. Gérant ou administrateur.
    #[graphql(name = "startEmailOAuth")]
    async fn start_email_oauth(
        &self,
        ctx: &Context<'_>,
        provider: MailProvider,
        from_address: String,
    ) -> Result<String, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::StartEmailOAuth)?;
        let state = state(ctx);
        let configured = state
            .oauth_providers
            .iter()
            .find(|configured| configured.name == provider.name())
            .ok_or_else(|| {
                ApiError::new(
                    domain::ErrorKind::Validation,
                    "OAUTH_PROVIDER_NOT_CONFIGURED",
                    "ce fournisseur n'est pas disponible sur cette plateforme",
                )
            })?;
        let token = mail_settings::begin_oauth(
            &state.pool,
            actor.workspace_id,
            provider.name(),
            &from_address,
        )
        .await
        .map_err(settings_error)?;
        Ok(workers::oauth::authorization_url(
            configured,
            &token,
            &redirect_uri(state),
        ))
    }

    /// Termine la connexion avec le `code` et le `state` rendus par le fournisseur.
    /// Gérant ou administrateur.
    #[graphql(name = "completeEmailOAuth")]
    async fn complete_email_oauth(
        &self,
        ctx: &Context<'_>,
        state: String,
        code: String,
    ) -> Result<SmtpSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CompleteEmailOAuth)?;
        let app = self::state(ctx);
        let invalid = || {
            ApiError::new(
                domain::ErrorKind::Validation,
                "OAUTH_STATE_INVALID",
                "cette autorisation a expiré ou ne vient pas de cet atelier : recommencez",
            )
        };
        let (provider_name, from_address) =
            mail_settings::take_oauth_state(&app.pool, actor.workspace_id, &state)
                .await
                .map_err(settings_error)?
                .ok_or_else(invalid)?;
        let provider = app
            .oauth_providers
            .iter()
            .find(|provider| provider.name == provider_name)
            .ok_or_else(invalid)?;
        let client = reqwest::Client::new();
        let tokens = workers::oauth::exchange_code(&client, provider, &code, &redirect_uri(app))
            .await
            .map_err(|error| match error {
                workers::oauth::OAuthError::Unreachable(cause) => ApiError::internal(cause),
                refused => ApiError::new(
                    domain::ErrorKind::Validation,
                    "OAUTH_REFUSED",
                    refused.to_string(),
                ),
            })?;
        mail_settings::store_oauth(
            &app.pool,
            &app.secrets,
            actor.workspace_id,
            provider,
            &from_address,
            &tokens,
        )
        .await
        .map_err(settings_error)?;
        let saved = mail_settings::load(&app.pool, &app.secrets, actor.workspace_id)
            .await
            .map_err(settings_error)?
            .ok_or_else(|| ApiError::internal("settings missing right after saving"))?;
        Ok(saved.into())
    }

    /// Envoie tout de suite un email de test par le serveur de l'atelier (ou de la
    /// plateforme) et dit ce que le serveur a répondu. Gérant ou administrateur.
    async fn send_test_email(
        &self,
        ctx: &Context<'_>,
        to: String,
    ) -> Result<TestEmailResult, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SendTestEmail)?;
        let state = state(ctx);
        let to = domain::identity::Email::parse(&to).map_err(|error| ApiError::domain(&error))?;
        // A test email goes wherever it is told: without a budget, 500 aliases of this
        // mutation per request would mail anyone from the workshop's address.
        state.limits.test_email(actor.workspace_id)?;
        let settings = mail_settings::load(&state.pool, &state.secrets, actor.workspace_id)
            .await
            .map_err(settings_error)?;
        let sent = workers::mailer::send_test(
            &state.pool,
            &state.default_mailer,
            actor.workspace_id,
            settings.as_ref(),
            to.as_str(),
        )
        .await;
        Ok(TestEmailResult {
            delivered: sent.is_ok(),
            error: sent.err(),
        })
    }
}
