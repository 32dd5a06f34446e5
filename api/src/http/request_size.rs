//! How much one request may carry (ASVS 4.0.3, 12.1.1 and 13.1). async-graphql-axum reads a
//! `/graphql` body as a stream, so axum's `DefaultBodyLimit` never applies to it: a 300 MB
//! anonymous query was read whole. `/graphql` bodies are read here instead, up to a limit
//! that depends on who asks: nobody signed in needs more than a login or a sign-up form,
//! while a signed-in user sends signatures, logos and receipts (1 MiB each, a third more in
//! base64) or a client file to import (5 MiB). Every other route keeps axum's limit, set from
//! the same configuration; a refusal there is reworded as JSON like ours.
//!
//! A `GET /graphql` carries its request in the query string (`http::graphql_http`): it
//! goes through the same checks once read.

use async_graphql::{BatchRequest, Request};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Without a session: login, sign-up, password reset, invitation acceptance.
pub const ANONYMOUS_BODY_BYTES: usize = 1024 * 1024;
/// Signed in: a client file of `MAX_FILE_BYTES` in base64 with its query fits.
pub const SIGNED_IN_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The query text alone: the largest the web client sends is a few KiB, an introspection
/// query about 3 KiB; the values travel in `variables`.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// `BODY_LIMIT_ANONYMOUS_BYTES` and `BODY_LIMIT_SIGNED_IN_BYTES` (docs/operations.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    pub anonymous_bytes: usize,
    pub signed_in_bytes: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            anonymous_bytes: ANONYMOUS_BODY_BYTES,
            signed_in_bytes: SIGNED_IN_BODY_BYTES,
        }
    }
}

/// Why a `/graphql` request was not even run; answered as a GraphQL error list, with the
/// `code`/`reason` shape of every other refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    TooLarge {
        limit: usize,
    },
    Unreadable,
    /// A POST body not said to be JSON: GraphQL over HTTP asks for `application/json`, and
    /// a `text/plain` body is what a cross-site form can post without asking.
    NotJson,
    /// No `query`, or an empty one: not a GraphQL request at all.
    MissingQuery,
    /// A `GET`'s `variables` or `extensions` that is not a JSON object.
    UnreadableParameter {
        name: &'static str,
    },
    QueryTooLong,
    /// Batches are not served: each operation is checked for complexity on its own, so a
    /// batch would multiply the work one request may ask for.
    Batch {
        operations: usize,
    },
    /// A mutation over `GET`, which GraphQL over HTTP forbids (405): a link followed or
    /// prefetched must never write.
    MutationOverGet,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MutationOverGet => StatusCode::METHOD_NOT_ALLOWED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "REQUEST_TOO_LARGE",
            Self::Unreadable | Self::MissingQuery | Self::UnreadableParameter { .. } => {
                "GRAPHQL_REQUEST_INVALID"
            }
            Self::NotJson => "GRAPHQL_CONTENT_TYPE_UNSUPPORTED",
            Self::QueryTooLong => "GRAPHQL_QUERY_TOO_LONG",
            Self::Batch { .. } => "GRAPHQL_BATCH_REFUSED",
            Self::MutationOverGet => "GRAPHQL_MUTATION_OVER_GET",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::TooLarge { limit } => format!(
                "requête trop volumineuse : le corps dépasse {}",
                size_in_french(*limit)
            ),
            Self::Unreadable => {
                "requête GraphQL invalide : le corps n'est pas un JSON GraphQL lisible".to_owned()
            }
            Self::NotJson => "requête GraphQL invalide : le corps s'envoie en JSON \
                              (Content-Type: application/json)"
                .to_owned(),
            Self::MissingQuery => {
                "requête GraphQL invalide : le paramètre « query » manque".to_owned()
            }
            Self::UnreadableParameter { name } => {
                format!("requête GraphQL invalide : le paramètre « {name} » n'est pas un objet JSON lisible")
            }
            Self::QueryTooLong => format!(
                "requête GraphQL invalide : le texte de la requête (« query ») dépasse {} ; \
                 passez les valeurs dans « variables »",
                size_in_french(MAX_QUERY_BYTES)
            ),
            Self::Batch { operations } => format!(
                "requête GraphQL invalide : {operations} opérations dans un lot ; envoyez une \
                 opération par requête"
            ),
            Self::MutationOverGet => {
                "requête GraphQL invalide : une mutation s'envoie en POST, jamais en GET".to_owned()
            }
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        tracing::info!(reason = self.reason(), "request refused before execution");
        let body = json!({
            "errors": [{
                "message": self.message(),
                "extensions": { "code": "VALIDATION", "reason": self.reason() },
            }]
        });
        let mut response = (self.status(), Json(body)).into_response();
        if self == Self::MutationOverGet {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

fn size_in_french(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} Mio", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} Kio", bytes / 1024)
    } else {
        format!("{bytes} octets")
    }
}

