//! Sign-up, login, sessions and who may do what.

use serde_json::json;
use tests::{error_code, sign_up_input, spawn_app, SIGN_UP};

const ME: &str = "{ me { accountId email workspaceId role } }";
const REFRESH: &str = "mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }";

#[tokio::test]
async fn an_owner_signs_up_logs_in_and_reads_their_workshop() {
    let app = spawn_app().await;
    let owner = app
        .sign_up("Thermolaquage Martin", "Gerant@Martin.fr")
        .await;
    let me = app.graphql_as(&owner.access_token, ME, json!({})).await;
    assert_eq!(me["data"]["me"]["email"], "Gerant@Martin.fr", "{me}");
    assert_eq!(me["data"]["me"]["role"], "OWNER");

    let workspace = app
        .graphql_as(
            &owner.access_token,
            "{ workspace { name plan trialEndsAt jantesEnabled registeredAt } }",
            json!({}),
        )
        .await;
    let workspace = &workspace["data"]["workspace"];
    assert_eq!(workspace["name"], "Thermolaquage Martin");
    assert_eq!(workspace["plan"], "pro");
    assert_eq!(
        workspace["jantesEnabled"], false,
        "Jantes is off by default"
    );
    let registered =
        chrono::DateTime::parse_from_rfc3339(workspace["registeredAt"].as_str().unwrap()).unwrap();
    let trial_end =
        chrono::DateTime::parse_from_rfc3339(workspace["trialEndsAt"].as_str().unwrap()).unwrap();
    assert_eq!((trial_end - registered).num_days(), 30);

    // The email is compared without case; one workshop means a session at once. The code is
    // the next step's: the enrolment already used the current one.
    let login = app
        .graphql(
            tests::LOGIN,
            json!({ "input": { "email": "gerant@martin.fr", "password": tests::PASSWORD,
                               "totpCode": tests::totp_code(&owner.totp_secret, 1) } }),
        )
        .await;
    assert_eq!(
        login["data"]["login"]["session"]["role"], "OWNER",
        "{login}"
    );
    assert_eq!(
        login["data"]["login"]["workspaces"][0]["name"],
        "Thermolaquage Martin"
    );

    // Consent is an event of the workspace, with the IP in its metadata.
    let (payload, metadata): (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "select payload, metadata from events where event_type = 'WorkspaceConsentRecorded'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        payload["ConsentRecorded"]["consent"]["data_processing"],
        true
    );
    assert_eq!(metadata["ip"], "127.0.0.1");
    app.stop().await;
}

