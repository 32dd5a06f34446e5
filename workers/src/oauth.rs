//! OAuth2 for Gmail and Outlook mailboxes: the authorisation-code exchange and the refresh of
//! access tokens, against the provider's configured token endpoint.

use chrono::{Duration, Utc};
use commands::mail_settings::{OAuthProvider, OAuthTokens};
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("le fournisseur est injoignable : {0}")]
    Unreachable(String),
    /// The provider said no (code expired, access revoked): the workshop must reconnect.
    #[error("le fournisseur a refusé : {0}")]
    Refused(String),
    #[error("le fournisseur n'a pas donné de jeton de renouvellement (accès hors ligne refusé ?)")]
    NoRefreshToken,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
}

/// Where the provider sends the person back, with `code` and `state`.
pub fn authorization_url(provider: &OAuthProvider, state: &str, redirect_uri: &str) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", provider.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", provider.scope.as_str()),
        ("state", state),
        // Both ask for a refresh token, each provider reading its own.
        ("access_type", "offline"),
        ("prompt", "consent"),
    ];
    match reqwest::Url::parse_with_params(&provider.auth_url, params) {
        Ok(url) => url.to_string(),
        Err(_) => provider.auth_url.clone(),
    }
}

async fn token_request(
    client: &reqwest::Client,
    provider: &OAuthProvider,
    form: &[(&str, &str)],
) -> Result<TokenResponse, OAuthError> {
    let response = client
        .post(&provider.token_url)
        .form(form)
        .send()
        .await
        .map_err(|error| OAuthError::Unreachable(error.to_string()))?;
    let status = response.status();
    if status.is_client_error() {
        let body = response.text().await.unwrap_or_default();
        return Err(OAuthError::Refused(format!(
            "{status} {}",
            body.chars().take(200).collect::<String>()
        )));
    }
    if !status.is_success() {
        return Err(OAuthError::Unreachable(status.to_string()));
    }
    response
        .json()
        .await
        .map_err(|error| OAuthError::Unreachable(error.to_string()))
}

/// Exchanges the code the provider gave for tokens.
pub async fn exchange_code(
    client: &reqwest::Client,
    provider: &OAuthProvider,
    code: &str,
    redirect_uri: &str,
) -> Result<OAuthTokens, OAuthError> {
    let response = token_request(
        client,
        provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", &provider.client_id),
            ("client_secret", &provider.client_secret),
        ],
    )
    .await?;
    Ok(OAuthTokens {
        provider: provider.name.clone(),
        refresh_token: response.refresh_token.ok_or(OAuthError::NoRefreshToken)?,
        expires_at: response
            .expires_in
            .map(|seconds| Utc::now() + Duration::seconds(seconds)),
        access_token: Some(response.access_token),
    })
}

/// A fresh access token from the refresh token; keeps the refresh token unless rotated.
pub async fn refresh(
    client: &reqwest::Client,
    provider: &OAuthProvider,
    tokens: &OAuthTokens,
) -> Result<OAuthTokens, OAuthError> {
    let response = token_request(
        client,
        provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh_token),
            ("client_id", &provider.client_id),
            ("client_secret", &provider.client_secret),
        ],
    )
    .await?;
    Ok(OAuthTokens {
        provider: tokens.provider.clone(),
        refresh_token: response
            .refresh_token
            .unwrap_or_else(|| tokens.refresh_token.clone()),
        expires_at: response
            .expires_in
            .map(|seconds| Utc::now() + Duration::seconds(seconds)),
        access_token: Some(response.access_token),
    })
}

/// Whether `tokens` needs a refresh before use (a minute of margin).
pub fn needs_refresh(tokens: &OAuthTokens) -> bool {
    tokens.access_token.is_none()
        || tokens
            .expires_at
            .is_none_or(|expires_at| expires_at < Utc::now() + Duration::minutes(1))
}
