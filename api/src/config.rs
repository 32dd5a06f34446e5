//! Configuration from the environment (12-factor), each value with a working local default
//! (DESIGN.md §4). Any variable may instead be read from a file named by `<NAME>_FILE`,
//! which is how container secrets are mounted.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use secrecy::{ExposeSecret, SecretString};

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
    Invalid { name: &'static str, reason: String },
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/thermogestion";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads through `lookup` so tests can pass a map instead of mutating the process env.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let read = |name: &'static str| -> Result<Option<String>, ConfigError> {
            if let Some(value) = lookup(name) {
                return Ok(Some(value));
            }
            match lookup(&format!("{name}_FILE")) {
                Some(path) => std::fs::read_to_string(&path)
                    .map(|content| Some(content.trim_end().to_owned()))
                    .map_err(|error| ConfigError::Invalid {
                        name,
                        reason: format!("cannot read {path}: {error}"),
                    }),
                None => Ok(None),
            }
        };
        let addr_text = read("THERMOGESTION_ADDR")?.unwrap_or_else(|| "127.0.0.1:8080".into());
        let addr = addr_text.parse().map_err(|error| ConfigError::Invalid {
            name: "THERMOGESTION_ADDR",
            reason: format!("{addr_text:?} is not host:port ({error})"),
        })?;
        let max_text = read("DATABASE_MAX_CONNECTIONS")?.unwrap_or_else(|| "20".into());
        let database_max_connections = max_text.parse().map_err(|_| ConfigError::Invalid {
            name: "DATABASE_MAX_CONNECTIONS",
            reason: format!("{max_text:?} is not a number"),
        })?;
        let log_format = match read("THERMOGESTION_LOG_FORMAT")?.as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "THERMOGESTION_LOG_FORMAT",
                    reason: format!("{other:?} is neither json nor pretty"),
                })
            }
        };
        // Production unless said otherwise: a server started without its configuration must
        // not run with the secrets published in this file (anyone could mint an owner's
        // token). Laptops, the demo and the tests say `development` explicitly.
        let environment = match read("THERMOGESTION_ENV")?.as_deref() {
            Some("development") => Environment::Development,
            None | Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "THERMOGESTION_ENV",
                    reason: format!("{other:?} is neither development nor production"),
                })
            }
        };
        let development_default = |name: &'static str, default: &str, how: &str| {
            match (read(name)?, environment) {
                (Some(value), Environment::Production) if value == default => {
                    Err(ConfigError::Invalid {
                        name,
                        reason: format!(
                            "la production refuse la valeur de développement publiée dans le code : {how} \
                             / production refuses the development value published in the source: {how}"
                        ),
                    })
                }
                (Some(value), _) => Ok(value),
                (None, Environment::Development) => Ok(default.to_owned()),
                (None, Environment::Production) => Err(ConfigError::Invalid {
                    name,
                    reason: format!(
                        "absent ; la production (le défaut) l'exige : {how}, ou THERMOGESTION_ENV=development \
                         sur un poste de développement / missing; production (the default) requires it: {how}, \
                         or THERMOGESTION_ENV=development on a developer's machine"
                    ),
                }),
            }
        };
        let jwt_secret = development_default(
            "THERMOGESTION_JWT_SECRET",
            DEV_JWT_SECRET,
            "openssl rand -base64 48",
        )?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "THERMOGESTION_JWT_SECRET",
                reason: "must be at least 32 characters".into(),
            });
        }
        let secret_key = development_default(
            "THERMOGESTION_SECRET_KEY",
            DEV_SECRET_KEY,
            "openssl rand -base64 32",
        )?;
        if commands::secret_box::SecretBox::new(&secret_key).is_err() {
            return Err(ConfigError::Invalid {
                name: "THERMOGESTION_SECRET_KEY",
                reason: "must be 32 bytes in base64 (openssl rand -base64 32)".into(),
            });
        }
        let mut oauth_providers = Vec::new();
        for (name, auth_url, token_url, scope, host, port, security) in [
            (
                "google",
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://mail.google.com/",
                "smtp.gmail.com",
                "465",
                "tls",
            ),
            (
                "microsoft",
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                "https://outlook.office.com/SMTP.Send offline_access",
                "smtp.office365.com",
                "587",
                "starttls",
            ),
        ] {
            let prefix = format!("EMAIL_OAUTH_{}_", name.to_uppercase());
            let var = |suffix: &str| lookup(&format!("{prefix}{suffix}"));
            let (Some(client_id), Some(client_secret)) = (var("CLIENT_ID"), var("CLIENT_SECRET"))
            else {
                continue;
            };
            let port_text = var("SMTP_PORT").unwrap_or_else(|| port.into());
            let security_text = var("SMTP_SECURITY").unwrap_or_else(|| security.into());
            oauth_providers.push(commands::mail_settings::OAuthProvider {
                name: name.to_owned(),
                client_id,
                client_secret,
                auth_url: var("AUTH_URL").unwrap_or_else(|| auth_url.into()),
                token_url: var("TOKEN_URL").unwrap_or_else(|| token_url.into()),
                scope: var("SCOPE").unwrap_or_else(|| scope.into()),
                smtp_host: var("SMTP_HOST").unwrap_or_else(|| host.into()),
                smtp_port: port_text.parse().map_err(|_| ConfigError::Invalid {
                    name: "EMAIL_OAUTH_*_SMTP_PORT",
                    reason: format!("{port_text:?} is not a port"),
                })?,
                security: commands::mail_settings::Security::parse(&security_text).ok_or_else(
                    || ConfigError::Invalid {
                        name: "EMAIL_OAUTH_*_SMTP_SECURITY",
                        reason: format!("{security_text:?} is none of tls, starttls, none"),
                    },
                )?,
            });
        }
        let defaults = crate::limits::RateLimits::default();
        let rate = |name: &'static str, default: NonZeroU32| -> Result<NonZeroU32, ConfigError> {
            match read(name)? {
                None => Ok(default),
                Some(text) => text.trim().parse().map_err(|_| ConfigError::Invalid {
                    name,
                    reason: format!("{text:?} is not a positive number of attempts"),
                }),
            }
        };
        let rate_limits = crate::limits::RateLimits {
            login_per_ip_per_minute: rate(
                "RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE",
                defaults.login_per_ip_per_minute,
            )?,
            login_per_account_per_minute: rate(
                "RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE",
                defaults.login_per_account_per_minute,
            )?,
            sign_up_per_ip_per_hour: rate(
                "RATE_LIMIT_SIGN_UP_PER_IP_PER_HOUR",
                defaults.sign_up_per_ip_per_hour,
            )?,
            reset_per_account_per_hour: rate(
                "RATE_LIMIT_RESET_PER_ACCOUNT_PER_HOUR",
                defaults.reset_per_account_per_hour,
            )?,
            invitations_per_workspace_per_hour: rate(
                "RATE_LIMIT_INVITATIONS_PER_WORKSPACE_PER_HOUR",
                defaults.invitations_per_workspace_per_hour,
            )?,
            requests_per_user_per_minute: rate(
                "RATE_LIMIT_REQUESTS_PER_USER_PER_MINUTE",
                defaults.requests_per_user_per_minute,
            )?,
            requests_per_workspace_per_minute: rate(
                "RATE_LIMIT_REQUESTS_PER_WORKSPACE_PER_MINUTE",
                defaults.requests_per_workspace_per_minute,
            )?,
            test_emails_per_workspace_per_hour: rate(
                "RATE_LIMIT_TEST_EMAILS_PER_WORKSPACE_PER_HOUR",
                defaults.test_emails_per_workspace_per_hour,
            )?,
        };
        let body_defaults = crate::http::request_size::BodyLimits::default();
        let bytes = |name: &'static str, default: usize| -> Result<usize, ConfigError> {
            match read(name)? {
                None => Ok(default),
                Some(text) => match text.trim().parse::<usize>() {
                    Ok(bytes) if bytes >= 4096 => Ok(bytes),
                    _ => Err(ConfigError::Invalid {
                        name,
                        reason: format!("{text:?} is not a number of bytes of at least 4096"),
                    }),
                },
            }
        };
        let body_limits = crate::http::request_size::BodyLimits {
            anonymous_bytes: bytes("BODY_LIMIT_ANONYMOUS_BYTES", body_defaults.anonymous_bytes)?,
            signed_in_bytes: bytes("BODY_LIMIT_SIGNED_IN_BYTES", body_defaults.signed_in_bytes)?,
        };
        let metrics_addr = match read("METRICS_ADDR")? {
            None => None,
            Some(text) => Some(text.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "METRICS_ADDR",
                reason: format!("{text:?} is not an address such as 10.0.0.5:9100"),
            })?),
        };
        let metrics_token = read("METRICS_TOKEN")?;
        if metrics_token.as_ref().is_some_and(|token| token.len() < 24) {
            return Err(ConfigError::Invalid {
                name: "METRICS_TOKEN",
                reason: "must be at least 24 characters (openssl rand -base64 32)".into(),
            });
        }
        let trusted_proxies = match read("TRUSTED_PROXIES")? {
            None => Default::default(),
            Some(text) => {
                crate::http::client_address::TrustedProxies::parse(&text).map_err(|reason| {
                    ConfigError::Invalid {
                        name: "TRUSTED_PROXIES",
                        reason,
                    }
                })?
            }
        };
        let email_quota_per_day = match read("EMAIL_QUOTA_PER_WORKSPACE_PER_DAY")? {
            None => workers::mailer::DAILY_QUOTA,
            Some(text) => text
                .trim()
                .parse::<NonZeroU32>()
                .map(NonZeroU32::get)
                .map_err(|_| ConfigError::Invalid {
                    name: "EMAIL_QUOTA_PER_WORKSPACE_PER_DAY",
                    reason: format!("{text:?} is not a positive number of emails"),
                })?,
        };
        let outbound_networks = match read("OUTBOUND_PRIVATE_NETWORKS")?.as_deref() {
            None => match environment {
                Environment::Production => workers::outbound::Networks::Public,
                Environment::Development => workers::outbound::Networks::Any,
            },
            Some("refuse") => workers::outbound::Networks::Public,
            Some("allow") => workers::outbound::Networks::Any,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "OUTBOUND_PRIVATE_NETWORKS",
                    reason: format!("{other:?} is neither refuse nor allow"),
                })
            }
        };
        // A production schema is not shown to whoever asks; a staging server may say `on`.
        let graphql_introspection = match read("GRAPHQL_INTROSPECTION")?.as_deref() {
            None => environment == Environment::Development,
            Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "GRAPHQL_INTROSPECTION",
                    reason: format!("{other:?} is neither on nor off"),
                })
            }
        };
        let smtp_extra_roots = read("SMTP_EXTRA_ROOT_CERTIFICATES")?;
        if let Some(pem) = &smtp_extra_roots {
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(ConfigError::Invalid {
                    name: "SMTP_EXTRA_ROOT_CERTIFICATES",
                    reason: "not PEM certificates".into(),
                });
            }
        }
        Ok(Self {
            graphql_introspection,
            outbound_networks,
            smtp_extra_roots,
            email_quota_per_day,
            trusted_proxies,
            metrics_addr,
            metrics_token: metrics_token.map(SecretString::from),
            body_limits,
            rate_limits,
            supplier_catalogue_url: read("SUPPLIER_CATALOGUE_URL")?.map(SecretString::from),
            oauth_providers,
            jwt_secret: jwt_secret.into(),
            secret_key: secret_key.into(),
            environment,
            database_url: read("DATABASE_URL")?
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into())
                .into(),
            projector_database_url: read("PROJECTOR_DATABASE_URL")?.map(SecretString::from),
            migration_database_url: read("MIGRATION_DATABASE_URL")?.map(SecretString::from),
            database_max_connections,
            public_base_url: read("PUBLIC_BASE_URL")?.unwrap_or_else(|| format!("http://{addr}")),
            addr,
            smtp_url: read("SMTP_URL")?.map(SecretString::from),
            mail_from: read("MAIL_FROM")?
                .unwrap_or_else(|| "ThermoGestion <no-reply@thermogestion.local>".into()),
            storage_url: read("STORAGE_URL")?.unwrap_or_else(|| "file://var/storage".into()),
            s3: commands::file_store::S3Settings {
                region: read("S3_REGION")?.unwrap_or_else(|| "eu-west-3".into()),
                access_key_id: read("AWS_ACCESS_KEY_ID")?.unwrap_or_default(),
                secret_access_key: read("AWS_SECRET_ACCESS_KEY")?.unwrap_or_default(),
                endpoint: read("S3_ENDPOINT")?,
            },
            photo_quota_bytes: read("PHOTO_QUOTA_BYTES")?
                .map(|bytes| {
                    bytes.parse().map_err(|_| ConfigError::Invalid {
                        name: "PHOTO_QUOTA_BYTES",
                        reason: "a number of bytes".into(),
                    })
                })
                .transpose()?
                .unwrap_or(20 * 1024 * 1024 * 1024),
            photo_purge_budget_bytes: read("PHOTO_PURGE_BUDGET_PER_MEMBER_PER_DAY_BYTES")?
                .map(|bytes| {
                    bytes.parse().map_err(|_| ConfigError::Invalid {
                        name: "PHOTO_PURGE_BUDGET_PER_MEMBER_PER_DAY_BYTES",
                        reason: "a number of bytes".into(),
                    })
                })
                .transpose()?
                .unwrap_or(500_000_000),
            stripe_api_base: read("STRIPE_API_BASE")?
                .unwrap_or_else(|| "https://api.stripe.com".into()),
            stripe_secret_key: read("STRIPE_SECRET_KEY")?.map(SecretString::from),
            pennylane_api_base: read("PENNYLANE_API_BASE")?
                .unwrap_or_else(|| "https://app.pennylane.com".into()),
            stripe_webhook_secret: read("STRIPE_WEBHOOK_SECRET")?.map(SecretString::from),
            log_format,
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

    /// The domain of Message-IDs: the sender's.
    /// Where project photos go: `STORAGE_URL` `file://…` or `s3://bucket/prefix`.
    pub fn file_store(
        &self,
    ) -> Result<commands::file_store::FileStore, commands::file_store::StoreError> {
        commands::file_store::FileStore::from_url(&self.storage_url, &self.s3)
    }

    pub fn message_domain(&self) -> &str {
        self.mail_from
            .rsplit_once('@')
            .map(|(_, domain)| domain.trim_end_matches('>'))
            .unwrap_or("thermogestion.local")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A developer's machine: `THERMOGESTION_ENV=development` unless `vars` say otherwise.
    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("THERMOGESTION_ENV".into())
            .or_insert_with(|| "development".into());
        map.retain(|_, value| !value.is_empty());
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_work_on_a_local_machine() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url(), DEFAULT_DATABASE_URL);
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_base_url, "http://127.0.0.1:8080");
        assert_eq!(config.storage_url, "file://var/storage");
        assert!(config.smtp_url.is_none());
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.rate_limits, crate::limits::RateLimits::default());
    }

    #[test]
    fn rate_limits_are_configurable() {
        let config = config(&[
            ("RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE", "2"),
            ("RATE_LIMIT_SIGN_UP_PER_IP_PER_HOUR", "1000"),
        ])
        .unwrap();
        assert_eq!(config.rate_limits.login_per_account_per_minute.get(), 2);
        assert_eq!(config.rate_limits.sign_up_per_ip_per_hour.get(), 1000);
        assert_eq!(config.rate_limits.login_per_ip_per_minute.get(), 60);
    }

    #[test]
    fn secrets_can_come_from_files() {
        let dir = std::env::temp_dir().join(format!("tg-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db");
        std::fs::write(&path, "postgres://app:s3cret@db/tg\n").unwrap();
        let config = config(&[("DATABASE_URL_FILE", path.to_str().unwrap())]).unwrap();
        assert_eq!(config.database_url(), "postgres://app:s3cret@db/tg");
        assert!(
            !format!("{config:?}").contains("s3cret"),
            "secrets never print"
        );
    }

    #[test]
    fn without_a_stated_environment_it_is_production_and_wants_its_secrets() {
        // THERMOGESTION_ENV unset.
        let error = config(&[("THERMOGESTION_ENV", "")])
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("THERMOGESTION_JWT_SECRET"), "{error}");
        assert!(error.contains("THERMOGESTION_ENV=development"), "{error}");
        assert!(
            error.contains("absent") && error.contains("missing"),
            "{error}"
        );
        let secret = "k".repeat(48);
        let error = config(&[
            ("THERMOGESTION_ENV", ""),
            ("THERMOGESTION_JWT_SECRET", &secret),
        ])
        .unwrap_err();
        assert!(
            error.to_string().starts_with("THERMOGESTION_SECRET_KEY"),
            "{error}"
        );
        let config = config(&[
            ("THERMOGESTION_ENV", ""),
            ("THERMOGESTION_JWT_SECRET", &secret),
            (
                "THERMOGESTION_SECRET_KEY",
                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            ),
        ])
        .unwrap();
        assert_eq!(config.environment, Environment::Production);
    }

    #[test]
    fn no_secret_prints_in_the_configuration() {
        let config = config(&[
            (
                "SUPPLIER_CATALOGUE_URL",
                "https://shop.example/api/products?ws_key=CLE-SECRETE",
            ),
            ("EMAIL_OAUTH_GOOGLE_CLIENT_ID", "client-id"),
            ("EMAIL_OAUTH_GOOGLE_CLIENT_SECRET", "OAUTH-SECRET"),
            ("STRIPE_SECRET_KEY", "sk_test_SECRET"),
            ("THERMOGESTION_JWT_SECRET", &"J".repeat(40)),
        ])
        .unwrap();
        let printed = format!("{config:?}");
        for secret in [
            "CLE-SECRETE",
            "OAUTH-SECRET",
            "sk_test_SECRET",
            "JJJJ",
            DEV_SECRET_KEY,
        ] {
            assert!(!printed.contains(secret), "{secret} printed in {printed}");
        }
        assert!(printed.contains("client-id"), "{printed}");
    }

    /// Stated or by default, production refuses the values published in this file.
    #[test]
    fn production_refuses_the_development_secrets() {
        let secret = "k".repeat(48);
        for (name, published, other) in [
            (
                "THERMOGESTION_JWT_SECRET",
                DEV_JWT_SECRET,
                (
                    "THERMOGESTION_SECRET_KEY",
                    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                ),
            ),
            (
                "THERMOGESTION_SECRET_KEY",
                DEV_SECRET_KEY,
                ("THERMOGESTION_JWT_SECRET", secret.as_str()),
            ),
        ] {
            for environment in ["production", ""] {
                let error = config(&[("THERMOGESTION_ENV", environment), (name, published), other])
                    .unwrap_err()
                    .to_string();
                assert!(
                    error.starts_with(name) && error.contains("refuse"),
                    "{error}"
                );
            }
        }
    }

    #[test]
    fn introspection_is_on_in_development_and_off_in_production_unless_said() {
        let production = [
            ("THERMOGESTION_ENV", "production"),
            (
                "THERMOGESTION_JWT_SECRET",
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
            ),
            (
                "THERMOGESTION_SECRET_KEY",
                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            ),
        ];
        let introspection = |extra: &[(&str, &str)], base: &[(&str, &str)]| {
            let vars: Vec<_> = base.iter().chain(extra).copied().collect();
            config(&vars).unwrap().graphql_introspection
        };
        assert!(introspection(&[], &[]));
        assert!(!introspection(&[("GRAPHQL_INTROSPECTION", "off")], &[]));
        assert!(!introspection(&[], &production));
        assert!(introspection(
            &[("GRAPHQL_INTROSPECTION", "on")],
            &production
        ));
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("THERMOGESTION_ADDR", "localhost"),
            ("DATABASE_MAX_CONNECTIONS", "many"),
            ("THERMOGESTION_LOG_FORMAT", "xml"),
            ("THERMOGESTION_ENV", "staging"),
            ("THERMOGESTION_JWT_SECRET", "short"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, le-proxy"),
            ("METRICS_ADDR", "partout"),
            ("METRICS_TOKEN", "court"),
            ("BODY_LIMIT_ANONYMOUS_BYTES", "12"),
            ("GRAPHQL_INTROSPECTION", "oui"),
            ("RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE", "0"),
            ("RATE_LIMIT_INVITATIONS_PER_WORKSPACE_PER_HOUR", "beaucoup"),
        ] {
            let error = config(&[(name, value)]).unwrap_err().to_string();
            assert!(error.starts_with(name), "{name}: {error}");
        }
    }
}
