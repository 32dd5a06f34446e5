//! Routes: `/graphql` (GraphQL over HTTP: POST, GET for queries, GraphiQL for a browser),
//! `/health`, `/ready`, `/metrics`.

mod batch_files;
pub mod client_address;
mod client_export;
mod export;
mod exports;
mod extract;
mod graphql_http;
mod metrics;
pub mod metrics_access;
mod photos;
mod project_files;
mod quote_pdf;
mod request;
pub mod request_size;
pub mod stripe_webhook;

pub use metrics::Metrics;
pub use request::RequestContext;

use async_graphql::http::GraphiQLSource;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Extension, Router};

use crate::app::AppState;
use crate::auth;
use crate::graphql::editor::EditorSchema;
use crate::graphql::AppSchema;
use graphql_http::MediaType;
use request_size::Refusal;

pub fn router(state: AppState, schema: AppSchema, editor_schema: EditorSchema) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .route("/editor/graphql", post(editor_graphql))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/api/v1/audit-log.csv", get(export::audit_log_csv))
        .route("/api/v1/clients.csv", get(client_export::clients_csv))
        .route("/api/v1/quotes/{file}", get(quote_pdf::quote_pdf_file))
        .route(
            "/api/v1/quotes/{quote_id}/documents/{file}",
            get(quote_pdf::stored_document),
        )
        .route(
            "/api/v1/projects/{project_id}/{file}",
            get(project_files::project_file).post(photos::upload).layer(
                // A 10 MB photo and its form fields.
                axum::extract::DefaultBodyLimit::max(
                    workers::photo_renditions::MAX_UPLOAD_BYTES + 64 * 1024,
                ),
            ),
        )
        .route(
            "/api/v1/batches/{batch_id}/{file}",
            get(batch_files::batch_file),
        )
        .route(
            "/api/v1/invoices/{invoice_id}/{file}",
            get(exports::invoice_file),
        )
        .route("/api/v1/exports/{file}", get(exports::export))
        .route("/api/v1/receipts/{sha256}", get(exports::receipt))
        .route("/webhooks/stripe", post(stripe_webhook::stripe_webhook))
        .route(
            "/api/v1/photos/{workspace_id}/{photo_id}/{name}",
            get(photos::download),
        )
        // Every route but `/graphql` (read in `request_size`) and the photos (their own
        // limit above) reads at most what a request without a session may send.
        .layer(axum::extract::DefaultBodyLimit::max(
            state.body_limits.anonymous_bytes,
        ))
        .layer(middleware::map_response(request_size::json_refusals))
        .layer(Extension(schema))
        .layer(Extension(editor_schema))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request::observe,
        ))
        // Outermost: the whole request runs where its connections learn its workspace.
        .layer(middleware::from_fn(scope_request))
        .with_state(state)
}

/// Each request in a scope of its own (`db::serve_request`).
async fn scope_request(request: axum::extract::Request, next: middleware::Next) -> Response {
    crate::db::serve_request(next.run(request)).await
}

/// `POST /graphql`: the body is read once the caller is known (`request_size`).
async fn graphql(
    State(state): State<AppState>,
    Extension(schema): Extension<AppSchema>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    answer_post(&state, &schema, context, &headers, body).await
}

/// `POST /editor/graphql`: the editor's back office, read and answered as `/graphql` is.
async fn editor_graphql(
    State(state): State<AppState>,
    Extension(schema): Extension<EditorSchema>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    answer_post(&state, &schema, context, &headers, body).await
}

