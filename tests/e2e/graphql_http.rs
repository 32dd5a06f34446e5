//! GraphQL over HTTP as the spec says, over the real server: the media type a client asks
//! for, the status that tells a request error from a result, queries over `GET` and never
//! mutations, GraphiQL for a browser only, introspection off when configured so; and the
//! GraphQL Foundation's own audit (`graphql-http`), run by node.

use serde_json::{json, Value};
use tests::{sign_up_input, spawn_app, spawn_app_with, TestApp, SIGN_UP};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// What came back: status, content type, body (JSON when it reads as JSON).
struct Answer {
    status: u16,
    content_type: String,
    text: String,
    headers: reqwest::header::HeaderMap,
}

impl Answer {
    async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("body");
        Self {
            status,
            content_type,
            text,
            headers,
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }
}

async fn post(app: &TestApp, accept: &str, body: Value) -> Answer {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .expect("POST");
    Answer::from(response).await
}

async fn get(app: &TestApp, accept: &str, parameters: &[(&str, &str)]) -> Answer {
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("accept", accept)
        .query(parameters)
        .send()
        .await
        .expect("GET");
    Answer::from(response).await
}

#[tokio::test]
async fn each_client_gets_the_media_type_it_asks_for() {
    let app = spawn_app().await;
    for (accept, expected) in [
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("*/*", "application/json"),
        (
            "application/graphql-response+json, application/json;q=0.9",
            GRAPHQL_RESPONSE,
        ),
        (
            "application/json, application/graphql-response+json;q=0.5",
            "application/json",
        ),
    ] {
        let answer = post(&app, accept, json!({ "query": "{ __typename }" })).await;
        assert_eq!(answer.status, 200, "{accept}: {}", answer.text);
        assert_eq!(answer.content_type, expected, "{accept}");
        assert_eq!(answer.json()["data"]["__typename"], "Query", "{accept}");
    }
    // Older clients keep what they were written for: 200 and `data: null` on a request
    // error.
    let answer = post(&app, "application/json", json!({ "query": "{" })).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.content_type, "application/json");
    let body = answer.json();
    assert!(body.get("data").is_some_and(Value::is_null), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["reason"],
        "GRAPHQL_REQUEST_INVALID"
    );
    app.stop().await;
}

#[tokio::test]
async fn request_errors_answer_400_without_data_under_graphql_response_json() {
    let app = spawn_app().await;
    let powders = "query($first: Int) { powders(first: $first) { edges { cursor } } }";
    let cases = [
        // The document does not parse.
        (json!({ "query": "{" }), "GRAPHQL_REQUEST_INVALID", None),
        // It does not validate.
        (
            json!({ "query": "{ champInconnu }" }),
            "GRAPHQL_REQUEST_INVALID",
            None,
        ),
        (
            json!({ "query": "mutation { signUp { message } }" }),
            "INPUT_INVALID",
            Some("input"),
        ),
        // Its variables do not coerce: a required one left out, an `Int` beyond 32 bits
        // (refused before the resolver, which would have answered UNAUTHENTICATED).
        (
            json!({ "query": SIGN_UP, "variables": {} }),
            "INPUT_INVALID",
            Some("input"),
        ),
        (
            json!({ "query": powders, "variables": { "first": 99_999_999_999_i64 } }),
            "INPUT_INVALID",
            Some("first"),
        ),
    ];
    for (body, reason, field) in cases {
        let answer = post(&app, GRAPHQL_RESPONSE, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
        assert_eq!(answer.content_type, GRAPHQL_RESPONSE, "{body}");
        let refused = answer.json();
        assert!(refused.get("data").is_none(), "{refused}");
        let error = &refused["errors"][0];
        assert_eq!(error["extensions"]["code"], "VALIDATION", "{refused}");
        assert_eq!(error["extensions"]["reason"], reason, "{refused}");
        if let Some(field) = field {
            assert_eq!(error["extensions"]["field"], field, "{refused}");
        }
        let message = error["message"].as_str().expect("message");
        assert!(
            message.starts_with("requête GraphQL invalide") || message.starts_with("argument « "),
            "{message}"
        );
    }
    // An error while executing is a result: 200, with its `data` (null here: `me` cannot
    // be null, so its error nulls the whole data).
    let answer = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": "{ me { email } }" }),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert!(body.get("data").is_some_and(Value::is_null), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(app.db.event_count().await, 0, "nothing written");
    app.stop().await;
}

/// Variables are coerced before anything runs, as the spec orders: a mutation's first field
/// does not write when its second cannot read its input.
#[tokio::test]
async fn a_mutation_whose_variables_do_not_coerce_writes_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Entier", "gerant@entier.fr").await;
    let events = app.db.event_count().await;
    let both = "mutation($kg: Decimal!) { renameWorkspace(name: \"Atelier Renommé\") { name } \
                consumePowder(powderId: \"p\", kg: $kg, note: \"n\") }";
    let response = app
        .graphql_as(&owner.access_token, both, json!({ "kg": "douze" }))
        .await;
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["reason"], "INPUT_INVALID", "{response}");
    assert_eq!(error["extensions"]["field"], "kg", "{response}");
    assert!(response["data"].is_null(), "{response}");
    assert_eq!(app.db.event_count().await, events, "the rename did not run");
    app.stop().await;
}

