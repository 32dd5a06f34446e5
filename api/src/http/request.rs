use std::net::{IpAddr, SocketAddr};

use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use uuid::Uuid;

use crate::app::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Facts about the HTTP request that commands record in their metadata.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub ip: Option<IpAddr>,
    /// As sent, cut to 512 characters: the signature journal keeps it.
    pub user_agent: Option<String>,
}

/// Gives every request an id (the caller's `x-request-id` when sane), a span carrying it
/// and the workspace once known, and its count and latency in `/metrics`.
pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_sane_request_id(value))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string());
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| state.trusted_proxies.client(addr.ip(), request.headers()));
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route,
        workspace_id = tracing::field::Empty,
    );
    let user_agent = request
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|agent| agent.chars().take(512).collect());
    request.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        ip,
        user_agent,
    });
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    state
        .metrics
        .observe_request(&method, &route, status, started.elapsed());
    span.in_scope(|| tracing::debug!(status, "request served"));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// A request id ends up in logs and event metadata: accept only short, plain tokens.
fn is_sane_request_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' || byte == b'.'
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids() {
        for (input, sane) in [
            ("0192f1e4-7c3a-7b2e-9d11-1f2e3d4c5b6a", true),
            ("req_42.retry", true),
            ("", false),
            ("a b", false),
            ("line\nbreak", false),
            (&"x".repeat(65), false),
        ] {
            assert_eq!(super::is_sane_request_id(input), sane, "{input:?}");
        }
    }
}
