//! The server over real HTTP.

use serde_json::json;
use tests::{error_code, sign_up_input, spawn_app, SIGN_UP};

#[tokio::test]
async fn health_ready_and_graphiql_answer() {
    let app = spawn_app().await;
    let health = app.get("/health").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    assert_eq!(app.get("/ready").await.status(), 200);
    let graphiql = app.get("/graphql").await;
    assert_eq!(graphiql.status(), 200);
    assert!(graphiql
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("graphiql"));
    app.stop().await;
}

#[tokio::test]
async fn ready_says_so_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.pool.close().await;
    assert_eq!(app.get("/ready").await.status(), 503);
    assert_eq!(
        app.get("/health").await.status(),
        200,
        "liveness does not depend on the database"
    );
}

#[tokio::test]
async fn a_mutation_answers_from_the_read_model_it_just_updated() {
    let app = spawn_app().await;
    let owner = app
        .sign_up("Thermolaquage Martin", "gerant@martin.fr")
        .await;
    let response = app
        .graphql_as(
            &owner.access_token,
            "mutation { renameWorkspace(name: \"  Thermolaquage   Martin & Fils \") { id name } }",
            json!({}),
        )
        .await;
    assert_eq!(response["errors"], serde_json::Value::Null, "{response}");
    let workspace = &response["data"]["renameWorkspace"];
    assert_eq!(workspace["name"], "Thermolaquage Martin & Fils");
    let stored: String = sqlx::query_scalar("select name from workspace where workspace_id = $1")
        .bind(owner.workspace_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, "Thermolaquage Martin & Fils");
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_code_a_french_message_and_writes_nothing() {
    let app = spawn_app().await;
    let long_name = "x".repeat(121);
    let cases = [
        (
            "workshopName",
            json!("   "),
            "WORKSPACE_NAME_EMPTY",
            "nom de l'atelier",
        ),
        (
            "workshopName",
            json!(long_name),
            "WORKSPACE_NAME_TOO_LONG",
            "120 caractères",
        ),
        (
            "email",
            json!("jean.dupont"),
            "EMAIL_MALFORMED",
            "adresse email",
        ),
        (
            "password",
            json!("court"),
            "PASSWORD_TOO_SHORT",
            "au moins 12 caractères",
        ),
        (
            "password",
            json!("MotDePasse123"),
            "PASSWORD_TOO_COMMON",
            "trop courant",
        ),
        (
            "consent",
            json!({ "termsVersion": "2026-11", "privacyPolicyVersion": "2026-11", "dataProcessing": false }),
            "CONSENT_MISSING",
            "CGU",
        ),
    ];
    for (field, value, reason, french) in cases {
        let mut input = sign_up_input("Atelier", "gerant@atelier.fr");
        input[field] = value;
        let response = app.graphql(SIGN_UP, json!({ "input": input })).await;
        assert_eq!(
            error_code(&response),
            Some("VALIDATION"),
            "{field}: {response}"
        );
        assert_eq!(
            response["errors"][0]["extensions"]["reason"], reason,
            "{response}"
        );
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(french), "{message}");
    }
    let missing_argument = app
        .graphql("mutation { signUp { message } }", json!({}))
        .await;
    assert_eq!(
        error_code(&missing_argument),
        Some("VALIDATION"),
        "{missing_argument}"
    );
    assert_eq!(
        missing_argument["errors"][0]["extensions"]["reason"],
        "INPUT_INVALID"
    );
    assert_eq!(
        missing_argument["errors"][0]["message"],
        "argument « input » : valeur obligatoire"
    );
    assert_eq!(app.db.event_count().await, 0, "no event");
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0, "no account");
    app.stop().await;
}

