//! A workshop's own SMTP server. Settings are a secret-bearing side table, not events: the
//! password must stay replaceable and sealed (ADR 0003).
//!
//! A stored secret (password, or a connected mailbox's OAuth tokens) belongs to the server
//! it was given for: saving another host, port, security or user name without giving the
//! password again drops it, so an admin cannot point the workshop's password at a server of
//! their own and read it there. And a secret only ever travels encrypted: `Security::None`
//! takes no password.

use chrono::{DateTime, Utc};
use domain::identity::Email;
use domain::{DomainError, ErrorKind};
use sqlx::PgPool;
use uuid::Uuid;

use crate::secret_box::SecretBox;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// SMTP over TLS (port 465).
    Tls,
    /// STARTTLS required (port 587).
    StartTls,
    /// No encryption: only for a relay on a private network.
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tls => "tls",
            Self::StartTls => "starttls",
            Self::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Tls, Self::StartTls, Self::None]
            .into_iter()
            .find(|security| security.as_str() == text)
    }
}

/// An OAuth2 provider workshops send through (Gmail, Outlook). Endpoints are configurable so
/// tests (and sovereign deployments) can point elsewhere.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthProvider {
    /// `google` or `microsoft`.
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    pub token_url: String,
    pub scope: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub security: Security,
}

impl std::fmt::Debug for OAuthProvider {
    /// Never the client secret: configurations get logged.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("OAuthProvider")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("auth_url", &self.auth_url)
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("security", &self.security)
            .finish()
    }
}

/// OAuth2 tokens of a workshop's mailbox, opened.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthTokens {
    pub provider: String,
    pub refresh_token: String,
    pub access_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Settings as the mailer uses them, password opened.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from_address: String,
    pub updated_at: DateTime<Utc>,
    /// Set when the workshop connected Gmail or Outlook: XOAUTH2 instead of a password.
    pub oauth: Option<OAuthTokens>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from_address", &self.from_address)
            .finish()
    }
}

/// What a workshop types in its settings screen.
pub struct SmtpInput {
    pub host: String,
    pub port: i32,
    pub security: Security,
    pub username: Option<String>,
    /// `None` keeps the stored password.
    pub password: Option<String>,
    pub from_address: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("le serveur SMTP est obligatoire")]
    HostMissing,
    #[error("le port doit être compris entre 1 et 65535")]
    PortInvalid,
    #[error("l'adresse d'expédition « {} » n'est pas valide", domain::limits::excerpt(.0))]
    FromInvalid(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "le mot de passe SMTP enregistré ne peut pas être relu (clé de chiffrement changée ?)"
    )]
    Unreadable,
    #[error(
        "un mot de passe n'est envoyé que chiffré : choisissez la sécurité TLS ou STARTTLS, ou \
         un serveur sans authentification"
    )]
    PasswordNeedsTls,
    #[error(transparent)]
    Bound(#[from] domain::limits::OutOfBounds),
}

impl DomainError for SettingsError {
    fn code(&self) -> &'static str {
        match self {
            Self::PasswordNeedsTls => "SMTP_PASSWORD_NEEDS_TLS",
            Self::HostMissing => "SMTP_HOST_MISSING",
            Self::PortInvalid => "SMTP_PORT_INVALID",
            Self::FromInvalid(_) => "SMTP_FROM_INVALID",
            Self::Database(_) | Self::Unreadable => "INTERNAL",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::HostMissing
            | Self::PortInvalid
            | Self::FromInvalid(_)
            | Self::PasswordNeedsTls
            | Self::Bound(_) => ErrorKind::Validation,
            Self::Database(_) | Self::Unreadable => ErrorKind::Internal,
        }
    }
}

