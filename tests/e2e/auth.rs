//! Sign-up, login, sessions and who may do what.

use serde_json::{json, Value};
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

/// A sign-up with an address that has an account answers word for word as a new one (no
/// `EMAIL_TAKEN`: the answer must not tell who is registered), writes nothing, and tells
/// the owner of the address by email.
#[tokio::test]
async fn an_email_signs_up_only_once_and_the_answer_does_not_say_so() {
    let app = spawn_app().await;
    app.sign_up("Atelier Un", "gerant@atelier.fr").await;
    let events = app.db.event_count().await;
    let accounts = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from account")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let before = accounts().await;
    let taken = app
        .graphql(
            SIGN_UP,
            json!({ "input": sign_up_input("Atelier Deux", "gerant@atelier.fr") }),
        )
        .await;
    assert!(taken["errors"].is_null(), "{taken}");
    assert_eq!(app.db.event_count().await, events, "nothing written");
    assert_eq!(accounts().await, before, "no account");
    // The owner of the address learns of it, with the way back in (ASCII words: the body
    // is quoted-printable).
    let told = app
        .mail
        .wait_for_to("gerant@atelier.fr", "/connexion")
        .await;
    assert!(
        told.body().contains("connectez-vous ici"),
        "{}",
        told.body()
    );
    // A new address gets the same answer, apart from the address it names.
    let fresh = app
        .graphql(
            SIGN_UP,
            json!({ "input": sign_up_input("Atelier Deux", "nouveau@atelier.fr") }),
        )
        .await;
    let shape = |answer: &serde_json::Value, email: &str| {
        answer["data"]["signUp"]["message"]
            .as_str()
            .unwrap()
            .replace(email, "…")
    };
    assert_eq!(
        shape(&taken, "gerant@atelier.fr"),
        shape(&fresh, "nouveau@atelier.fr")
    );
    assert!(fresh["errors"].is_null(), "{fresh}");
    app.stop().await;
}

/// Repeated failures slow down the source that fails, never the owner logging in from
/// elsewhere, and an email with an account answers exactly as one without.
#[tokio::test]
async fn wrong_credentials_say_nothing_about_who_exists_and_only_slow_down_their_source() {
    let app = tests::spawn_app_with(&[("TRUSTED_PROXIES", "127.0.0.0/8, ::1".to_owned())]).await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let attempt = |email: &'static str, password: &'static str, from: &'static str| {
        let app = &app;
        async move {
            app.graphql_with_headers(
                LOGIN_RAW,
                json!({ "input": { "email": email, "password": password } }),
                &[("x-forwarded-for", from)],
            )
            .await
        }
    };
    let attacker = "203.0.113.66";
    let unknown = attempt("personne@atelier.fr", "Poudre-Epoxy-7016!", attacker).await;
    let wrong = attempt("gerant@atelier.fr", "mauvais-mot-de-passe", attacker).await;
    for response in [&unknown, &wrong] {
        assert_eq!(error_code(response), Some("UNAUTHENTICATED"), "{response}");
        assert_eq!(
            response["errors"][0]["message"],
            "email ou mot de passe incorrect"
        );
    }
    // Five more failures each: past the free ones (5), the source waits, account or not.
    for _ in 0..5 {
        attempt("gerant@atelier.fr", "mauvais-mot-de-passe", attacker).await;
        attempt("personne@atelier.fr", "mauvais-mot-de-passe", attacker).await;
    }
    let delayed = attempt("gerant@atelier.fr", "Poudre-Epoxy-7016!", attacker).await;
    let nobody = attempt("personne@atelier.fr", "Poudre-Epoxy-7016!", attacker).await;
    for response in [&delayed, &nobody] {
        assert_eq!(error_code(response), Some("RATE_LIMITED"), "{response}");
        assert_eq!(
            response["errors"][0]["extensions"]["reason"],
            "TOO_MANY_ATTEMPTS"
        );
        assert!(response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("depuis votre adresse"));
    }
    // The owner, from their own address, is not locked out.
    let own = app
        .graphql_with_headers(
            tests::LOGIN,
            json!({ "input": { "email": "gerant@atelier.fr", "password": tests::PASSWORD,
                               "totpCode": tests::totp_code(&owner.totp_secret, 1) } }),
            &[("x-forwarded-for", "198.51.100.7")],
        )
        .await;
    assert!(own["data"]["login"]["session"].is_object(), "{own}");
    // The delay passes (moved back instead of waited for).
    sqlx::query("update login_delay set delayed_until = now() - interval '1 second'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let after = attempt("gerant@atelier.fr", "mauvais-mot-de-passe", attacker).await;
    assert_eq!(
        after["errors"][0]["extensions"]["reason"], "BAD_CREDENTIALS",
        "{after}"
    );
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
    // The access token handed out before the logout ends with it, not 15 minutes later.
    let me = app.graphql_as(&owner.access_token, ME, json!({})).await;
    assert_eq!(error_code(&me), Some("UNAUTHENTICATED"), "{me}");
    assert_eq!(me["errors"][0]["extensions"]["reason"], "SESSION_INVALID");
    app.stop().await;
}

