//! The configuration read from a map of variables, as the process environment would give it.

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

/// An OAuth client's secret may be mounted as a file like any other, and a bad SMTP port
/// names the provider's own variable.
#[test]
fn an_oauth_client_reads_like_any_other_variable() {
    let dir = std::env::temp_dir().join(format!("tg-config-oauth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("secret");
    std::fs::write(&path, "OAUTH-SECRET\n").unwrap();
    let client = [
        ("EMAIL_OAUTH_MICROSOFT_CLIENT_ID", "client-id"),
        (
            "EMAIL_OAUTH_MICROSOFT_CLIENT_SECRET_FILE",
            path.to_str().unwrap(),
        ),
    ];
    let providers = config(&client).unwrap().oauth_providers;
    assert_eq!(providers.len(), 1);
    assert_eq!(providers[0].name, "microsoft");
    assert_eq!(providers[0].client_secret, "OAUTH-SECRET");
    assert_eq!(providers[0].smtp_port, 587);
    let vars: Vec<_> = client
        .iter()
        .copied()
        .chain([("EMAIL_OAUTH_MICROSOFT_SMTP_PORT", "smtp")])
        .collect();
    let error = config(&vars).unwrap_err().to_string();
    assert!(
        error.starts_with("EMAIL_OAUTH_MICROSOFT_SMTP_PORT"),
        "{error}"
    );
}
