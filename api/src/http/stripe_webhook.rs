//! `POST /webhooks/stripe`: Stripe tells us a Checkout session was paid. The body is trusted
//! only once `Stripe-Signature` checks: HMAC-SHA256 of `{t}.{body}` with the endpoint's
//! secret, any of the `v1` signatures (Stripe sends several while a secret rolls), within
//! five minutes of `t` (a replayed old request is refused). A signature only proves Stripe
//! sent it: the quote's billing then takes the payment only for a Checkout session it opened,
//! on the workshop's connected account, in euros, for the link's amount
//! (`Billing::match_checkout`); anything else is logged and answered 200 without effect. The
//! payment is recorded with the event id: Stripe retries and duplicates find it already
//! there and write nothing.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use commands::invoicing::{paris_day, record_stripe_payment, BillingSaveError, StripePaymentDraft};
use commands::CommandMeta;
use domain::{DomainError, ErrorKind};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sha2::Sha256;
use uuid::Uuid;

use crate::app::AppState;
use crate::ApiError;

/// Stripe's own libraries default to five minutes.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("en-tête Stripe-Signature absent ou illisible")]
    Malformed,
    #[error("signature Stripe trop ancienne (plus de 5 minutes) : requête rejouée ?")]
    Expired,
    #[error("signature Stripe invalide")]
    Mismatch,
}

impl DomainError for SignatureError {
    fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "STRIPE_SIGNATURE_MISSING",
            Self::Expired => "STRIPE_SIGNATURE_EXPIRED",
            Self::Mismatch => "STRIPE_SIGNATURE_INVALID",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…,v1=…`) over `payload` at `now`.
pub fn verify(header: &str, payload: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(unhex(value)),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Expired);
    }
    let signed = |signature: &[u8]| {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        // Constant time.
        mac.verify_slice(signature).is_ok()
    };
    if signatures.iter().any(|signature| signed(signature)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn received() -> Response {
    (StatusCode::OK, Json(json!({ "received": true }))).into_response()
}

pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let secret = state.stripe.webhook_secret.as_deref().ok_or_else(|| {
        ApiError::new(
            ErrorKind::Conflict,
            "STRIPE_NOT_CONFIGURED",
            "le webhook Stripe n'est pas configuré",
        )
    })?;
    let header = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    verify(header, &body, secret, Utc::now().timestamp())
        .map_err(|error| ApiError::domain(&error))?;
    let event: Value = serde_json::from_slice(&body).map_err(|_| {
        ApiError::new(
            ErrorKind::Validation,
            "STRIPE_EVENT_INVALID",
            "événement Stripe illisible",
        )
    })?;
    let event_id = event["id"].as_str().unwrap_or_default().to_owned();
    let kind = event["type"].as_str().unwrap_or_default();
    if !matches!(
        kind,
        "checkout.session.completed" | "checkout.session.async_payment_succeeded"
    ) {
        return Ok(received());
    }
    let session = &event["data"]["object"];
    // A `completed` of a deferred method (SEPA debit) is not paid yet: its
    // `async_payment_succeeded` follows.
    if session["payment_status"] != "paid" {
        return Ok(received());
    }
    let metadata = &session["metadata"];
    let uuid = |field: &str| {
        metadata[field]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())
    };
    // The metadata only says where to look: the billing of that quote decides whether the
    // session is one it opened. Anyone connected to the platform can make Stripe sign an
    // event with metadata of their choosing.
    let facts = (
        uuid("workspace_id"),
        uuid("quote_id"),
        session["id"].as_str(),
        session["amount_total"].as_i64(),
    );
    let (Some(workspace_id), Some(quote_id), Some(session_id), Some(cents)) = facts else {
        tracing::warn!(%event_id, "Stripe event ignored: not a session of ours (no quote, session or amount)");
        return Ok(received());
    };
    if event_id.is_empty() {
        tracing::warn!(%workspace_id, %quote_id, "Stripe event ignored: no event id");
        return Ok(received());
    }
    let created = event["created"]
        .as_i64()
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .unwrap_or_else(Utc::now);
    let meta = CommandMeta::system(workspace_id, format!("stripe:{event_id}"));
    // From here the request acts for the workshop the signed event names (its billing then
    // decides whether the payment is one of its own): its reads are scoped to that
    // workshop only (ADR 0013).
    crate::db::enter_workspace(workspace_id);
    let draft = StripePaymentDraft {
        event_id: event_id.clone(),
        session_id: session_id.to_owned(),
        account: event["account"].as_str().map(str::to_owned),
        currency: session["currency"].as_str().unwrap_or_default().to_owned(),
        amount: Decimal::new(cents, 2),
        payment_intent: session["payment_intent"].as_str().map(str::to_owned),
        received_on: paris_day(created),
    };
    match record_stripe_payment(&state.pool, &state.commands, &meta, quote_id, draft).await {
        Ok((_, receipt)) => {
            // Answered once readable: whoever looks next (the portal's return page) sees it.
            state
                .settle(&receipt, &[projections::invoicing::NAME])
                .await?;
            Ok(received())
        }
        // Stripe retries what fails: a refusal of ours would fail again the same way. A
        // session that is not ours, or from another account, in another currency or for
        // another amount, is ignored here; money really paid is at Stripe and the workshop
        // settles it by hand (refund or manual payment).
        Err(error)
            if !matches!(error.kind(), ErrorKind::Internal)
                && !matches!(error, BillingSaveError::Commit(_)) =>
        {
            tracing::warn!(%event_id, %workspace_id, %quote_id, session_id, why = error.code(), %error, "Stripe event ignored: refused by the billing");
            Ok(received())
        }
        Err(error) => {
            tracing::error!(%event_id, %error, "Stripe payment not recorded: Stripe will retry");
            Err(ApiError::internal(error.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(payload);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    #[test]
    fn any_v1_signature_within_five_minutes_is_accepted() {
        let body = br#"{"id":"evt_1"}"#;
        let good = sign("whsec_test", 1_000, body);
        let header = format!("t=1000,v1={},v1={good},v0=abc", "00".repeat(32));
        assert_eq!(verify(&header, body, "whsec_test", 1_200), Ok(()));
        assert_eq!(
            verify(&header, body, "whsec_test", 1_301),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify(&header, b"{\"id\":\"evt_2\"}", "whsec_test", 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, body, "whsec_other", 1_000),
            Err(SignatureError::Mismatch)
        );
        for malformed in ["", "t=1000", &format!("v1={good}"), "t=x,v1=zz"] {
            assert_eq!(
                verify(malformed, body, "whsec_test", 1_000),
                Err(SignatureError::Malformed),
                "{malformed}"
            );
        }
    }
}