#[tokio::test]
async fn an_email_signs_up_only_once() {
    let app = spawn_app().await;
    app.sign_up("Atelier Un", "gerant@atelier.fr").await;
    let events = app.db.event_count().await;
    let response = app
        .graphql(
            SIGN_UP,
            json!({ "input": sign_up_input("Atelier Deux", "GERANT@atelier.fr") }),
        )
        .await;
    assert_eq!(error_code(&response), Some("CONFLICT"), "{response}");
    assert_eq!(response["errors"][0]["extensions"]["reason"], "EMAIL_TAKEN");
    assert_eq!(app.db.event_count().await, events, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn wrong_credentials_say_nothing_about_who_exists_and_lock_after_repeated_failures() {
    let app = spawn_app().await;
    app.sign_up("Atelier", "gerant@atelier.fr").await;
    let attempt = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.graphql(
                LOGIN_RAW,
                json!({ "input": { "email": email, "password": password } }),
            )
            .await
        }
    };
    let unknown = attempt("personne@atelier.fr", "Poudre-Epoxy-7016!").await;
    let wrong = attempt("gerant@atelier.fr", "mauvais-mot-de-passe").await;
    for response in [&unknown, &wrong] {
        assert_eq!(error_code(response), Some("UNAUTHENTICATED"), "{response}");
        assert_eq!(
            response["errors"][0]["message"],
            "email ou mot de passe incorrect"
        );
    }
    // Four more failures reach the free limit (5); the sixth locks the account.
    for _ in 0..5 {
        attempt("gerant@atelier.fr", "mauvais-mot-de-passe").await;
    }
    let locked = attempt("gerant@atelier.fr", "Poudre-Epoxy-7016!").await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");
    assert_eq!(
        locked["errors"][0]["extensions"]["reason"],
        "ACCOUNT_LOCKED"
    );
    assert!(locked["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("bloqué"));
    app.stop().await;
}

const LOGIN_RAW: &str =
    "mutation($input: LoginInput!) { login(input: $input) { session { accessToken } } }";

#[tokio::test]
async fn a_refresh_token_works_once_and_its_replay_revokes_the_session() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let first = app
        .graphql(REFRESH, json!({ "token": owner.refresh_token }))
        .await;
    let rotated = first["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rotated, owner.refresh_token);
    let fresh_access = first["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap();
    let me = app.graphql_as(fresh_access, ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "OWNER", "{me}");

    // Someone replays the old token: refused, and the whole family with it.
    let replay = app
        .graphql(REFRESH, json!({ "token": owner.refresh_token }))
        .await;
    assert_eq!(error_code(&replay), Some("UNAUTHENTICATED"), "{replay}");
    let after = app.graphql(REFRESH, json!({ "token": rotated })).await;
    assert_eq!(
        error_code(&after),
        Some("UNAUTHENTICATED"),
        "the rotated token is revoked too: {after}"
    );
    app.stop().await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let logout = app
        .graphql(
            "mutation($token: String!) { logout(refreshToken: $token) }",
            json!({ "token": owner.refresh_token }),
        )
        .await;
    assert_eq!(logout["data"]["logout"], true);
    let refresh = app
        .graphql(REFRESH, json!({ "token": owner.refresh_token }))
        .await;
    assert_eq!(error_code(&refresh), Some("UNAUTHENTICATED"));
    app.stop().await;
}

#[tokio::test]
async fn missing_or_forged_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let anonymous = app.graphql(ME, json!({})).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    assert_eq!(
        anonymous["errors"][0]["extensions"]["reason"],
        "LOGIN_REQUIRED"
    );
    let mut forged = owner.access_token.clone();
    forged.push('x');
    for token in [forged.as_str(), "not-a-jwt"] {
        let response = app.graphql_as(token, ME, json!({})).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"), "{response}");
        assert_eq!(
            response["errors"][0]["extensions"]["reason"],
            "SESSION_INVALID"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_deactivated_member_is_out_at_once() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let me = app.graphql_as(&operator.access_token, ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "OPERATOR", "{me}");
    let deactivated = app
        .graphql_as(
            &owner.access_token,
            "mutation($id: ID!) { deactivateMember(accountId: $id) { active } }",
            json!({ "id": operator.account_id.to_string() }),
        )
        .await;
    assert_eq!(
        deactivated["data"]["deactivateMember"]["active"], false,
        "{deactivated}"
    );
    // Their access token has not expired, yet it opens nothing any more.
    let me = app.graphql_as(&operator.access_token, ME, json!({})).await;
    assert_eq!(error_code(&me), Some("UNAUTHENTICATED"), "{me}");
    let refresh = app
        .graphql(REFRESH, json!({ "token": operator.refresh_token }))
        .await;
    assert_eq!(error_code(&refresh), Some("UNAUTHENTICATED"), "{refresh}");
    let login = app.login(&operator.email, None).await;
    assert!(login["data"]["login"]["session"].is_null(), "{login}");
    assert_eq!(login["data"]["login"]["workspaces"], json!([]));
    app.stop().await;
}

/// email, account, workspace, ip, outcome, reason.
type JournalRow = (
    String,
    Option<uuid::Uuid>,
    Option<uuid::Uuid>,
    Option<String>,
    String,
    String,
);

#[tokio::test]
async fn every_login_attempt_is_journaled_without_the_password() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let attempt = |email: &str, password: &str, totp: Option<String>| {
        let app = &app;
        let variables =
            json!({ "input": { "email": email, "password": password, "totpCode": totp } });
        async move { app.graphql(LOGIN_RAW, variables).await }
    };
    attempt("inconnu@atelier.fr", "Poudre-Epoxy-7016!", None).await;
    attempt("gerant@atelier.fr", "mauvais-mot-de-passe", None).await;
    attempt("gerant@atelier.fr", tests::PASSWORD, None).await;
    let ok = attempt(
        "GERANT@atelier.fr",
        tests::PASSWORD,
        Some(tests::totp_code(&owner.totp_secret, 1)),
    )
    .await;
    assert!(ok["errors"].is_null(), "{ok}");
    let journal: Vec<JournalRow> = sqlx::query_as(
        "select email_normalized, account_id, workspace_id, host(ip), outcome, reason
         from login_attempt order by attempted_at",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let summary: Vec<(&str, bool, bool, &str, &str)> = journal
        .iter()
        .map(|(email, account, workspace, _, outcome, reason)| {
            (
                email.as_str(),
                account.is_some(),
                workspace.is_some(),
                outcome.as_str(),
                reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "inconnu@atelier.fr",
                false,
                false,
                "failed",
                "BAD_CREDENTIALS"
            ),
            (
                "gerant@atelier.fr",
                true,
                false,
                "failed",
                "BAD_CREDENTIALS"
            ),
            (
                "gerant@atelier.fr",
                true,
                false,
                "failed",
                "TWO_FACTOR_REQUIRED"
            ),
            ("gerant@atelier.fr", true, true, "succeeded", "OK"),
        ]
    );
    assert!(journal
        .iter()
        .all(|row| row.3.as_deref() == Some("127.0.0.1")));
    let text = format!("{journal:?}");
    assert!(
        !text.contains("Poudre-Epoxy") && !text.contains("mauvais"),
        "no password in the journal"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_configured_login_limit_is_honoured() {
    let app =
        tests::spawn_app_with(&[("RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE", "2".to_owned())]).await;
    app.sign_up("Atelier", "gerant@atelier.fr").await;
    let mut reasons = Vec::new();
    for _ in 0..3 {
        let response = app
            .graphql(
                LOGIN_RAW,
                json!({ "input": { "email": "gerant@atelier.fr", "password": "mauvais-mot-de-passe" } }),
            )
            .await;
        reasons.push(response["errors"][0]["extensions"]["reason"].clone());
        if reasons.len() == 3 {
            assert_eq!(error_code(&response), Some("RATE_LIMITED"), "{response}");
        }
    }
    assert_eq!(
        reasons,
        ["BAD_CREDENTIALS", "BAD_CREDENTIALS", "TOO_MANY_ATTEMPTS"]
    );
    app.stop().await;
}

#[tokio::test]
async fn logins_are_rate_limited_per_account_and_per_address() {
    let app = spawn_app().await;
    app.sign_up("Atelier", "gerant@atelier.fr").await;
    let attempt = |email: String| {
        let app = &app;
        async move {
            app.graphql(
                LOGIN_RAW,
                json!({ "input": { "email": email, "password": "mauvais-mot-de-passe" } }),
            )
            .await
        }
    };
    let mut reasons = Vec::new();
    for _ in 0..api::limits::LOGIN_PER_ACCOUNT_PER_MINUTE + 1 {
        let response = attempt("gerant@atelier.fr".into()).await;
        reasons.push(
            response["errors"][0]["extensions"]["reason"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(reasons.last().unwrap(), "TOO_MANY_ATTEMPTS", "{reasons:?}");
    assert_eq!(reasons[0], "BAD_CREDENTIALS");

    // Other accounts from the same address: the address budget runs out too. The budget
    // refills at one attempt a second, so a slow machine may get a few more through.
    let mut sent = api::limits::LOGIN_PER_ACCOUNT_PER_MINUTE + 1;
    let mut last = serde_json::Value::Null;
    while sent < api::limits::LOGIN_PER_IP_PER_MINUTE + 20 {
        last = attempt(format!("personne-{sent}@atelier.fr")).await;
        sent += 1;
        if last["errors"][0]["extensions"]["reason"] == "TOO_MANY_ATTEMPTS" {
            break;
        }
    }
    assert_eq!(
        last["errors"][0]["extensions"]["reason"], "TOO_MANY_ATTEMPTS",
        "{last}"
    );
    assert!(
        sent > api::limits::LOGIN_PER_IP_PER_MINUTE,
        "limited after {sent} attempts only"
    );
    assert_eq!(error_code(&last), Some("RATE_LIMITED"));
    assert!(last["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("trop de tentatives"));
    app.stop().await;
}
