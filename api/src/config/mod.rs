//! Configuration from the environment (12-factor), each value with a working local default
//! (DESIGN.md §4). Any variable may instead be read from a file named by `<NAME>_FILE`,
//! which is how container secrets are mounted.

mod limits;
mod mail;
mod secrets;
mod vars;

use std::net::SocketAddr;

use secrecy::{ExposeSecret, SecretString};

use vars::Vars;

#[derive(Debug, Clone)]
pub struct Config {
    /// API requests (`DATABASE_URL`): the request role in production (ADR 0013). May hold
    /// a password: never logged.
    pub database_url: SecretString,
    /// Projection runners, reactors and jobs (`PROJECTOR_DATABASE_URL`): the projector role
    /// in production; `DATABASE_URL` when absent.
    pub projector_database_url: Option<SecretString>,
    /// Migrations, and creating the database if absent (`MIGRATION_DATABASE_URL`): the
    /// tables' owner; `DATABASE_URL` when absent.
    pub migration_database_url: Option<SecretString>,
    pub database_max_connections: u32,
    pub addr: SocketAddr,
    pub public_base_url: String,
    /// Absent: emails are written as `.eml` files under `var/mail/`.
    pub smtp_url: Option<SecretString>,
    /// Sender of platform emails.
    pub mail_from: String,
    pub storage_url: String,
    /// Photo storage per workshop before the oldest projects' photos are purged (at 90 %).
    pub photo_quota_bytes: u64,
    /// What a shop-floor member may upload a day once their photos would start the purge.
    pub photo_purge_budget_bytes: u64,
    /// For a `STORAGE_URL` of `s3://bucket/prefix`.
    pub s3: commands::file_store::S3Settings,
    pub stripe_api_base: String,
    /// Where the Pennylane connector pushes invoices.
    pub pennylane_api_base: String,
    /// The platform's Stripe secret key; without it, no payment link.
    pub stripe_secret_key: Option<SecretString>,
    /// Verifies `Stripe-Signature` on `/webhooks/stripe`.
    pub stripe_webhook_secret: Option<SecretString>,
    pub log_format: LogFormat,
    /// Signs access tokens (HS256).
    pub jwt_secret: SecretString,
    /// Seals workshops' secrets at rest (AES-256-GCM, 32 bytes in base64).
    pub secret_key: SecretString,
    pub environment: Environment,
    /// Gmail / Outlook, when their OAuth client is configured.
    pub oauth_providers: Vec<commands::mail_settings::OAuthProvider>,
    /// The powder supplier's catalogue export (PrestaShop webservice JSON). Its query
    /// string may hold the shop's `ws_key`: kept secret like a password.
    pub supplier_catalogue_url: Option<SecretString>,
    /// Attempts allowed at login, sign-up, password reset and invitation (`RATE_LIMIT_*`).
    pub rate_limits: crate::limits::RateLimits,
    /// The proxies in front of us (`TRUSTED_PROXIES`): only theirs `X-Forwarded-For` is read.
    pub trusted_proxies: crate::http::client_address::TrustedProxies,
    /// `/metrics` on an address of its own (`METRICS_ADDR`), absent from the public one.
    pub metrics_addr: Option<SocketAddr>,
    /// Bearer token `/metrics` asks for (`METRICS_TOKEN`).
    pub metrics_token: Option<SecretString>,
    /// Which addresses workshops' SMTP hosts may reach (`OUTBOUND_PRIVATE_NETWORKS`):
    /// public ones only in production.
    pub outbound_networks: workers::outbound::Networks,
    /// Certificate authorities (PEM) trusted for workshops' SMTP servers beside the public
    /// ones (`SMTP_EXTRA_ROOT_CERTIFICATES`, or `…_FILE`).
    pub smtp_extra_roots: Option<String>,
    /// Emails one workshop sends per Paris day (`EMAIL_QUOTA_PER_WORKSPACE_PER_DAY`).
    pub email_quota_per_day: u32,
    /// Bytes a request may carry, without and with a session (`BODY_LIMIT_*`).
    pub body_limits: crate::http::request_size::BodyLimits,
    /// GraphiQL on `GET /graphql` and introspection (`__schema`, `__type`):
    /// `GRAPHQL_INTROSPECTION`, on in development, off in production unless said.
    pub graphql_introspection: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Good enough on a laptop, refused in production.
pub const DEV_SECRET_KEY: &str = "dGhlcm1vZ2VzdGlvbi1kZXYta2V5LW5vdC1wcm9kISE=";

/// Good enough on a laptop, refused in production.
pub const DEV_JWT_SECRET: &str = "thermogestion-development-secret-do-not-use-in-production";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {reason}")]
    Invalid { name: String, reason: String },
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/thermogestion";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads through `lookup` so tests can pass a map instead of mutating the process env.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars::new(&lookup);
        let environment = secrets::environment(&vars)?;
        let addr: SocketAddr = vars.parsed_or(
            "THERMOGESTION_ADDR",
            ([127, 0, 0, 1], 8080).into(),
            "host:port",
        )?;
        let metrics_token = vars.read("METRICS_TOKEN")?;
        if metrics_token.as_ref().is_some_and(|token| token.len() < 24) {
            return Err(vars::invalid(
                "METRICS_TOKEN",
                "must be at least 24 characters (openssl rand -base64 32)",
            ));
        }
        let trusted_proxies = match vars.read("TRUSTED_PROXIES")? {
            None => Default::default(),
            Some(text) => crate::http::client_address::TrustedProxies::parse(&text)
                .map_err(|reason| vars::invalid("TRUSTED_PROXIES", reason))?,
        };
        Ok(Self {
            database_url: vars.text_or("DATABASE_URL", DEFAULT_DATABASE_URL)?.into(),
            projector_database_url: vars.secret("PROJECTOR_DATABASE_URL")?,
            migration_database_url: vars.secret("MIGRATION_DATABASE_URL")?,
            database_max_connections: vars.parsed_or("DATABASE_MAX_CONNECTIONS", 20, "a number")?,
            public_base_url: vars.text_or("PUBLIC_BASE_URL", &format!("http://{addr}"))?,
            addr,
            smtp_url: vars.secret("SMTP_URL")?,
            mail_from: vars.text_or("MAIL_FROM", "ThermoGestion <no-reply@thermogestion.local>")?,
            storage_url: vars.text_or("STORAGE_URL", "file://var/storage")?,
            photo_quota_bytes: limits::photo_quota_bytes(&vars)?,
            photo_purge_budget_bytes: limits::photo_purge_budget_bytes(&vars)?,
            s3: commands::file_store::S3Settings {
                region: vars.text_or("S3_REGION", "eu-west-3")?,
                access_key_id: vars.text_or("AWS_ACCESS_KEY_ID", "")?,
                secret_access_key: vars.text_or("AWS_SECRET_ACCESS_KEY", "")?,
                endpoint: vars.read("S3_ENDPOINT")?,
            },
            stripe_api_base: vars.text_or("STRIPE_API_BASE", "https://api.stripe.com")?,
            pennylane_api_base: vars.text_or("PENNYLANE_API_BASE", "https://app.pennylane.com")?,
            stripe_secret_key: vars.secret("STRIPE_SECRET_KEY")?,
            stripe_webhook_secret: vars.secret("STRIPE_WEBHOOK_SECRET")?,
            log_format: vars.choice(
                "THERMOGESTION_LOG_FORMAT",
                &[("json", LogFormat::Json), ("pretty", LogFormat::Pretty)],
                LogFormat::Json,
            )?,
            jwt_secret: secrets::jwt_secret(&vars, environment)?.into(),
            secret_key: secrets::secret_key(&vars, environment)?.into(),
            oauth_providers: mail::oauth_providers(&vars)?,
            supplier_catalogue_url: vars.secret("SUPPLIER_CATALOGUE_URL")?,
            rate_limits: limits::rate_limits(&vars)?,
            trusted_proxies,
            metrics_addr: vars.parsed("METRICS_ADDR", "an address such as 10.0.0.5:9100")?,
            metrics_token: metrics_token.map(SecretString::from),
            outbound_networks: mail::outbound_networks(&vars, environment)?,
            smtp_extra_roots: mail::extra_roots(&vars)?,
            email_quota_per_day: mail::daily_quota(&vars)?,
            body_limits: limits::body_limits(&vars)?,
            // A production schema is not shown to whoever asks; a staging server may say `on`.
            graphql_introspection: vars.choice(
                "GRAPHQL_INTROSPECTION",
                &[("on", true), ("off", false)],
                environment == Environment::Development,
            )?,
            environment,
        })
    }

    /// Where API requests connect: the request role in production.
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// Where runners, reactors and jobs connect: the projector role in production.
    pub fn projector_database_url(&self) -> &str {
        self.projector_database_url
            .as_ref()
            .unwrap_or(&self.database_url)
            .expose_secret()
    }

    /// Where migrations run: the tables' owner.
    pub fn migration_database_url(&self) -> &str {
        self.migration_database_url
            .as_ref()
            .unwrap_or(&self.database_url)
            .expose_secret()
    }
}

