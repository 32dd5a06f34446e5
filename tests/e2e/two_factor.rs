//! The TOTP second factor: mandatory for owners and admins, optional for the others.

use serde_json::json;
use tests::{
    error_code, spawn_app, totp_code, CONFIRM_ENROLMENT, LOGIN, PASSWORD, SIGN_UP, START_ENROLMENT,
};

const RENAME: &str = "mutation { renameWorkspace(name: \"Atelier renommé\") { name } }";

#[tokio::test]
async fn an_owner_without_second_factor_reaches_only_the_enrolment() {
    let app = spawn_app().await;
    let signed_up = app
        .graphql(
            SIGN_UP,
            json!({ "input": tests::sign_up_input("Atelier", "gerant@atelier.fr") }),
        )
        .await;
    assert!(
        signed_up["data"]["signUp"]["message"].is_string(),
        "{signed_up}"
    );
    // Signing up opens no session: the owner logs in (the address not yet confirmed).
    let login = app.login("gerant@atelier.fr", None).await;
    let token = login["data"]["login"]["session"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned();

    let refused = app.graphql_as(&token, RENAME, json!({})).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"],
        "TWO_FACTOR_ENROLMENT_REQUIRED"
    );
    let me = app
        .graphql_as(
            &token,
            "{ me { role twoFactorEnabled twoFactorEnrolmentRequired } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["twoFactorEnrolmentRequired"], true, "{me}");
    assert_eq!(me["data"]["me"]["twoFactorEnabled"], false);

    // Confirming before starting, then with a wrong code, is refused and enables nothing.
    let early = app
        .graphql_as(&token, CONFIRM_ENROLMENT, json!({ "code": "123456" }))
        .await;
    assert_eq!(
        early["errors"][0]["extensions"]["reason"], "TWO_FACTOR_NO_ENROLMENT",
        "{early}"
    );
    let started = app.graphql_as(&token, START_ENROLMENT, json!({})).await;
    let enrolment = &started["data"]["startTwoFactorEnrolment"];
    let secret = enrolment["secret"].as_str().unwrap();
    let uri = enrolment["otpauthUri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/ThermoGestion:gerant%40atelier.fr?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(
        enrolment["qrSvg"].as_str().unwrap().starts_with("<?xml"),
        "an SVG image"
    );
    let wrong = app
        .graphql_as(&token, CONFIRM_ENROLMENT, json!({ "code": "000000" }))
        .await;
    assert_eq!(error_code(&wrong), Some("VALIDATION"), "{wrong}");
    assert_eq!(
        wrong["errors"][0]["extensions"]["reason"],
        "TWO_FACTOR_INVALID"
    );

    // A right code is not enough while the address is unproved: whoever registered someone
    // else's address first cannot bind their own second factor to it.
    let unproved = app
        .graphql_as(
            &token,
            CONFIRM_ENROLMENT,
            json!({ "code": totp_code(secret, 0) }),
        )
        .await;
    assert_eq!(error_code(&unproved), Some("CONFLICT"), "{unproved}");
    assert_eq!(
        unproved["errors"][0]["extensions"]["reason"],
        "EMAIL_NOT_VERIFIED"
    );
    let enabled_at: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "select totp_enabled_at from account where email_normalized = 'gerant@atelier.fr'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(enabled_at, None, "nothing enabled");
    app.verify_email("gerant@atelier.fr").await;

    let confirmed = app
        .graphql_as(
            &token,
            CONFIRM_ENROLMENT,
            json!({ "code": totp_code(secret, 0) }),
        )
        .await;
    let enabled = &confirmed["data"]["confirmTwoFactorEnrolment"];
    let codes = enabled["recoveryCodes"].as_array().unwrap();
    assert_eq!(codes.len(), 10, "{confirmed}");
    let full = enabled["session"]["accessToken"].as_str().unwrap();
    let renamed = app.graphql_as(full, RENAME, json!({})).await;
    assert_eq!(
        renamed["data"]["renameWorkspace"]["name"], "Atelier renommé",
        "{renamed}"
    );
    // The old, pre-enrolment session stays limited.
    let still_refused = app.graphql_as(&token, RENAME, json!({})).await;
    assert_eq!(error_code(&still_refused), Some("FORBIDDEN"));
    let again = app.graphql_as(full, START_ENROLMENT, json!({})).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    app.stop().await;
}

#[tokio::test]
async fn login_asks_for_a_fresh_code_or_a_recovery_code_used_once() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let login = |totp: Option<String>, recovery: Option<String>| {
        let app = &app;
        async move {
            app.graphql(
                LOGIN,
                json!({ "input": { "email": "gerant@atelier.fr", "password": PASSWORD,
                                   "totpCode": totp, "recoveryCode": recovery } }),
            )
            .await
        }
    };
    let without = login(None, None).await;
    assert_eq!(
        without["errors"][0]["extensions"]["reason"], "TWO_FACTOR_REQUIRED",
        "{without}"
    );
    let wrong = login(Some("000000".into()), None).await;
    assert_eq!(
        wrong["errors"][0]["extensions"]["reason"], "TWO_FACTOR_INVALID",
        "{wrong}"
    );

    let next = totp_code(&owner.totp_secret, 1);
    let accepted = login(Some(next.clone()), None).await;
    assert_eq!(
        accepted["data"]["login"]["session"]["role"], "OWNER",
        "{accepted}"
    );
    let replayed = login(Some(next), None).await;
    assert_eq!(
        replayed["errors"][0]["extensions"]["reason"], "TWO_FACTOR_INVALID",
        "a code works once: {replayed}"
    );

    let recovery = owner.recovery_codes[0].to_uppercase();
    let by_recovery = login(None, Some(recovery.clone())).await;
    let session = &by_recovery["data"]["login"]["session"];
    assert_eq!(session["role"], "OWNER", "{by_recovery}");
    let full = session["accessToken"].as_str().unwrap();
    let renamed = app.graphql_as(full, RENAME, json!({})).await;
    assert!(
        renamed["errors"].is_null(),
        "a recovery login passes the second factor: {renamed}"
    );
    let reused = login(None, Some(recovery)).await;
    assert_eq!(
        reused["errors"][0]["extensions"]["reason"], "TWO_FACTOR_INVALID",
        "{reused}"
    );
    app.stop().await;
}

#[tokio::test]
async fn operators_work_without_second_factor() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let workspace = app
        .graphql_as(&operator.access_token, "{ workspace { name } }", json!({}))
        .await;
    assert_eq!(
        workspace["data"]["workspace"]["name"], "Atelier",
        "{workspace}"
    );
    app.stop().await;
}

#[tokio::test]
async fn guessing_codes_locks_the_account_like_guessing_passwords() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let attempt = |code: String| {
        let app = &app;
        async move {
            app.graphql(
                LOGIN,
                json!({ "input": { "email": "gerant@atelier.fr", "password": PASSWORD, "totpCode": code } }),
            )
            .await
        }
    };
    for guess in 0..6 {
        let response = attempt(format!("{:06}", 100_000 + guess)).await;
        assert_eq!(
            response["errors"][0]["extensions"]["reason"], "TWO_FACTOR_INVALID",
            "{response}"
        );
    }
    let locked = attempt(totp_code(&owner.totp_secret, 1)).await;
    assert_eq!(
        locked["errors"][0]["extensions"]["reason"], "TOO_MANY_ATTEMPTS",
        "{locked}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_totp_seed_is_sealed_at_rest() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let stored: String = sqlx::query_scalar("select totp_secret from account")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("v1:"), "{stored}");
    assert!(!stored.contains(&owner.totp_secret));
    app.stop().await;
}