/// A login lasts 30 days however often it is refreshed; then the password is asked again.
/// The test moves the login's start back instead of waiting.
#[tokio::test]
async fn a_session_ends_thirty_days_after_its_login() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let me = app.graphql_as(&owner.access_token, ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "OWNER", "{me}");
    let days = commands::session::SESSION_MAX_DAYS;
    sqlx::query("update session_family set created_at = now() - make_interval(days => $1) + interval '1 minute'")
        .bind(days as i32)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // A minute before the end: still open, and a refresh gives a token ending with it.
    let refreshed = app
        .graphql(
            "mutation($token: String!) { refreshSession(refreshToken: $token) { refreshToken refreshTokenExpiresAt } }",
            json!({ "token": owner.refresh_token }),
        )
        .await;
    let refreshed = &refreshed["data"]["refreshSession"];
    let ends: chrono::DateTime<chrono::Utc> = refreshed["refreshTokenExpiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        ends < chrono::Utc::now() + chrono::Duration::minutes(2),
        "{refreshed}"
    );
    sqlx::query("update session_family set created_at = created_at - interval '2 minutes'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let me = app.graphql_as(&owner.access_token, ME, json!({})).await;
    assert_eq!(error_code(&me), Some("UNAUTHENTICATED"), "{me}");
    let refresh = app
        .graphql(REFRESH, json!({ "token": refreshed["refreshToken"] }))
        .await;
    assert_eq!(error_code(&refresh), Some("UNAUTHENTICATED"), "{refresh}");
    app.stop().await;
}

