//! What email templates, deliveries and a workshop's own mail server look like over GraphQL.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use commands::mail_settings::{self, Security, SmtpSettings};
use domain::email_template::TemplateKind;
use domain::ErrorKind;

use crate::ApiError;

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
    pub fn as_str(self) -> &'static str {
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

pub fn parse_kind(kind: &str) -> Result<TemplateKind, ApiError> {
    let workshops = TemplateKind::parse(kind.trim()).filter(|kind| !kind.is_the_platforms());
    workshops.ok_or_else(|| {
        let known: Vec<&str> = TemplateKind::workshop_kinds()
            .map(|kind| kind.as_str())
            .collect();
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
    pub fn name(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
        }
    }
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

pub fn settings_error(error: mail_settings::SettingsError) -> ApiError {
    match error {
        mail_settings::SettingsError::Database(cause) => ApiError::internal(cause),
        refused => ApiError::domain(&refused),
    }
}
