//! A workshop's own SMTP server: settings and the test button.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use commands::mail_settings::{self, Security, SmtpInput, SmtpSettings};

use super::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Fournisseur de messagerie connecté par OAuth2.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "MailProvider")]
pub enum MailProvider {
    /// Gmail / Google Workspace.
    Google,
    /// Outlook / Microsoft 365.
    Microsoft,
}

impl MailProvider {
    fn name(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
        }
    }
}

/// Where the provider sends the person back: a page of the web client, which hands `code`
/// and `state` to `completeEmailOAuth`.
fn redirect_uri(state: &crate::AppState) -> String {
    format!("{}/parametres/email/oauth", state.public_base_url)
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SmtpSecurity")]
pub enum SecurityValue {
    /// SMTP sur TLS (port 465), recommandé.
    Tls,
    /// STARTTLS obligatoire (port 587).
    Starttls,
    /// Sans chiffrement : seulement pour un relais sur réseau privé.
    None,
}

impl From<SecurityValue> for Security {
    fn from(value: SecurityValue) -> Self {
        match value {
            SecurityValue::Tls => Security::Tls,
            SecurityValue::Starttls => Security::StartTls,
            SecurityValue::None => Security::None,
        }
    }
}

impl From<Security> for SecurityValue {
    fn from(security: Security) -> Self {
        match security {
            Security::Tls => SecurityValue::Tls,
            Security::StartTls => SecurityValue::Starttls,
            Security::None => SecurityValue::None,
        }
    }
}

#[derive(InputObject)]
pub struct SmtpSettingsInput {
    pub host: String,
    pub port: i32,
    pub security: SecurityValue,
    pub username: Option<String>,
    /// Laisser vide pour garder le mot de passe enregistré.
    pub password: Option<String>,
    /// Adresse d'expédition des emails de l'atelier.
    pub from_address: String,
}

/// Le serveur SMTP de l'atelier. Le mot de passe n'est jamais renvoyé.
#[derive(SimpleObject)]
pub struct SmtpSettingsNode {
    pub host: String,
    pub port: i32,
    pub security: SecurityValue,
    pub username: Option<String>,
    pub has_password: bool,
    pub from_address: String,
    pub updated_at: DateTime<Utc>,
    /// `google` ou `microsoft` quand la boîte est connectée par OAuth2.
    pub oauth_provider: Option<String>,
}

impl From<SmtpSettings> for SmtpSettingsNode {
    fn from(settings: SmtpSettings) -> Self {
        Self {
            host: settings.host,
            port: i32::from(settings.port),
            security: settings.security.into(),
            username: settings.username,
            has_password: settings.password.is_some(),
            from_address: settings.from_address,
            updated_at: settings.updated_at,
            oauth_provider: settings.oauth.map(|oauth| oauth.provider),
        }
    }
}

/// Résultat d'un envoi de test.
#[derive(SimpleObject)]
pub struct TestEmailResult {
    pub delivered: bool,
    /// La réponse du serveur en cas d'échec.
    pub error: Option<String>,
}

fn settings_error(error: mail_settings::SettingsError) -> ApiError {
    match error {
        mail_settings::SettingsError::Database(cause) => ApiError::internal(cause),
        refused => ApiError::domain(&refused),
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
    ) -> async_graphql::Result<Option<SmtpSettingsNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::EmailSettings)?;
        let state = state(ctx);
        let settings = mail_settings::load(&state.pool, &state.secrets, actor.workspace_id)
            .await
            .map_err(settings_error)?;
        Ok(settings.map(SmtpSettingsNode::from))
    }
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
    ) -> async_graphql::Result<SmtpSettingsNode> {
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
    async fn remove_email_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
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
    ) -> async_graphql::Result<String> {
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
    ) -> async_graphql::Result<SmtpSettingsNode> {
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
    ) -> async_graphql::Result<TestEmailResult> {
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
