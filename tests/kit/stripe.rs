//! A local stand-in for Stripe's API, in-process on a random port: `POST
//! /v1/checkout/sessions` answers a session in Stripe's wire format (what async-stripe
//! deserialises) and keeps each request's form fields and headers, so tests see exactly
//! what was sent. `Authorization` must carry the configured secret key, as with Stripe.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// One request as received: form fields (`line_items[0][price_data][unit_amount]`…) and the
/// `Stripe-Account` header.
#[derive(Debug, Clone)]
pub struct SessionRequest {
    pub form: BTreeMap<String, String>,
    pub stripe_account: Option<String>,
}

#[derive(Clone)]
struct Shared {
    secret_key: String,
    received: Arc<Mutex<Vec<SessionRequest>>>,
    address: String,
}

pub struct StripeStub {
    pub url: String,
    received: Arc<Mutex<Vec<SessionRequest>>>,
}

impl StripeStub {
    pub async fn start(secret_key: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            secret_key: secret_key.to_owned(),
            received: received.clone(),
            address: url.clone(),
        };
        let router = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .with_state(shared);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, received }
    }

    pub fn requests(&self) -> Vec<SessionRequest> {
        self.received.lock().unwrap().clone()
    }
}

async fn create_session(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    let authorized = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        == Some(&format!("Bearer {}", shared.secret_key));
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({ "error": { "type": "invalid_request_error", "message": "Invalid API Key provided" } }),
            ),
        );
    }
    let form: BTreeMap<String, String> = body
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (decode(key), decode(value)))
        .collect();
    let number = {
        let mut received = shared.received.lock().unwrap();
        received.push(SessionRequest {
            form: form.clone(),
            stripe_account: headers
                .get("stripe-account")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        });
        received.len()
    };
    let id = format!("cs_test_{number:04}");
    let metadata: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((name.to_owned(), value.clone()))
        })
        .collect();
    let expires_at: i64 = form
        .get("expires_at")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    (
        StatusCode::OK,
        Json(json!({
            "id": id, "object": "checkout.session", "automatic_tax": { "enabled": false },
            "created": expires_at - 82_800, "custom_fields": [], "custom_text": {},
            "expires_at": expires_at, "livemode": false, "mode": "payment",
            "payment_method_types": ["card"], "payment_status": "unpaid", "shipping_options": [],
            "status": "open", "metadata": metadata,
            "amount_total": form.get("line_items[0][price_data][unit_amount]").and_then(|value| value.parse::<i64>().ok()),
            "currency": "eur",
            "url": format!("{}/pay/{id}", shared.address),
        })),
    )
}

/// `application/x-www-form-urlencoded` decoding.
fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() + 1 {
            if let Ok(byte) = u8::from_str_radix(
                std::str::from_utf8(&bytes[index + 1..(index + 3).min(bytes.len())]).unwrap_or(""),
                16,
            ) {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