/// Validates and stores the settings; the password is sealed.
pub async fn save(
    pool: &PgPool,
    secrets: &SecretBox,
    workspace_id: Uuid,
    input: SmtpInput,
) -> Result<(), SettingsError> {
    let host = input.host.trim();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(SettingsError::HostMissing);
    }
    domain::limits::mail_settings::SMTP_HOST.check(host)?;
    if !(1..=65535).contains(&input.port) {
        return Err(SettingsError::PortInvalid);
    }
    let from = Email::parse(&input.from_address)
        .map_err(|_| SettingsError::FromInvalid(input.from_address.trim().to_owned()))?;
    let username = input
        .username
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty());
    let credential = domain::limits::mail_settings::SMTP_CREDENTIAL;
    credential.check_optional(username.as_deref())?;
    credential.check_optional(input.password.as_deref())?;
    let password = input.password.filter(|password| !password.is_empty());
    if password.is_some() && input.security == Security::None {
        return Err(SettingsError::PasswordNeedsTls);
    }
    let sealed = password.map(|password| secrets.seal(&password));
    let mut tx = pool.begin().await?;
    // The secret stays only for the very server it was given for.
    let same_server: Option<bool> = sqlx::query_scalar(
        "select (host, port, security, username) is not distinct from ($2, $3, $4, $5)
         from workspace_smtp where workspace_id = $1 for update",
    )
    .bind(workspace_id)
    .bind(host)
    .bind(input.port)
    .bind(input.security.as_str())
    .bind(username.as_deref())
    .fetch_optional(&mut *tx)
    .await?;
    let keeps_secret = sealed.is_none() && same_server == Some(true);
    if keeps_secret && input.security == Security::None {
        // Settings saved before this rule: a kept password over no encryption is refused too.
        let has_secret: bool = sqlx::query_scalar(
            "select password_sealed is not null or oauth_provider is not null
             from workspace_smtp where workspace_id = $1",
        )
        .bind(workspace_id)
        .fetch_one(&mut *tx)
        .await?;
        if has_secret {
            return Err(SettingsError::PasswordNeedsTls);
        }
    }
    sqlx::query(
        "insert into workspace_smtp (workspace_id, host, port, security, username, password_sealed, from_address)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (workspace_id) do update
         set host = excluded.host, port = excluded.port, security = excluded.security,
             username = excluded.username,
             password_sealed = case when $8 then workspace_smtp.password_sealed else excluded.password_sealed end,
             oauth_provider = case when $8 then workspace_smtp.oauth_provider end,
             oauth_refresh_sealed = case when $8 then workspace_smtp.oauth_refresh_sealed end,
             oauth_access_sealed = case when $8 then workspace_smtp.oauth_access_sealed end,
             oauth_expires_at = case when $8 then workspace_smtp.oauth_expires_at end,
             from_address = excluded.from_address, updated_at = now()",
    )
    .bind(workspace_id)
    .bind(host)
    .bind(input.port)
    .bind(input.security.as_str())
    .bind(username)
    .bind(sealed)
    .bind(from.as_str())
    .bind(keeps_secret)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Back to the platform's transport.