/// A token signed with the right secret but for another audience or issuer is not an
/// access token here; the same claims with ours are (so the test can fail).
#[tokio::test]
async fn tokens_name_their_issuer_audience_and_login() {
    use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let secret = api::config::DEV_JWT_SECRET.as_bytes();
    let mut validation = Validation::default();
    validation.validate_aud = false;
    let claims: serde_json::Map<String, Value> = decode(
        &owner.access_token,
        &DecodingKey::from_secret(secret),
        &validation,
    )
    .unwrap()
    .claims;
    for name in ["iss", "aud", "jti", "sid", "sub", "ws", "exp"] {
        assert!(claims.contains_key(name), "{name} in {claims:?}");
    }
    let mint = |changes: &[(&str, Value)]| -> String {
        let mut claims = claims.clone();
        for (name, value) in changes {
            match value {
                Value::Null => claims.remove(*name),
                value => claims.insert((*name).to_owned(), value.clone()),
            };
        }
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    };
    let same = app.graphql_as(&mint(&[]), ME, json!({})).await;
    assert_eq!(same["data"]["me"]["role"], "OWNER", "{same}");
    for changes in [
        vec![("aud", json!("another-service"))],
        vec![("iss", json!("someone-else"))],
        vec![("aud", Value::Null)],
        vec![("sid", json!(uuid::Uuid::new_v4()))],
    ] {
        let response = app.graphql_as(&mint(&changes), ME, json!({})).await;
        assert_eq!(
            error_code(&response),
            Some("UNAUTHENTICATED"),
            "{changes:?}: {response}"
        );
    }
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
            // The owner's first login, after signing up (signing up opens no session).
            ("gerant@atelier.fr", true, true, "succeeded", "OK"),
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
    // Signing up logged the owner in once: a minute later, the budget is whole again.
    app.state
        .limits
        .clock()
        .advance(std::time::Duration::from_secs(60));
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

fn reason(response: &Value) -> &str {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or("none")
}

/// Behind the TLS proxy every connection comes from the proxy: `TRUSTED_PROXIES` makes its
/// `X-Forwarded-For` name the client, for the rate limits and the login journal; without
/// it, the header is the client's own words and changes nothing.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget_and_address() {
    async fn attempt(app: &tests::TestApp, from: &str) -> Value {
        app.graphql_with_headers(
            LOGIN_RAW,
            json!({ "input": { "email": "gerant@atelier.fr", "password": "mauvais-mot-de-passe" } }),
            &[("x-forwarded-for", from)],
        )
        .await
    }
    let journal = |app: &tests::TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "select host(ip) from login_attempt where outcome = 'failed' order by attempted_at",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let limits = [
        ("RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE", "2".to_owned()),
        ("RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE", "100".to_owned()),
    ];
    let mut trusted = limits.to_vec();
    trusted.push(("TRUSTED_PROXIES", "127.0.0.0/8, ::1".to_owned()));
    let app = tests::spawn_app_with(&trusted).await;
    app.sign_up("Atelier", "gerant@atelier.fr").await;
    for _ in 0..2 {
        assert_eq!(
            reason(&attempt(&app, "203.0.113.1").await),
            "BAD_CREDENTIALS"
        );
    }
    assert_eq!(
        reason(&attempt(&app, "203.0.113.1").await),
        "TOO_MANY_ATTEMPTS"
    );
    // Another client behind the same proxy still has its budget; a spoofed left-most hop
    // does not buy a new one.
    assert_eq!(
        reason(&attempt(&app, "1.2.3.4, 203.0.113.2").await),
        "BAD_CREDENTIALS"
    );
    assert_eq!(
        reason(&attempt(&app, "9.9.9.9, 203.0.113.1").await),
        "TOO_MANY_ATTEMPTS"
    );
    let recorded = journal(&app).await;
    // The three refused passwords at least, or `all` below holds of nothing.
    assert!(recorded.len() >= 3, "{recorded:?}");
    assert!(
        recorded.iter().all(|ip| ip.starts_with("203.0.113.")),
        "{recorded:?}"
    );
    app.stop().await;

    let app = tests::spawn_app_with(&limits).await;
    app.sign_up("Atelier", "gerant@atelier.fr").await;
    // The owner's login after signing up spent the proxy's budget: a minute later it is
    // whole again.
    app.state
        .limits
        .clock()
        .advance(std::time::Duration::from_secs(60));
    assert_eq!(
        reason(&attempt(&app, "203.0.113.1").await),
        "BAD_CREDENTIALS"
    );
    assert_eq!(
        reason(&attempt(&app, "203.0.113.2").await),
        "BAD_CREDENTIALS"
    );
    assert_eq!(
        reason(&attempt(&app, "203.0.113.3").await),
        "TOO_MANY_ATTEMPTS",
        "an untrusted header changes nothing"
    );
    let recorded = journal(&app).await;
    assert!(recorded.len() >= 2, "{recorded:?}");
    assert!(recorded.iter().all(|ip| ip == "127.0.0.1"), "{recorded:?}");
    app.stop().await;
}