impl Config {
    /// Where emails go without `SMTP_URL`.
    pub const MAIL_DIR: &'static str = "var/mail";

    pub fn mailer(&self) -> Result<workers::mailer::Mailer, workers::mailer::MailerError> {
        let mailer = workers::mailer::Mailer::new(
            self.smtp_url.as_ref().map(|url| url.expose_secret()),
            Self::MAIL_DIR.into(),
            &self.mail_from,
        )?
        .with_workspace_transports(self.secret_box())
        .with_daily_quota(Some(self.email_quota_per_day))
        .with_networks(self.outbound_networks)
        .with_oauth_providers(self.oauth_providers.clone());
        match &self.smtp_extra_roots {
            Some(pem) => mailer.with_extra_roots(pem.as_bytes()),
            None => Ok(mailer),
        }
    }

    pub fn secret_box(&self) -> commands::secret_box::SecretBox {
        commands::secret_box::SecretBox::new(self.secret_key.expose_secret())
            .expect("checked when the configuration was read")
    }

    /// Where project photos go: `STORAGE_URL` `file://…` or `s3://bucket/prefix`.
    pub fn file_store(
        &self,
    ) -> Result<commands::file_store::FileStore, commands::file_store::StoreError> {
        commands::file_store::FileStore::from_url(&self.storage_url, &self.s3)
    }

    /// The domain of Message-IDs: the sender's.
    pub fn message_domain(&self) -> &str {
        self.mail_from
            .rsplit_once('@')
            .map(|(_, domain)| domain.trim_end_matches('>'))
            .unwrap_or("thermogestion.local")
    }
}

#[cfg(test)]
mod tests;