/// A body not said to be JSON is refused unread: `text/plain` and form encodings are what a
/// cross-site form posts without CORS' consent.
#[tokio::test]
async fn a_post_says_its_body_is_json() {
    let app = spawn_app().await;
    let body = json!({
        "query": SIGN_UP,
        "variables": { "input": sign_up_input("Atelier Formulaire", "gerant@formulaire.fr") },
    })
    .to_string();
    for content_type in [
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("accept", GRAPHQL_RESPONSE)
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let answer = Answer::from(request.send().await.expect("POST")).await;
        assert_eq!(answer.status, 415, "{content_type:?}: {}", answer.text);
        assert_eq!(answer.content_type, GRAPHQL_RESPONSE);
        assert_eq!(
            answer.json()["errors"][0]["extensions"]["reason"],
            "GRAPHQL_CONTENT_TYPE_UNSUPPORTED"
        );
    }
    assert_eq!(app.db.event_count().await, 0, "nothing written");
    let said = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("POST");
    let answer = Answer::from(said).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.json()["errors"].is_null(), "{}", answer.text);
    app.stop().await;
}

#[tokio::test]
async fn queries_run_over_get_and_mutations_answer_405() {
    let app = spawn_app().await;
    let answer = get(
        &app,
        "application/json",
        &[
            ("query", "query Version { apiVersion }"),
            ("operationName", "Version"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.content_type, "application/json");
    assert!(
        answer.json()["data"]["apiVersion"].is_string(),
        "{}",
        answer.text
    );
    assert_eq!(answer.headers["cache-control"], "no-store");

    let owner = app.sign_up("Atelier Lien", "gerant@lien.fr").await;
    let signed_in = app
        .client
        .get(format!("{}/graphql", app.address))
        .bearer_auth(&owner.access_token)
        .header("accept", GRAPHQL_RESPONSE)
        .query(&[
            (
                "query",
                "query($n: String!) { me { email } __type(name: $n) { name } }",
            ),
            ("variables", r#"{"n":"Me"}"#),
        ])
        .send()
        .await
        .expect("GET");
    let answer = Answer::from(signed_in).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.content_type, GRAPHQL_RESPONSE);
    let body = answer.json();
    assert_eq!(body["data"]["me"]["email"], "gerant@lien.fr", "{body}");
    assert_eq!(body["data"]["__type"]["name"], "Me", "{body}");

    let events = app.db.event_count().await;
    let variables = json!({ "input": sign_up_input("Atelier Get", "gerant@get.fr") }).to_string();
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        let answer = get(
            &app,
            accept,
            &[("query", SIGN_UP), ("variables", &variables)],
        )
        .await;
        assert_eq!(answer.status, 405, "{accept}: {}", answer.text);
        assert_eq!(answer.headers["allow"], "POST");
        assert_eq!(answer.content_type, accept);
        let body = answer.json();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "GRAPHQL_MUTATION_OVER_GET",
            "{body}"
        );
    }
    assert_eq!(app.db.event_count().await, events, "nothing written");

    // A GraphQL client without `query` is told so; so is one whose variables do not read.
    for parameters in [
        &[][..],
        &[("query", "{ apiVersion }"), ("variables", "{")][..],
    ] {
        let answer = get(&app, "application/json", parameters).await;
        assert_eq!(answer.status, 400, "{parameters:?}: {}", answer.text);
        assert_eq!(
            answer.json()["errors"][0]["extensions"]["reason"],
            "GRAPHQL_REQUEST_INVALID"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn graphiql_is_for_a_browser_that_names_no_query() {
    let app = spawn_app().await;
    let page = get(&app, BROWSER, &[]).await;
    assert_eq!(page.status, 200);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(page.text.to_lowercase().contains("graphiql"));
    // A browser following a link with a query gets the query's answer.
    let answer = get(&app, BROWSER, &[("query", "{ __typename }")]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.json()["data"]["__typename"], "Query");
    // A GraphQL client never gets a page.
    let answer = get(&app, GRAPHQL_RESPONSE, &[]).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.content_type, GRAPHQL_RESPONSE);
    app.stop().await;
}

#[tokio::test]
async fn introspection_and_graphiql_are_off_in_production_by_default() {
    let app = spawn_app_with(&[
        ("THERMOGESTION_ENV", "production".to_owned()),
        ("THERMOGESTION_JWT_SECRET", "j".repeat(48)),
        (
            "THERMOGESTION_SECRET_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_owned(),
        ),
    ])
    .await;
    for query in [
        "{ __schema { queryType { name } } }",
        "query { ...F } fragment F on Query { __type(name: \"Me\") { name } }",
    ] {
        let answer = post(&app, GRAPHQL_RESPONSE, json!({ "query": query })).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        let body = answer.json();
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "GRAPHQL_INTROSPECTION_DISABLED",
            "{body}"
        );
    }
    let typename = post(&app, GRAPHQL_RESPONSE, json!({ "query": "{ __typename }" })).await;
    assert_eq!(typename.status, 200, "{}", typename.text);
    let page = get(&app, BROWSER, &[]).await;
    assert_eq!(page.status, 400, "no GraphiQL: {}", page.text);
    assert_eq!(page.content_type, "application/json");
    app.stop().await;

    // Development shows both.
    let app = spawn_app().await;
    let schema = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": "{ __schema { queryType { name } } }" }),
    )
    .await;
    assert_eq!(schema.status, 200, "{}", schema.text);
    assert_eq!(
        schema.json()["data"]["__schema"]["queryType"]["name"],
        "Query"
    );
    app.stop().await;
}

/// The GraphQL Foundation's audit of GraphQL over HTTP (`graphql-http`'s `serverAudits`,
/// installed by `scripts/ensure-tools`), run by node against this server: every MUST and
/// every SHOULD passes; a MAY not met is printed only.
#[tokio::test]
async fn the_graphql_over_http_audit_passes_every_must_and_should() {
    let app = spawn_app().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/graphql-http-audit/audit.mjs"
    );
    let url = format!("{}/graphql", app.address);
    // The server runs on this test's runtime: node is waited for on another thread.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .arg(url)
            .output()
    })
    .await
    .expect("the audit's thread");
    let output = output.unwrap_or_else(|error| {
        panic!(
            "cannot run node ({error}): install Node.js 20 or later and npm, then run \
             scripts/ensure-tools, which installs the audit"
        )
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Every result, MAYs included, for whoever reads the test's output.
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the graphql-http audit failed (scripts/ensure-tools installs it):\n{stdout}\n{stderr}"
    );
    // It ran for real: the MUST that used to fail is among those passed.
    assert!(
        stdout.contains("ok    4655 MUST accept application/json and match the content-type"),
        "{stdout}"
    );
    app.stop().await;
}
