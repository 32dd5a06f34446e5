//! Budgets per signed-in user and per workshop (spec §16.5), over real HTTP: a spent budget
//! answers 429 with `Retry-After` and `RateLimit-*`, spares every other user and workshop,
//! and comes back when the test moves the limits' clock a minute forward.

use std::time::Duration;

use serde_json::{json, Value};
use tests::{error_code, spawn_app_with, TestApp};

const ME: &str = "{ me { role } }";

async fn me(app: &TestApp, token: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

/// Spends `token`'s budget: requests until one is refused, at most `most`.
async fn spend(app: &TestApp, token: &str, most: usize) -> (reqwest::header::HeaderMap, Value) {
    for _ in 0..most {
        let (status, headers, body) = me(app, token).await;
        if status == 429 {
            return (headers, body);
        }
        assert_eq!(status, 200, "{body}");
    }
    panic!("never refused in {most} requests");
}

#[tokio::test]
async fn a_user_and_a_workshop_spend_their_own_budgets_and_get_them_back() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_REQUESTS_PER_USER_PER_MINUTE", "6".to_owned()),
        (
            "RATE_LIMIT_REQUESTS_PER_WORKSPACE_PER_MINUTE",
            "10".to_owned(),
        ),
    ])
    .await;
    let a = app.sign_up("Atelier A", "gerant@a.fr").await;
    let b = app.sign_up("Atelier B", "gerant@b.fr").await;
    // Each sign-up spent two of its owner's requests on the second factor's enrolment.
    app.state.limits.clock().advance(Duration::from_secs(60));

    let (headers, body) = spend(&app, &a.access_token, 20).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["reason"],
        "TOO_MANY_REQUESTS"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("6 par minute"), "{message}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    assert_eq!(headers["ratelimit-limit"], "6");
    assert_eq!(headers["ratelimit-remaining"], "0");

    // The REST side counts too, and says the same.
    let export = app
        .client
        .get(format!("{}/api/v1/clients.csv", app.address))
        .bearer_auth(&a.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 429);
    assert!(export.headers().contains_key("retry-after"));
    let export: Value = export.json().await.unwrap();
    assert_eq!(export["reason"], "TOO_MANY_REQUESTS");

    // Another workshop is untouched.
    assert_eq!(me(&app, &b.access_token).await.0, 200);

    // A colleague in A has a budget of their own, until the workshop's is spent (10 in
    // all: A's owner spent 6).
    let colleague = app.add_member(a.workspace_id, domain::Role::Operator).await;
    let (_, body) = spend(&app, &colleague.access_token, 20).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("votre atelier") && message.contains("10 par minute"),
        "{message}"
    );

    // A minute later everything is back.
    app.state.limits.clock().advance(Duration::from_secs(60));
    assert_eq!(me(&app, &a.access_token).await.0, 200);
    assert_eq!(me(&app, &colleague.access_token).await.0, 200);
    app.stop().await;
}

#[tokio::test]
async fn test_emails_have_a_budget_per_workshop() {
    let app = spawn_app_with(&[(
        "RATE_LIMIT_TEST_EMAILS_PER_WORKSPACE_PER_HOUR",
        "2".to_owned(),
    )])
    .await;
    let a = app.sign_up("Atelier A", "gerant@a.fr").await;
    let b = app.sign_up("Atelier B", "gerant@b.fr").await;
    let test = "mutation($to: String!) { sendTestEmail(to: $to) { delivered } }";
    for _ in 0..2 {
        let sent = app
            .graphql_as(&a.access_token, test, json!({ "to": "moi@a.fr" }))
            .await;
        assert_eq!(sent["data"]["sendTestEmail"]["delivered"], true, "{sent}");
    }
    // Aliases in one request count one by one.
    let flood = app
        .graphql_as(
            &a.access_token,
            "mutation { x: sendTestEmail(to: \"v1@victime.fr\") { delivered } y: sendTestEmail(to: \"v2@victime.fr\") { delivered } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&flood), Some("RATE_LIMITED"), "{flood}");
    assert!(app.mail.to("v1@victime.fr").is_empty() && app.mail.to("v2@victime.fr").is_empty());
    let other = app
        .graphql_as(&b.access_token, test, json!({ "to": "moi@b.fr" }))
        .await;
    assert_eq!(other["data"]["sendTestEmail"]["delivered"], true, "{other}");
    app.stop().await;
}

/// A workshop's emails of the day stop at its quota: the rest wait for the next Paris day,
/// untouched; another workshop's and a person's own security emails are not held.
#[tokio::test]
async fn a_workshop_mails_at_most_its_daily_quota_and_the_rest_waits_for_tomorrow() {
    let app = spawn_app_with(&[("EMAIL_QUOTA_PER_WORKSPACE_PER_DAY", "2".to_owned())]).await;
    let a = app.sign_up("Atelier A", "gerant@a.fr").await;
    let b = app.sign_up("Atelier B", "gerant@b.fr").await;
    // Both verification emails (outside any quota).
    app.mail.wait_for(2).await;
    let invite = "mutation($email: String!) { inviteMember(email: $email, role: OPERATOR) }";
    for at in 1..=3 {
        let invited = app
            .graphql_as(
                &a.access_token,
                invite,
                json!({ "email": format!("equipe{at}@a.fr") }),
            )
            .await;
        assert_eq!(invited["data"]["inviteMember"], true, "{invited}");
    }
    let invited = app
        .graphql_as(&b.access_token, invite, json!({ "email": "equipe@b.fr" }))
        .await;
    assert_eq!(invited["data"]["inviteMember"], true, "{invited}");
    // Two of A's, one of B's; the third of A's is held once the mailer tried it.
    app.mail.wait_for(5).await;
    let held = tests::eventually("the held invitation tried by the mailer", || async {
        let held: Vec<(String, chrono::DateTime<chrono::Utc>, Option<String>)> = sqlx::query_as(
            "select recipient, next_attempt_at, last_error from email_outbox
             where status <> 'sent' and kind = 'invitation'",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        held.iter().all(|(_, _, why)| why.is_some()).then_some(held)
    })
    .await;
    assert_eq!(held.len(), 1, "{held:?}");
    let (recipient, next, why) = &held[0];
    assert!(
        recipient.starts_with("equipe") && recipient.ends_with("@a.fr"),
        "{recipient}"
    );
    let why = why.as_deref().unwrap_or_default();
    assert!(why.contains("quota journalier"), "{why}");
    let paris_midnight = (chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
        + chrono::Duration::days(1))
    .and_hms_opt(0, 0, 0)
    .unwrap()
    .and_local_timezone(chrono_tz::Europe::Paris)
    .earliest()
    .unwrap();
    assert_eq!(*next, paris_midnight, "held until the next Paris day");
    assert_eq!(app.mail.to("equipe@b.fr").len(), 1);
    app.stop().await;
}
