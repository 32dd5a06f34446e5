//! Connecting a Gmail mailbox with OAuth2, against a local stand-in of the provider's token
//! endpoint, then sending with XOAUTH2 to a real SMTP server.

use std::sync::{Arc, Mutex};

use axum::routing::post;
use axum::Router;
use serde_json::json;
use tests::smtp::SmtpSink;
use tests::{error_code, spawn_app_with};

/// The provider's token endpoint: it records each grant and answers as Google does.
async fn token_stub() -> (String, Arc<Mutex<Vec<String>>>) {
    let grants: Arc<Mutex<Vec<String>>> = Arc::default();
    let recorded = grants.clone();
    let app = Router::new().route(
        "/token",
        post(move |body: String| {
            let recorded = recorded.clone();
            async move {
                let url = reqwest::Url::parse(&format!("http://stub/?{body}")).unwrap();
                let form: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
                let grant = form.get("grant_type").cloned().unwrap_or_default();
                recorded.lock().unwrap().push(grant.clone());
                assert_eq!(form.get("client_id").map(String::as_str), Some("client-atelier"));
                assert_eq!(form.get("client_secret").map(String::as_str), Some("secret-atelier"));
                match (grant.as_str(), form.get("code").map(String::as_str)) {
                    ("authorization_code", Some("bon-code")) => (
                        axum::http::StatusCode::OK,
                        axum::Json(json!({ "access_token": "acces-1", "refresh_token": "renouvellement-1", "expires_in": 3600, "token_type": "Bearer" })),
                    ),
                    ("refresh_token", _) if form.get("refresh_token").map(String::as_str) == Some("renouvellement-1") => (
                        axum::http::StatusCode::OK,
                        axum::Json(json!({ "access_token": "acces-2", "expires_in": 3600, "token_type": "Bearer" })),
                    ),
                    _ => (axum::http::StatusCode::BAD_REQUEST, axum::Json(json!({ "error": "invalid_grant" }))),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, grants)
}

const START: &str =
    "mutation { startEmailOAuth(provider: GOOGLE, fromAddress: \"atelier.martin@gmail.com\") }";
const COMPLETE: &str =
    "mutation($state: String!, $code: String!) { completeEmailOAuth(state: $state, code: $code) {
    host fromAddress oauthProvider hasPassword } }";
const TEST: &str = "mutation { sendTestEmail(to: \"gerant@martin.fr\") { delivered error } }";

#[tokio::test]
async fn a_workshop_connects_its_gmail_and_sends_with_xoauth2() {
    let (stub, grants) = token_stub().await;
    let gmail = SmtpSink::start_tls().await;
    let app = spawn_app_with(&[
        ("EMAIL_OAUTH_GOOGLE_CLIENT_ID", "client-atelier".to_owned()),
        (
            "EMAIL_OAUTH_GOOGLE_CLIENT_SECRET",
            "secret-atelier".to_owned(),
        ),
        ("EMAIL_OAUTH_GOOGLE_AUTH_URL", format!("{stub}/authorize")),
        ("EMAIL_OAUTH_GOOGLE_TOKEN_URL", format!("{stub}/token")),
        ("EMAIL_OAUTH_GOOGLE_SMTP_HOST", "127.0.0.1".to_owned()),
        ("EMAIL_OAUTH_GOOGLE_SMTP_PORT", gmail.port.to_string()),
        ("EMAIL_OAUTH_GOOGLE_SMTP_SECURITY", "tls".to_owned()),
    ])
    .await;
    let owner = app
        .sign_up("Thermolaquage Martin", "gerant@martin.fr")
        .await;

    let started = app.graphql_as(&owner.access_token, START, json!({})).await;
    let url = reqwest::Url::parse(
        started["data"]["startEmailOAuth"]
            .as_str()
            .unwrap_or_else(|| panic!("{started}")),
    )
    .unwrap();
    let params: std::collections::HashMap<String, String> =
        url.query_pairs().into_owned().collect();
    assert!(url.as_str().starts_with(&format!("{stub}/authorize?")));
    assert_eq!(params["client_id"], "client-atelier");
    assert_eq!(
        params["redirect_uri"],
        "https://app.thermogestion.test/parametres/email/oauth"
    );
    assert_eq!(params["access_type"], "offline");
    let state = params["state"].clone();

    // A forged state, then a code the provider refuses: nothing stored, the state survives
    // the first (it is not this workshop's) but is used by the second.
    let forged = app
        .graphql_as(
            &owner.access_token,
            COMPLETE,
            json!({ "state": "faux", "code": "bon-code" }),
        )
        .await;
    assert_eq!(
        forged["errors"][0]["extensions"]["reason"], "OAUTH_STATE_INVALID",
        "{forged}"
    );
    let refused = app
        .graphql_as(
            &owner.access_token,
            COMPLETE,
            json!({ "state": state, "code": "mauvais" }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"], "OAUTH_REFUSED",
        "{refused}"
    );
    assert_eq!(error_code(&refused), Some("VALIDATION"));

    let started = app.graphql_as(&owner.access_token, START, json!({})).await;
    let url = reqwest::Url::parse(started["data"]["startEmailOAuth"].as_str().unwrap()).unwrap();
    let state = url
        .query_pairs()
        .find(|(name, _)| name == "state")
        .unwrap()
        .1
        .into_owned();
    let connected = app
        .graphql_as(
            &owner.access_token,
            COMPLETE,
            json!({ "state": state, "code": "bon-code" }),
        )
        .await;
    let settings = &connected["data"]["completeEmailOAuth"];
    assert_eq!(settings["oauthProvider"], "google", "{connected}");
    assert_eq!(settings["fromAddress"], "atelier.martin@gmail.com");
    let sealed: String = sqlx::query_scalar("select oauth_refresh_sealed from workspace_smtp")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        sealed.starts_with("v1:") && !sealed.contains("renouvellement"),
        "tokens sealed at rest"
    );

    let sent = app.graphql_as(&owner.access_token, TEST, json!({})).await;
    assert_eq!(sent["data"]["sendTestEmail"]["delivered"], true, "{sent}");
    assert_eq!(
        gmail.logins(),
        [(
            "xoauth2:atelier.martin@gmail.com".to_owned(),
            "acces-1".to_owned()
        )]
    );

    // The access token expired: the mailer refreshes it before sending.
    sqlx::query("update workspace_smtp set oauth_expires_at = now() - interval '1 minute'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let sent = app.graphql_as(&owner.access_token, TEST, json!({})).await;
    assert_eq!(sent["data"]["sendTestEmail"]["delivered"], true, "{sent}");
    assert_eq!(gmail.logins()[1].1, "acces-2");
    assert_eq!(
        *grants.lock().unwrap(),
        ["authorization_code", "authorization_code", "refresh_token"]
    );

    // An admin points the settings at a server of theirs: the mailbox's tokens are dropped,
    // not sent there.
    let attacker = SmtpSink::start_tls().await;
    let moved = app
        .graphql_as(
            &owner.access_token,
            "mutation($input: SmtpSettingsInput!) { saveEmailSettings(input: $input) { hasPassword } }",
            json!({ "input": { "host": "localhost", "port": attacker.port, "security": "TLS",
                               "username": "atelier.martin@gmail.com", "fromAddress": "atelier.martin@gmail.com" } }),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    let kept: (Option<String>, Option<String>) =
        sqlx::query_as("select oauth_provider, oauth_refresh_sealed from workspace_smtp")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(kept, (None, None), "the tokens stay with Gmail");
    // Delivered there, so the server was reached and given no token.
    let sent = app.graphql_as(&owner.access_token, TEST, json!({})).await;
    assert_eq!(sent["data"]["sendTestEmail"]["delivered"], true, "{sent}");
    assert_eq!(attacker.received().len(), 1);
    assert!(attacker.logins().is_empty(), "{:?}", attacker.logins());
    app.stop().await;
}

#[tokio::test]
async fn an_unconfigured_provider_is_refused() {
    let app = spawn_app_with(&[]).await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let started = app.graphql_as(&owner.access_token, START, json!({})).await;
    assert_eq!(
        started["errors"][0]["extensions"]["reason"], "OAUTH_PROVIDER_NOT_CONFIGURED",
        "{started}"
    );
    app.stop().await;
}
