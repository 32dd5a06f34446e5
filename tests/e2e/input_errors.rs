//! Malformed input values answer `VALIDATION` in French, naming the argument or the query
//! parameter, over the real server: GraphQL through the engine's validation and its scalar
//! parsing, REST through the shared `Query` extractor.

use serde_json::{json, Value};
use tests::{error_code, spawn_app, Owner, TestApp};
use uuid::Uuid;

/// The first error's message, after checking its code, reason and field.
fn refused<'a>(response: &'a Value, reason: &str, field: &str) -> &'a str {
    let error = &response["errors"][0];
    assert_eq!(error_code(response), Some("VALIDATION"), "{response}");
    assert_eq!(error["extensions"]["reason"], reason, "{response}");
    assert_eq!(error["extensions"]["field"], field, "{response}");
    error["message"].as_str().expect("message")
}

/// No English left in what a user reads.
fn assert_french(message: &str) {
    for english in ["Failed", "Invalid", "expected", "parse", "number", "type"] {
        assert!(!message.contains(english), "English in {message:?}");
    }
}

async fn owner(app: &TestApp) -> Owner {
    app.sign_up("Atelier Input", "gerant@input.fr").await
}

const POWDERS: &str = "query($first: Int) { powders(first: $first) { edges { node { id } } } }";