/// A GraphQL `POST` to `schema`: the caller first, then the body within its size.
async fn answer_post<Query, Mutation>(
    state: &AppState,
    schema: &async_graphql::Schema<Query, Mutation, async_graphql::EmptySubscription>,
    context: RequestContext,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Response
where
    Query: async_graphql::ObjectType + 'static,
    Mutation: async_graphql::ObjectType + 'static,
{
    let media = MediaType::negotiate(headers);
    let (authentication, limit) = match authenticate(state, headers).await {
        Ok(known) => known,
        Err(throttled) => return media.label(throttled),
    };
    if let Err(refusal) = request_size::json_body(headers) {
        return media.label(refusal.into_response());
    }
    let request = match request_size::read_graphql(headers, body, limit).await {
        Ok(request) => request,
        Err(refusal) => return media.label(refusal.into_response()),
    };
    execute(schema, request, context, authentication, media).await
}

/// `GET /graphql`: a query in the query string, as GraphQL over HTTP allows, or GraphiQL
/// for a person's browser that names no query (when `GRAPHQL_INTROSPECTION` allows it).
async fn graphql_get(
    State(state): State<AppState>,
    Extension(schema): Extension<AppSchema>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    RawQuery(parameters): RawQuery,
) -> Response {
    let parameters = parameters.as_deref();
    if state.graphql_introspection
        && !graphql_http::names_query(parameters)
        && graphql_http::accepts_html(&headers)
    {
        return graphiql();
    }
    let media = MediaType::negotiate(&headers);
    let (authentication, _) = match authenticate(&state, &headers).await {
        Ok(known) => known,
        Err(throttled) => return media.label(throttled),
    };
    let mut request = match graphql_http::read_get(parameters) {
        Ok(request) => request,
        Err(refusal) => return media.label(refusal.into_response()),
    };
    if graphql_http::writes(&mut request) {
        return media.label(Refusal::MutationOverGet.into_response());
    }
    let mut response = execute(&schema, request, context, authentication, media).await;
    // Unlike a POST, a GET's answer may be kept by a cache: what a signed-in query read
    // must not be.
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Who asks, and so how much a body may carry: the token is checked before anything is
/// read. A spent budget answers at once.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(auth::Authentication, usize), Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let authentication = state.authenticate(authorization).await;
    let limit = match &authentication {
        auth::Authentication::Actor(_) => state.body_limits.signed_in_bytes,
        auth::Authentication::Throttled(throttled) => return Err(throttled_graphql(throttled)),
        _ => state.body_limits.anonymous_bytes,
    };
    Ok((authentication, limit))
}

/// Runs one request as its caller and answers it in `media`, warnings beside the data.
async fn execute<Query, Mutation>(
    schema: &async_graphql::Schema<Query, Mutation, async_graphql::EmptySubscription>,
    request: async_graphql::Request,
    context: RequestContext,
    authentication: auth::Authentication,
    media: MediaType,
) -> Response
where
    Query: async_graphql::ObjectType + 'static,
    Mutation: async_graphql::ObjectType + 'static,
{
    let request = request.data(context).data(authentication);
    let (mut response, warnings) = crate::warnings::collect(schema.execute(request)).await;
    for error in &mut response.errors {
        label_engine_error(error);
    }
    if !warnings.is_empty() {
        let list = warnings
            .into_iter()
            .map(|warning| {
                let mut entry = async_graphql::indexmap::IndexMap::new();
                entry.insert(async_graphql::Name::new("code"), warning.code.into());
                entry.insert(async_graphql::Name::new("message"), warning.message.into());
                if let Some(details) = warning
                    .details
                    .and_then(|details| async_graphql::Value::from_json(details).ok())
                {
                    entry.insert(async_graphql::Name::new("details"), details);
                }
                async_graphql::Value::Object(entry)
            })
            .collect();
        response
            .extensions
            .insert("warnings".to_owned(), async_graphql::Value::List(list));
    }
    graphql_http::respond(response, media)
}

/// A spent budget before anything is read: 429 with `Retry-After` and `RateLimit-*`, the
/// body a GraphQL error list like any other answer of `/graphql`.
fn throttled_graphql(throttled: &crate::limits::Throttled) -> Response {
    let error = throttled.error();
    let body = serde_json::json!({
        "errors": [{
            "message": error.message(),
            "extensions": { "code": error.kind().as_str(), "reason": error.reason() },
        }]
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    error.add_throttle_headers(&mut response);
    response
}

/// Errors raised by the GraphQL engine itself (syntax, unknown field, limits) carry no code:
/// they are invalid requests. Give them the same shape as ours, in French; the engine's
/// English wording stays in `extensions.detail` for whoever writes the query. Refused input
/// values were already reworded by `graphql::input_errors` and carry their code.
fn label_engine_error(error: &mut async_graphql::ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", domain::ErrorKind::Validation.as_str());
        extensions.set("reason", "GRAPHQL_REQUEST_INVALID");
        extensions.set("detail", error.message.as_str());
        error.message = engine_message_in_french(&error.message);
    }
}

/// The engine's frequent request errors in French; the rest as a plain "invalid request".
fn engine_message_in_french(message: &str) -> String {
    let quoted = |text: &str| -> Option<(String, String)> {
        let inner = text.strip_prefix('"')?;
        let end = inner.find('"')?;
        Some((inner[..end].to_owned(), inner[end + 1..].to_owned()))
    };
    let known = if let Some(rest) = message.strip_prefix("Unknown field ") {
        quoted(rest).and_then(|(field, rest)| {
            let (ty, _) = quoted(rest.strip_prefix(" on type ")?)?;
            Some(format!(
                "le champ « {field} » n'existe pas sur le type « {ty} »"
            ))
        })
    } else if let Some(rest) = message.strip_prefix("Unknown argument ") {
        quoted(rest).and_then(|(argument, rest)| {
            let (field, _) = quoted(rest.strip_prefix(" on field ")?)?;
            Some(format!(
                "l'argument « {argument} » n'existe pas sur le champ « {field} »"
            ))
        })
    } else if message == "Query is too complex." {
        Some(format!(
            "requête trop complexe (au plus {} points)",
            crate::graphql::MAX_COMPLEXITY
        ))
    } else if message == "Query is nested too deep." {
        Some(format!(
            "requête trop imbriquée (au plus {} niveaux)",
            crate::graphql::MAX_DEPTH
        ))
    } else if message.starts_with(" --> ") {
        Some("syntaxe GraphQL incorrecte".to_owned())
    } else {
        None
    };
    match known {
        Some(known) => format!("requête GraphQL invalide : {known}"),
        None => "requête GraphQL invalide".to_owned(),
    }
}

fn graphiql() -> Response {
    let mut page = Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    page.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    page
}

/// Liveness: the process answers. Says nothing of the database on purpose, so a database
/// outage does not get every instance restarted.
async fn health() -> &'static str {
    "ok"
}

/// Readiness: this instance can serve (the database answers).
async fn ready(State(state): State<AppState>) -> Response {
    match projections::database::answers(&state.pool).await {
        Ok(_) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "not ready: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// The router of `METRICS_ADDR`: `/metrics` alone.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(private_metrics))
        .with_state(state)
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = state.metrics_access.check_public(&headers) {
        return refused.into_response();
    }
    render_metrics(&state).await
}

async fn private_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = state.metrics_access.check_token(&headers) {
        return refused.into_response();
    }
    render_metrics(&state).await
}

async fn render_metrics(state: &AppState) -> Response {
    match state.metrics.render(&state.projector).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => crate::ApiError::internal(error).into_response(),
    }
}
