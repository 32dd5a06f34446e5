//! A workshop's own SMTP server: settings, sealed password, test button, and its emails
//! going through it.

use serde_json::json;
use tests::smtp::SmtpSink;
use tests::{error_code, spawn_app};

const SAVE: &str = "mutation($input: SmtpSettingsInput!) { saveEmailSettings(input: $input) {
    host port security username hasPassword fromAddress } }";
const TEST: &str = "mutation($to: String!) { sendTestEmail(to: $to) { delivered error } }";

/// A server over TLS (the sink's certificate is for 127.0.0.1 and localhost).
fn settings(port: u16, password: Option<&str>) -> serde_json::Value {
    json!({ "input": { "host": "127.0.0.1", "port": port, "security": "TLS", "username": "atelier",
                       "password": password, "fromAddress": "contact@martin.fr" } })
}

#[tokio::test]
async fn a_workshop_sends_through_its_own_server_with_a_sealed_password() {
    let app = spawn_app().await;
    let owner = app
        .sign_up("Thermolaquage Martin", "gerant@martin.fr")
        .await;
    let own = SmtpSink::start_tls().await;
    let saved = app
        .graphql_as(
            &owner.access_token,
            SAVE,
            settings(own.port, Some("s3cret-smtp")),
        )
        .await;
    let node = &saved["data"]["saveEmailSettings"];
    assert_eq!(node["hasPassword"], true, "{saved}");
    assert!(
        !saved.to_string().contains("s3cret-smtp"),
        "the password never comes back"
    );
    let stored: String = sqlx::query_scalar("select password_sealed from workspace_smtp")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("v1:") && !stored.contains("s3cret"),
        "{stored}"
    );

    let test = app
        .graphql_as(
            &owner.access_token,
            TEST,
            json!({ "to": "gerant@martin.fr" }),
        )
        .await;
    assert_eq!(test["data"]["sendTestEmail"]["delivered"], true, "{test}");
    let mail = own.wait_for(1).await.remove(0);
    assert_eq!(mail.from, "contact@martin.fr");
    assert_eq!(
        own.logins(),
        [("atelier".to_owned(), "s3cret-smtp".to_owned())]
    );

    // Saving without a password keeps the stored one; the workshop's emails use its server.
    let resaved = app
        .graphql_as(&owner.access_token, SAVE, settings(own.port, None))
        .await;
    assert_eq!(
        resaved["data"]["saveEmailSettings"]["hasPassword"], true,
        "{resaved}"
    );
    app.graphql_as(
        &owner.access_token,
        "mutation { inviteMember(email: \"paul@martin.fr\", role: OPERATOR) }",
        json!({}),
    )
    .await;
    let invitation = own.wait_for(2).await.remove(1);
    assert_eq!(invitation.to, ["paul@martin.fr"]);
    assert!(
        app.mail.to("paul@martin.fr").is_empty(),
        "not through the platform's server"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_settings_are_refused_and_an_unreachable_server_is_reported() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    for (field, value, reason) in [
        ("port", json!(0), "SMTP_PORT_INVALID"),
        ("host", json!("  "), "SMTP_HOST_MISSING"),
        (
            "fromAddress",
            json!("contact-at-atelier"),
            "SMTP_FROM_INVALID",
        ),
    ] {
        let mut variables = settings(2525, None);
        variables["input"][field] = value;
        let response = app.graphql_as(&owner.access_token, SAVE, variables).await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert_eq!(response["errors"][0]["extensions"]["reason"], reason);
    }
    let none: i64 = sqlx::query_scalar("select count(*) from workspace_smtp")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(none, 0, "nothing stored");

    // A port where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let saved = app
        .graphql_as(&owner.access_token, SAVE, settings(closed, None))
        .await;
    assert!(saved["errors"].is_null(), "{saved}");
    let test = app
        .graphql_as(
            &owner.access_token,
            TEST,
            json!({ "to": "gerant@atelier.fr" }),
        )
        .await;
    assert_eq!(test["data"]["sendTestEmail"]["delivered"], false, "{test}");
    let error = test["data"]["sendTestEmail"]["error"].as_str().unwrap();
    assert!(error.contains("n'a pas pu être joint"), "{error}");
    let bad_to = app
        .graphql_as(&owner.access_token, TEST, json!({ "to": "personne" }))
        .await;
    assert_eq!(
        bad_to["errors"][0]["extensions"]["reason"],
        "EMAIL_MALFORMED"
    );
    app.stop().await;
}

