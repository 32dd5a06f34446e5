//! Who may read `/metrics`. The figures name projections, parked workspaces and traffic per
//! route: an operator's business, not the Internet's. Either a bearer token
//! (`METRICS_TOKEN`, compared in constant time) or a listen address of its own
//! (`METRICS_ADDR`, e.g. on the private network the scraper is on, and then `/metrics` is
//! absent from the public address); both may be combined. In production with neither, the
//! public `/metrics` answers 404; in development it stays open, as tests and laptops use it.

use std::sync::Arc;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::Sha256;

use crate::config::{Config, Environment};

#[derive(Clone)]
pub struct MetricsAccess {
    token: Option<Arc<SecretString>>,
    /// `/metrics` is served on the public address at all.
    public: bool,
}

/// The answer when the request may not read the metrics.
pub enum Refused {
    /// Not served here: 404, as for any unknown path.
    Absent,
    /// A token is required and was missing or wrong.
    Token,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Self::Absent => StatusCode::NOT_FOUND.into_response(),
            Self::Token => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                Json(json!({
                    "code": "UNAUTHENTICATED",
                    "reason": "METRICS_TOKEN_REQUIRED",
                    "message": "jeton de lecture des métriques absent ou invalide",
                })),
            )
                .into_response(),
        }
    }
}

impl MetricsAccess {
    pub fn new(config: &Config) -> Self {
        let token = config.metrics_token.clone().map(Arc::new);
        let public = config.metrics_addr.is_none()
            && (token.is_some() || config.environment == Environment::Development);
        if config.metrics_addr.is_none() && !public {
            tracing::warn!(
                "/metrics is not served: set METRICS_TOKEN or METRICS_ADDR to expose it"
            );
        }
        Self { token, public }
    }

    /// On the public address.
    pub fn check_public(&self, headers: &HeaderMap) -> Result<(), Refused> {
        if !self.public {
            return Err(Refused::Absent);
        }
        self.check_token(headers)
    }

    /// On `METRICS_ADDR` (and, through `check_public`, on the public address).
    pub fn check_token(&self, headers: &HeaderMap) -> Result<(), Refused> {
        let Some(expected) = &self.token else {
            return Ok(());
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        if same_in_constant_time(given.trim(), expected.expose_secret()) {
            Ok(())
        } else {
            Err(Refused::Token)
        }
    }
}

/// Compares through an HMAC's constant-time check: the time taken says nothing of how much
/// of the token was right.
fn same_in_constant_time(given: &str, expected: &str) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"metrics-token").expect("any key");
    mac.update(expected.as_bytes());
    let expected = mac.finalize().into_bytes();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"metrics-token").expect("any key");
    mac.update(given.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_exactly() {
        assert!(same_in_constant_time("s3cret-token", "s3cret-token"));
        assert!(!same_in_constant_time("s3cret-toke", "s3cret-token"));
        assert!(!same_in_constant_time("", "s3cret-token"));
    }
}