pub async fn remove(pool: &PgPool, workspace_id: Uuid) -> Result<(), SettingsError> {
    sqlx::query("delete from workspace_smtp where workspace_id = $1")
        .bind(workspace_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The workshop's settings, password opened; `None` when it uses the platform's transport.
pub async fn load(
    pool: &PgPool,
    secrets: &SecretBox,
    workspace_id: Uuid,
) -> Result<Option<SmtpSettings>, SettingsError> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "select host, port, security, username, password_sealed, from_address, updated_at,
                oauth_provider, oauth_refresh_sealed, oauth_access_sealed, oauth_expires_at
         from workspace_smtp where workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let password = row
        .password_sealed
        .map(|sealed| secrets.open(&sealed).map_err(|_| SettingsError::Unreadable))
        .transpose()?;
    let open = |sealed: Option<String>| {
        sealed
            .map(|sealed| secrets.open(&sealed).map_err(|_| SettingsError::Unreadable))
            .transpose()
    };
    let oauth = match (row.oauth_provider, open(row.oauth_refresh_sealed)?) {
        (Some(provider), Some(refresh_token)) => Some(OAuthTokens {
            provider,
            refresh_token,
            access_token: open(row.oauth_access_sealed)?,
            expires_at: row.oauth_expires_at,
        }),
        _ => None,
    };
    Ok(Some(SmtpSettings {
        host: row.host,
        port: u16::try_from(row.port).map_err(|_| SettingsError::PortInvalid)?,
        security: Security::parse(&row.security).unwrap_or(Security::StartTls),
        username: row.username,
        password,
        from_address: row.from_address,
        updated_at: row.updated_at,
        oauth,
    }))
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    host: String,
    port: i32,
    security: String,
    username: Option<String>,
    password_sealed: Option<String>,
    from_address: String,
    updated_at: DateTime<Utc>,
    oauth_provider: Option<String>,
    oauth_refresh_sealed: Option<String>,
    oauth_access_sealed: Option<String>,
    oauth_expires_at: Option<DateTime<Utc>>,
}

/// Starts connecting a mailbox: a single-use `state` for the authorisation redirect.
pub async fn begin_oauth(
    pool: &PgPool,
    workspace_id: Uuid,
    provider: &str,
    from_address: &str,
) -> Result<String, SettingsError> {
    let from = Email::parse(from_address)
        .map_err(|_| SettingsError::FromInvalid(from_address.trim().to_owned()))?;
    let state = crate::email_token::random_token();
    sqlx::query("insert into oauth_state (state_hash, workspace_id, provider, from_address) values ($1, $2, $3, $4)")
        .bind(crate::email_token::digest(&state))
        .bind(workspace_id)
        .bind(provider)
        .bind(from.as_str())
        .execute(pool)
        .await?;
    Ok(state)
}

/// Uses a `state` of this workspace, at most 15 minutes old: returns (provider, address).
pub async fn take_oauth_state(
    pool: &PgPool,
    workspace_id: Uuid,
    state: &str,
) -> Result<Option<(String, String)>, SettingsError> {
    Ok(sqlx::query_as(
        "delete from oauth_state
         where state_hash = $1 and workspace_id = $2 and created_at > now() - interval '15 minutes'
         returning provider, from_address",
    )
    .bind(crate::email_token::digest(state))
    .bind(workspace_id)
    .fetch_optional(pool)
    .await?)
}

/// Stores a connected mailbox: the provider's server, the address as login, sealed tokens.
pub async fn store_oauth(
    pool: &PgPool,
    secrets: &SecretBox,
    workspace_id: Uuid,
    provider: &OAuthProvider,
    from_address: &str,
    tokens: &OAuthTokens,
) -> Result<(), SettingsError> {
    sqlx::query(
        "insert into workspace_smtp (workspace_id, host, port, security, username, password_sealed, from_address,
                                     oauth_provider, oauth_refresh_sealed, oauth_access_sealed, oauth_expires_at)
         values ($1, $2, $3, $4, $5, null, $5, $6, $7, $8, $9)
         on conflict (workspace_id) do update
         set host = excluded.host, port = excluded.port, security = excluded.security, username = excluded.username,
             password_sealed = null, from_address = excluded.from_address, oauth_provider = excluded.oauth_provider,
             oauth_refresh_sealed = excluded.oauth_refresh_sealed, oauth_access_sealed = excluded.oauth_access_sealed,
             oauth_expires_at = excluded.oauth_expires_at, updated_at = now()",
    )
    .bind(workspace_id)
    .bind(&provider.smtp_host)
    .bind(i32::from(provider.smtp_port))
    .bind(provider.security.as_str())
    .bind(from_address)
    .bind(&provider.name)
    .bind(secrets.seal(&tokens.refresh_token))
    .bind(tokens.access_token.as_deref().map(|token| secrets.seal(token)))
    .bind(tokens.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Keeps a refreshed access token (and a rotated refresh token, when the provider rotates).
pub async fn update_oauth_tokens(
    pool: &PgPool,
    secrets: &SecretBox,
    workspace_id: Uuid,
    tokens: &OAuthTokens,
) -> Result<(), SettingsError> {
    sqlx::query(
        "update workspace_smtp set oauth_refresh_sealed = $2, oauth_access_sealed = $3, oauth_expires_at = $4
         where workspace_id = $1",
    )
    .bind(workspace_id)
    .bind(secrets.seal(&tokens.refresh_token))
    .bind(tokens.access_token.as_deref().map(|token| secrets.seal(token)))
    .bind(tokens.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}
