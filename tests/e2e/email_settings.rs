//! A workshop's own SMTP server: settings, sealed password, test button, and its emails
//! going through it.

use serde_json::json;
use tests::smtp::SmtpSink;
use tests::{error_code, spawn_app};

const SAVE: &str = "mutation($input: SmtpSettingsInput!) { saveEmailSettings(input: $input) {
    host port security username hasPassword fromAddress } }";
const TEST: &str = "mutation($to: String!) { sendTestEmail(to: $to) { delivered error } }";

fn settings(port: u16, password: Option<&str>) -> serde_json::Value {
    json!({ "input": { "host": "127.0.0.1", "port": port, "security": "NONE", "username": "atelier",
                       "password": password, "fromAddress": "contact@martin.fr" } })
}

#[tokio::test]
async fn a_workshop_sends_through_its_own_server_with_a_sealed_password() {
    let app = spawn_app().await;
    let owner = app
        .sign_up("Thermolaquage Martin", "gerant@martin.fr")
        .await;
    let own = SmtpSink::start().await;
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
    app.graphql_as(&owner.access_token, SAVE, settings(closed, None))
        .await;
    let test = app
        .graphql_as(
            &owner.access_token,
            TEST,
            json!({ "to": "gerant@atelier.fr" }),
        )
        .await;
    assert_eq!(test["data"]["sendTestEmail"]["delivered"], false, "{test}");
    assert!(!test["data"]["sendTestEmail"]["error"]
        .as_str()
        .unwrap()
        .is_empty());
    let bad_to = app
        .graphql_as(&owner.access_token, TEST, json!({ "to": "personne" }))
        .await;
    assert_eq!(
        bad_to["errors"][0]["extensions"]["reason"],
        "EMAIL_MALFORMED"
    );
    app.stop().await;
}
