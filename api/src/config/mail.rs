//! How workshops' emails leave: the Gmail / Outlook OAuth clients, which addresses their
//! SMTP hosts may reach, the certificate authorities trusted beside the public ones, and
//! the daily quota.

use commands::mail_settings::{OAuthProvider, Security};
use workers::outbound::Networks;

use super::vars::{invalid, Vars};
use super::{ConfigError, Environment};

/// A provider whose OAuth client is configured (`EMAIL_OAUTH_<NAME>_CLIENT_ID` and
/// `…_CLIENT_SECRET`); its addresses and SMTP server may be overridden (a stand-in in
/// tests).
struct Known {
    name: &'static str,
    auth_url: &'static str,
    token_url: &'static str,
    scope: &'static str,
    smtp_host: &'static str,
    smtp_port: &'static str,
    security: &'static str,
}

const KNOWN: [Known; 2] = [
    Known {
        name: "google",
        auth_url: "https://accounts.google.com/o/oauth2/v2/auth",
        token_url: "https://oauth2.googleapis.com/token",
        scope: "https://mail.google.com/",
        smtp_host: "smtp.gmail.com",
        smtp_port: "465",
        security: "tls",
    },
    Known {
        name: "microsoft",
        auth_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        scope: "https://outlook.office.com/SMTP.Send offline_access",
        smtp_host: "smtp.office365.com",
        smtp_port: "587",
        security: "starttls",
    },
];

pub(super) fn oauth_providers(vars: &Vars) -> Result<Vec<OAuthProvider>, ConfigError> {
    let mut providers = Vec::new();
    for known in KNOWN {
        let prefix = format!("EMAIL_OAUTH_{}_", known.name.to_uppercase());
        let var = |suffix: &str| vars.read(&format!("{prefix}{suffix}"));
        let (Some(client_id), Some(client_secret)) = (var("CLIENT_ID")?, var("CLIENT_SECRET")?)
        else {
            continue;
        };
        let port_text = var("SMTP_PORT")?.unwrap_or_else(|| known.smtp_port.into());
        let security_text = var("SMTP_SECURITY")?.unwrap_or_else(|| known.security.into());
        providers.push(OAuthProvider {
            name: known.name.to_owned(),
            client_id,
            client_secret,
            auth_url: var("AUTH_URL")?.unwrap_or_else(|| known.auth_url.into()),
            token_url: var("TOKEN_URL")?.unwrap_or_else(|| known.token_url.into()),
            scope: var("SCOPE")?.unwrap_or_else(|| known.scope.into()),
            smtp_host: var("SMTP_HOST")?.unwrap_or_else(|| known.smtp_host.into()),
            smtp_port: port_text.parse().map_err(|_| {
                invalid(
                    &format!("{prefix}SMTP_PORT"),
                    format!("{port_text:?} is not a port"),
                )
            })?,
            security: Security::parse(&security_text).ok_or_else(|| {
                invalid(
                    &format!("{prefix}SMTP_SECURITY"),
                    format!("{security_text:?} is none of tls, starttls, none"),
                )
            })?,
        });
    }
    Ok(providers)
}

/// `OUTBOUND_PRIVATE_NETWORKS`: public addresses only in production, unless said.
pub(super) fn outbound_networks(
    vars: &Vars,
    environment: Environment,
) -> Result<Networks, ConfigError> {
    let default = match environment {
        Environment::Production => Networks::Public,
        Environment::Development => Networks::Any,
    };
    vars.choice(
        "OUTBOUND_PRIVATE_NETWORKS",
        &[("refuse", Networks::Public), ("allow", Networks::Any)],
        default,
    )
}

/// `SMTP_EXTRA_ROOT_CERTIFICATES` (or `…_FILE`): PEM certificates.
pub(super) fn extra_roots(vars: &Vars) -> Result<Option<String>, ConfigError> {
    let name = "SMTP_EXTRA_ROOT_CERTIFICATES";
    let roots = vars.read(name)?;
    if roots
        .as_ref()
        .is_some_and(|pem| !pem.contains("-----BEGIN CERTIFICATE-----"))
    {
        return Err(invalid(name, "not PEM certificates"));
    }
    Ok(roots)
}

/// `EMAIL_QUOTA_PER_WORKSPACE_PER_DAY`: emails one workshop sends per Paris day.
pub(super) fn daily_quota(vars: &Vars) -> Result<u32, ConfigError> {
    let quota = vars.parsed::<std::num::NonZeroU32>(
        "EMAIL_QUOTA_PER_WORKSPACE_PER_DAY",
        "a positive number of emails",
    )?;
    Ok(quota.map_or(workers::mailer::DAILY_QUOTA, std::num::NonZeroU32::get))
}