/// An admin who changes only the host must not get the stored password sent to a server of
/// theirs; and a password never travels unencrypted.
#[tokio::test]
async fn the_stored_password_stays_with_its_server_and_only_travels_encrypted() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let own = SmtpSink::start_tls().await;
    let saved = app
        .graphql_as(
            &owner.access_token,
            SAVE,
            settings(own.port, Some("s3cret-smtp")),
        )
        .await;
    assert_eq!(
        saved["data"]["saveEmailSettings"]["hasPassword"], true,
        "{saved}"
    );

    // The attacker's server, in clear: the password is not given again.
    let attacker = SmtpSink::start().await;
    let mut moved = settings(attacker.port, None);
    moved["input"]["security"] = json!("NONE");
    let moved = app.graphql_as(&owner.access_token, SAVE, moved).await;
    assert_eq!(
        moved["data"]["saveEmailSettings"]["hasPassword"], false,
        "{moved}"
    );
    let test = app
        .graphql_as(
            &owner.access_token,
            TEST,
            json!({ "to": "gerant@atelier.fr" }),
        )
        .await;
    assert_eq!(test["data"]["sendTestEmail"]["delivered"], true, "{test}");
    assert!(attacker.logins().is_empty(), "no password reached it");

    // Same over TLS, another port: the password is dropped too.
    let other = SmtpSink::start_tls().await;
    let moved = app
        .graphql_as(&owner.access_token, SAVE, settings(other.port, None))
        .await;
    assert_eq!(
        moved["data"]["saveEmailSettings"]["hasPassword"], false,
        "{moved}"
    );
    // Delivered there, so the server was reached and given no password.
    let test = app
        .graphql_as(
            &owner.access_token,
            TEST,
            json!({ "to": "gerant@atelier.fr" }),
        )
        .await;
    assert_eq!(test["data"]["sendTestEmail"]["delivered"], true, "{test}");
    assert_eq!(other.received().len(), 1);
    assert!(other.logins().is_empty());

    // A password with no encryption is refused, and nothing changes.
    let before: String = sqlx::query_scalar("select host || ':' || port from workspace_smtp")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let mut clear = settings(attacker.port, Some("s3cret-smtp"));
    clear["input"]["security"] = json!("NONE");
    let refused = app.graphql_as(&owner.access_token, SAVE, clear).await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"],
        "SMTP_PASSWORD_NEEDS_TLS"
    );
    let after: String = sqlx::query_scalar("select host || ':' || port from workspace_smtp")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(before, after);
    assert!(attacker.logins().is_empty());
    app.stop().await;
}

/// With the production guard on, a workshop's SMTP host cannot lead the server into its own
/// network, whatever the spelling, and the answer says nothing of what listens there.
#[tokio::test]
async fn in_production_a_workshop_server_on_an_internal_address_is_refused() {
    let app = tests::spawn_app_with(&[("OUTBOUND_PRIVATE_NETWORKS", "refuse".to_owned())]).await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let postgres = 5432;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sink = SmtpSink::start_tls().await;
    let mut answers = Vec::new();
    for (host, port) in [
        ("127.0.0.1", postgres),
        ("127.0.0.1", closed),
        ("localhost", sink.port),
        ("::1", postgres),
        ("::ffff:127.0.0.1", postgres),
        ("169.254.169.254", 25),
        ("10.0.0.1", 25),
    ] {
        let mut variables = settings(port, None);
        variables["input"]["host"] = json!(host);
        let saved = app.graphql_as(&owner.access_token, SAVE, variables).await;
        assert!(saved["errors"].is_null(), "{saved}");
        let test = app
            .graphql_as(
                &owner.access_token,
                TEST,
                json!({ "to": "gerant@atelier.fr" }),
            )
            .await;
        assert_eq!(
            test["data"]["sendTestEmail"]["delivered"], false,
            "{host}: {test}"
        );
        let error = test["data"]["sendTestEmail"]["error"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(error.contains("adresse interne"), "{host}: {error}");
        answers.push(error.replace(host, "HOST"));
    }
    answers.dedup();
    assert_eq!(
        answers.len(),
        1,
        "one answer, open port or not: {answers:?}"
    );
    assert!(sink.received().is_empty());
    app.stop().await;
}
