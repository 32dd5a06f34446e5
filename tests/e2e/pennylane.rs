//! The Pennylane connector: a connected workshop's invoices reach Pennylane as Factur-X with
//! the ledger mapping, a failure is retried later, the status is visible; against a local
//! stand-in of Pennylane's import endpoint. Another workshop sees none of it.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use tests::spawn_app_with;

use crate::invoices::{seller_settings, signed_quote};
use crate::quotes::shop;

/// A request as received: its `Authorization` header and its body.
type Request = (Option<String>, Vec<u8>);

#[derive(Clone, Default)]
struct Received {
    requests: Arc<Mutex<Vec<Request>>>,
}

async fn import(
    State(received): State<Received>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    let count = {
        let mut requests = received.requests.lock().unwrap();
        requests.push((
            headers
                .get("authorization")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            body.to_vec(),
        ));
        requests.len()
    };
    // The first call meets an outage.
    if count == 1 {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": "maintenance" })),
        );
    }
    (
        StatusCode::CREATED,
        Json(
            json!({ "url": format!("https://app.pennylane.test/api/external/v2/customer_invoices/{count}") }),
        ),
    )
}

async fn mark_as_paid(
    State(received): State<Received>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> (StatusCode, Json<Value>) {
    received.requests.lock().unwrap().push((
        headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        format!("mark_as_paid {id}").into_bytes(),
    ));
    (StatusCode::OK, Json(json!({ "id": id, "paid": true })))
}

const SETTINGS: &str = "mutation($input: InvoiceSettingsInput!) { updateInvoiceSettings(input: $input) { invoicePattern } }";
const CONNECT: &str = "mutation($token: String!, $accounts: [PennylaneAccountInput!]!) {
    connectPennylane(token: $token, accounts: $accounts) { connected accounts { account ledgerAccountId } } }";
const STATUS: &str =
    "{ pennylane { connected pushes { invoiceNumber status attempts lastError remoteUrl } } }";
const PAY: &str = "mutation($id: ID!) { recordPayment(quoteId: $id, input: { amount: \"60.01\", method: CARD }) { status } }";

#[tokio::test]
async fn issued_invoices_reach_pennylane_as_factur_x_and_failures_are_retried() {
    let received = Received::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .route(
            "/api/external/v2/customer_invoices/e_invoices/imports",
            post(import),
        )
        .route(
            "/api/external/v2/customer_invoices/{id}/mark_as_paid",
            put(mark_as_paid),
        )
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let app = spawn_app_with(&[("PENNYLANE_API_BASE", base)]).await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    app.graphql_as(&shop.token, SETTINGS, seller_settings())
        .await;
    let bad = app
        .graphql_as(
            &shop.token,
            CONNECT,
            json!({ "token": "a b", "accounts": [] }),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["reason"],
        "PENNYLANE_TOKEN_INVALID"
    );
    let connected = app
        .graphql_as(
            &shop.token,
            CONNECT,
            json!({ "token": "pl_test_token_123", "accounts": [
                { "account": "419100", "ledgerAccountId": 4191 },
                { "account": "706000", "ledgerAccountId": 706 }] }),
        )
        .await;
    assert_eq!(
        connected["data"]["connectPennylane"]["connected"], true,
        "{connected}"
    );
    let sealed: String = sqlx::query_scalar("select token_sealed from pennylane_connection")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !sealed.contains("pl_test_token"),
        "the token is sealed at rest"
    );

    let quote = signed_quote(&app, &shop).await;
    let paid = app
        .graphql_as(&shop.token, PAY, json!({ "id": quote }))
        .await;
    assert!(paid["errors"].is_null(), "{paid}");

    let now = chrono::Utc::now();
    assert_eq!(
        workers::pennylane::push_due(&app.state.for_projector().pennylane(), now)
            .await
            .unwrap(),
        (0, 1)
    );
    let status = app.graphql_as(&shop.token, STATUS, json!({})).await;
    let push = &status["data"]["pennylane"]["pushes"][0];
    assert_eq!(push["status"], "failed", "{status}");
    assert!(
        push["lastError"].as_str().unwrap().contains("503"),
        "{status}"
    );
    // Not due yet; then due after the delay.
    assert_eq!(
        workers::pennylane::push_due(&app.state.for_projector().pennylane(), now)
            .await
            .unwrap(),
        (0, 0)
    );
    let later = now + chrono::Duration::minutes(3);
    assert_eq!(
        workers::pennylane::push_due(&app.state.for_projector().pennylane(), later)
            .await
            .unwrap(),
        (1, 0)
    );
    let status = app.graphql_as(&shop.token, STATUS, json!({})).await;
    let push = &status["data"]["pennylane"]["pushes"][0];
    assert_eq!(push["status"], "sent", "{status}");
    assert_eq!(push["attempts"], 2);
    assert!(push["remoteUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://app.pennylane.test/"));

    // The deposit invoice stands for money received: marked paid there, once.
    assert_eq!(
        workers::pennylane::mark_paid(&app.state.for_projector().pennylane(), later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        workers::pennylane::mark_paid(&app.state.for_projector().pennylane(), later)
            .await
            .unwrap(),
        0
    );
    let requests = received.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3, "an outage, the import, the payment");
    assert_eq!(String::from_utf8_lossy(&requests[2].1), "mark_as_paid 2");
    let (authorization, body) = &requests[1];
    assert_eq!(authorization.as_deref(), Some("Bearer pl_test_token_123"));
    let text = String::from_utf8_lossy(body);
    assert!(
        text.contains("%PDF-1.7") && text.contains("factur-x.xml"),
        "a Factur-X PDF is sent"
    );
    // The very Factur-X PDF stored when the invoice was issued, not a new drawing.
    let issued: Vec<u8> =
        sqlx::query_scalar("select content from invoice_document where file = 'facturx.pdf'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        body.windows(issued.len()).any(|window| window == issued),
        "the Factur-X PDF stored at issue is sent"
    );
    assert!(text.contains("name=\"invoice_options\""));
    assert!(
        text.contains("\"ledger_account_id\":4191"),
        "the deposit line on the mapped 4191"
    );

    let (_, other) = crate::quotes::shop(&app, "Atelier B", "b@atelier-b.fr").await;
    let theirs = app.graphql_as(&other.token, STATUS, json!({})).await;
    assert_eq!(
        theirs["data"]["pennylane"],
        json!({ "connected": false, "pushes": [] }),
        "{theirs}"
    );
    app.stop().await;
}