/// Whether a POST says its body is JSON (`application/json`, any parameters): the body is
/// then read as such.
pub fn json_body(headers: &HeaderMap) -> Result<(), Refusal> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    match media {
        Some(media) if media.eq_ignore_ascii_case("application/json") => Ok(()),
        _ => Err(Refusal::NotJson),
    }
}

/// Reads and parses a `/graphql` body of at most `limit` bytes: refused from
/// `Content-Length` before reading when it says too much, and while reading when a chunked
/// body goes past it, so at most `limit` bytes are ever held.
pub async fn read_graphql(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Request, Refusal> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(Refusal::TooLarge { limit });
    }
    let bytes =
        axum::body::to_bytes(body, limit)
            .await
            .map_err(|error| match is_length_limit(&error) {
                true => Refusal::TooLarge { limit },
                false => Refusal::Unreadable,
            })?;
    let request = match serde_json::from_slice(&bytes) {
        Ok(BatchRequest::Single(request)) => request,
        Ok(BatchRequest::Batch(list)) => {
            return Err(Refusal::Batch {
                operations: list.len(),
            })
        }
        Err(_) => return Err(Refusal::Unreadable),
    };
    checked(request)
}

/// What every `/graphql` request must be, however it came (a POST body, a GET's query
/// string): a query text, of a sensible size.
pub fn checked(request: Request) -> Result<Request, Refusal> {
    if request.query.is_empty() {
        return Err(Refusal::MissingQuery);
    }
    if request.query.len() > MAX_QUERY_BYTES {
        return Err(Refusal::QueryTooLong);
    }
    Ok(request)
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = current.source();
    }
    false
}

/// axum answers its own body-limit refusals (the webhook's `Bytes`, the photos' multipart)
/// in plain text: the same refusal in our JSON shape.
pub async fn json_refusals(response: Response) -> Response {
    let plain_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/plain"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || !plain_text {
        return response;
    }
    let body = json!({
        "code": "VALIDATION",
        "reason": "REQUEST_TOO_LARGE",
        "message": "requête trop volumineuse",
    });
    let mut refused = (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response();
    refused.headers_mut().insert(
        header::CONNECTION,
        // The rest of the body is not read: the connection cannot serve another request.
        HeaderValue::from_static("close"),
    );
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(body: impl Into<Body>, limit: usize) -> Result<Request, Refusal> {
        read_graphql(&HeaderMap::new(), body.into(), limit).await
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_refused_even_without_a_length() {
        let query = json!({ "query": "{ a }", "variables": { "x": "y".repeat(2000) } });
        let text = query.to_string();
        assert!(read(text.clone(), text.len()).await.is_ok());
        assert_eq!(
            read(text.clone(), text.len() - 1).await.err(),
            Some(Refusal::TooLarge {
                limit: text.len() - 1
            })
        );
        // A stream of chunks with no Content-Length: cut while reading.
        let chunks =
            futures_util::stream::iter((0..100).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
        assert_eq!(
            read(Body::from_stream(chunks), 10 * 1024).await.err(),
            Some(Refusal::TooLarge { limit: 10 * 1024 })
        );
        let mut announced = HeaderMap::new();
        announced.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("4000000000"),
        );
        assert_eq!(
            read_graphql(&announced, Body::from("{}"), 1024).await.err(),
            Some(Refusal::TooLarge { limit: 1024 })
        );
    }

    #[tokio::test]
    async fn one_operation_per_request_and_a_query_text_of_a_sensible_size() {
        let one = json!({ "query": "{ a }" });
        assert!(read(one.to_string(), 1 << 20).await.is_ok());
        assert_eq!(
            read(json!([one, one, one]).to_string(), 1 << 20)
                .await
                .err(),
            Some(Refusal::Batch { operations: 3 })
        );
        let long = json!({ "query": format!("{{ a }}{}", " ".repeat(MAX_QUERY_BYTES)) });
        assert_eq!(
            read(long.to_string(), 1 << 20).await.err(),
            Some(Refusal::QueryTooLong)
        );
        assert_eq!(
            read("pas du json", 1 << 20).await.err(),
            Some(Refusal::Unreadable)
        );
        for without_query in [json!({ "variables": {} }), json!({ "query": "" })] {
            assert_eq!(
                read(without_query.to_string(), 1 << 20).await.err(),
                Some(Refusal::MissingQuery)
            );
        }
    }

    #[test]
    fn a_post_body_is_said_to_be_json() {
        for (content_type, accepted) in [
            (Some("application/json"), true),
            (Some("Application/JSON; charset=utf-8"), true),
            (Some("text/plain;charset=UTF-8"), false),
            (Some("application/x-www-form-urlencoded"), false),
            (None, false),
        ] {
            let mut headers = HeaderMap::new();
            if let Some(content_type) = content_type {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            assert_eq!(json_body(&headers).is_ok(), accepted, "{content_type:?}");
        }
    }

    #[test]
    fn sizes_read_in_french() {
        assert_eq!(size_in_french(1024 * 1024), "1 Mio");
        assert_eq!(size_in_french(64 * 1024), "64 Kio");
        assert_eq!(size_in_french(1000), "1000 octets");
    }
}