#[tokio::test]
async fn queries_deeper_than_the_limit_are_refused() {
    let app = spawn_app().await;
    let levels = api::graphql::MAX_DEPTH + 1;
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {}{{ name }}{} }} }} }} }}",
        "{ ofType ".repeat(levels),
        "}".repeat(levels)
    );
    let response = app.graphql(&deep, json!({})).await;
    assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
    assert_eq!(
        response["errors"][0]["message"],
        format!(
            "requête GraphQL invalide : requête trop imbriquée (au plus {} niveaux)",
            api::graphql::MAX_DEPTH
        ),
        "{response}"
    );
    // The engine's own wording stays available to whoever writes the query.
    assert_eq!(
        response["errors"][0]["extensions"]["detail"], "Query is nested too deep.",
        "{response}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_request_id_travels_from_header_to_event_metadata() {
    let app = spawn_app().await;
    let response = app
        .graphql_with_headers(
            SIGN_UP,
            json!({ "input": sign_up_input("Atelier Suivi", "suivi@atelier.fr") }),
            &[("x-request-id", "req-audit-42")],
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let metadata: serde_json::Value = sqlx::query_scalar("select metadata from events where aggregate_type = 'workspace' order by global_position limit 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(metadata["request_id"], "req-audit-42");
    assert_eq!(metadata["ip"], "127.0.0.1");
    assert_eq!(metadata["actor_role"], "owner");
    let echoed = app.get("/health").await;
    assert!(
        echoed.headers().get("x-request-id").is_some(),
        "every response carries its request id"
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_expose_requests_events_and_projection_lag() {
    let app = spawn_app().await;
    app.sign_up("Atelier Mesuré", "mesure@atelier.fr").await;
    // The mailer records its `EmailSent` of the verification email in the background: read
    // the figures once the workspace projection has passed it.
    let caught_up = "thermogestion_projection_lag_events{projection=\"workspace\"} 0";
    let text = tests::eventually("the workspace projection caught up in /metrics", || async {
        let text = app.get("/metrics").await.text().await.unwrap();
        text.contains(caught_up).then_some(text)
    })
    .await;
    for needle in [
        // Sign-up, the verification link, the login, then the two steps of the owner's
        // second-factor enrolment.
        "thermogestion_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"} 5",
        "thermogestion_http_request_duration_seconds_bucket",
        "thermogestion_projection_lag_seconds{projection=\"workspace\"} 0",
        "thermogestion_projection_lag_events{projection=\"workspace\"} 0",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    // The catalogue's seed at start, the four events of the sign-up, plus the `EmailSent` of
    // the verification email once the mailer has recorded it.
    let appended: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("thermogestion_events_appended_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no events_appended in\n{text}"));
    assert!((5..=6).contains(&appended), "{appended}");
    app.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let body = json!({ "query": SIGN_UP, "variables": { "input": sign_up_input("Atelier du soir", "soir@atelier.fr") } }).to_string();
    let (first_half, second_half) = body.split_at(body.len() / 2);
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first_half.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    // The server has the request half-read when it is told to stop.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stream.write_all(second_half.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"message\""), "{response}");
    stopping.await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(&address).await.is_err(),
        "a stopped server accepts no new connection"
    );
}

/// `/metrics` is an operator's: behind a token, or on an address of its own, and in
/// production with neither it is not served at all.
#[tokio::test]
async fn metrics_ask_for_their_token_or_live_on_their_own_address() {
    let token = "jeton-des-metriques-de-24-caracteres-au-moins";
    let app = tests::spawn_app_with(&[("METRICS_TOKEN", token.to_owned())]).await;
    let url = format!("{}/metrics", app.address);
    let without = app.client.get(&url).send().await.unwrap();
    assert_eq!(without.status(), 401);
    let body: serde_json::Value = without.json().await.unwrap();
    assert_eq!(body["reason"], "METRICS_TOKEN_REQUIRED");
    let wrong = app
        .client
        .get(&url)
        .bearer_auth("jeton-faux")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .client
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right
        .text()
        .await
        .unwrap()
        .contains("thermogestion_events_appended_total"));
    app.stop().await;

    let app = tests::spawn_app_with(&[("METRICS_ADDR", "127.0.0.1:0".to_owned())]).await;
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "absent from the public address"
    );
    let private = app.metrics_address.clone().expect("a metrics address");
    let scraped = app
        .client
        .get(format!("{private}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    let graphql = app
        .client
        .get(format!("{private}/graphql"))
        .send()
        .await
        .unwrap();
    assert_eq!(graphql.status(), 404, "only the metrics there");
    app.stop().await;

    let app = tests::spawn_app_with(&[
        ("THERMOGESTION_ENV", "production".to_owned()),
        ("THERMOGESTION_JWT_SECRET", "j".repeat(48)),
        (
            "THERMOGESTION_SECRET_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_owned(),
        ),
    ])
    .await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    assert_eq!(app.get("/health").await.status(), 200);
    app.stop().await;
}