#[tokio::test]
async fn malformed_scalars_name_their_argument_in_french() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let token = owner.access_token.as_str();
    let events_before = app.db.event_count().await;

    // Wrong JSON type: the engine's validation.
    let text_for_int = app
        .graphql_as(token, POWDERS, json!({ "first": "dix" }))
        .await;
    let message = refused(&text_for_int, "INPUT_INVALID", "first");
    assert_eq!(message, "argument « first » : nombre entier attendu");

    // An integer GraphQL's 32-bit Int cannot hold: the engine would fail in the resolver.
    let too_large = app
        .graphql_as(token, POWDERS, json!({ "first": 99_999_999_999_i64 }))
        .await;
    let message = refused(&too_large, "INPUT_INVALID", "first");
    assert_eq!(
        message,
        "argument « first » : nombre entier attendu, entre -2147483648 et 2147483647"
    );

    let decimal = app
        .graphql_as(
            token,
            "mutation($kg: Decimal!) { consumePowder(powderId: \"p\", kg: $kg, note: \"n\") }",
            json!({ "kg": "douze" }),
        )
        .await;
    let message = refused(&decimal, "INPUT_INVALID", "kg");
    assert_eq!(
        message,
        "argument « kg » : nombre décimal attendu (par exemple 12.5)"
    );

    let date = app
        .graphql_as(
            token,
            "{ invoices(from: \"2026-13-01\") { id } }",
            json!({}),
        )
        .await;
    let message = refused(&date, "INPUT_INVALID", "from");
    assert_eq!(
        message,
        "argument « from » : date attendue au format AAAA-MM-JJ"
    );

    let datetime = app
        .graphql_as(
            token,
            "{ auditLog(filter: { from: \"hier\" }) { edges { cursor } } }",
            json!({}),
        )
        .await;
    let message = refused(&datetime, "INPUT_INVALID", "filter.from");
    assert!(message.starts_with("argument « filter.from » : date et heure attendues"));

    let uuid = app
        .graphql_as(
            token,
            "{ auditLog(filter: { actorId: \"pas-un-id\" }) { edges { cursor } } }",
            json!({}),
        )
        .await;
    let message = refused(&uuid, "ACTOR_ID_INVALID", "actorId");
    assert_eq!(
        message,
        "argument « actorId » : identifiant d'auteur (UUID) attendu"
    );

    for response in [&text_for_int, &too_large, &decimal, &date, &datetime, &uuid] {
        assert_french(response["errors"][0]["message"].as_str().unwrap());
    }
    assert_eq!(app.db.event_count().await, events_before, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn nested_enum_and_missing_values_are_pointed_at() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let token = owner.access_token.as_str();
    let create = "mutation($input: QuoteInput!) { createQuote(input: $input) { id } }";
    let line = |quantity: Value, width: Value| {
        json!({ "description": "Portail", "quantity": quantity, "lengthMm": "1000",
                "widthMm": width })
    };
    let input =
        |lines: Vec<Value>| json!({ "input": { "clientId": Uuid::new_v4(), "lines": lines } });

    // A Decimal deep in a list: the path goes down to it.
    let nested = app
        .graphql_as(
            token,
            create,
            input(vec![
                line(json!(2), json!("500")),
                line(json!(1), json!("5OO")),
            ]),
        )
        .await;
    let message = refused(&nested, "INPUT_INVALID", "input.lines.1.widthMm");
    assert_eq!(
        message,
        "argument « input.lines.1.widthMm » : nombre décimal attendu (par exemple 12.5)"
    );

    // A negative quantity: `Int` for GraphQL, an unsigned integer for us; refused by the
    // scalar in the resolver, still pointed at.
    let negative = app
        .graphql_as(
            token,
            create,
            input(vec![
                line(json!(1), json!("500")),
                line(json!(-3), json!("500")),
            ]),
        )
        .await;
    let message = refused(&negative, "INPUT_INVALID", "input.lines.1.quantity");
    assert_eq!(
        message,
        "argument « input.lines.1.quantity » : nombre entier positif ou nul attendu"
    );

    let missing_field = app
        .graphql_as(
            token,
            create,
            json!({ "input": { "clientId": Uuid::new_v4(), "lines": [{ "quantity": 1 }] } }),
        )
        .await;
    let message = refused(&missing_field, "INPUT_INVALID", "input.lines.0.description");
    assert_eq!(
        message,
        "argument « input.lines.0.description » : champ obligatoire"
    );

    let unknown_enum = app
        .graphql_as(
            token,
            "{ powders(finish: BRILLANT) { edges { cursor } } }",
            json!({}),
        )
        .await;
    let message = refused(&unknown_enum, "INPUT_INVALID", "finish");
    assert!(
        message.starts_with(
            "argument « finish » : valeur « BRILLANT » inconnue ; une de ces valeurs attendue : "
        ),
        "{message}"
    );

    let missing_argument = app
        .graphql_as(
            token,
            "mutation { consumePowder(powderId: \"p\", note: \"n\") }",
            json!({}),
        )
        .await;
    let message = refused(&missing_argument, "INPUT_INVALID", "kg");
    assert_eq!(message, "argument « kg » : valeur obligatoire");

    for response in [
        &nested,
        &negative,
        &missing_field,
        &unknown_enum,
        &missing_argument,
    ] {
        assert_french(response["errors"][0]["message"].as_str().unwrap());
    }
    app.stop().await;
}

#[tokio::test]
async fn rest_query_strings_answer_json_in_french() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    for (path, field, message) in [
        (
            format!(
                "/api/v1/projects/{}/labels.pdf?width_mm=abc",
                Uuid::new_v4()
            ),
            "width_mm",
            "paramètre « width_mm » : nombre entier attendu",
        ),
        (
            "/api/v1/exports/invoices.csv?from=2026-13-01".to_owned(),
            "from",
            "paramètre « from » : date attendue au format AAAA-MM-JJ (ou date et heure RFC 3339)",
        ),
        (
            "/api/v1/exports/invoices.csv?client_id=abc".to_owned(),
            "client_id",
            "paramètre « client_id » : identifiant (UUID) attendu",
        ),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&owner.access_token)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), 422, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["code"], "VALIDATION", "{path}: {body}");
        assert_eq!(body["reason"], "INPUT_INVALID", "{path}: {body}");
        assert_eq!(body["field"], field, "{path}: {body}");
        assert_eq!(body["message"], message, "{path}: {body}");
    }
    app.stop().await;
}
