//! One error type for the whole API: a category (`extensions.code`, HTTP status), a stable
//! reason code, and a French message. Internal causes are logged, never shown.

use async_graphql::ErrorExtensions;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use commands::CommandError;
use domain::{DomainError, ErrorKind};

mod from_commands;

///
/// Deliberately not `Display`: async-graphql converts any `Display` into an error without
/// extensions, so a resolver's `?` would silently drop the code. Without it, `?` goes
/// through our `From` below.
#[derive(Debug)]
pub struct ApiError {
    kind: ErrorKind,
    reason: &'static str,
    message: String,
    /// Structured facts the client can act on (the matching clients of a duplicate…).
    /// Boxed, like `throttle`: rare, and errors are kept small.
    details: Option<Box<serde_json::Value>>,
    /// The input it refuses, as a path (`input.lines.0.quantity`, `width_mm`), so a form can
    /// point at the field.
    field: Option<String>,
    /// A spent per-user or per-workspace budget: `Retry-After` and `RateLimit-*` headers.
    /// Boxed: errors travel in every `Result` of the API, kept small.
    throttle: Option<Box<crate::limits::Throttled>>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What users read when we failed: the cause stays in the logs with the request id.
const INTERNAL_MESSAGE: &str =
    "une erreur interne est survenue ; elle a été enregistrée, veuillez réessayer plus tard";

impl ApiError {
    pub fn new(kind: ErrorKind, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            reason,
            message: message.into(),
            details: None,
            field: None,
            throttle: None,
            cause: None,
        }
    }

    /// A refusal of a spent budget: the response says when to come back.
    pub fn with_throttle(mut self, throttle: crate::limits::Throttled) -> Self {
        self.throttle = Some(Box::new(throttle));
        self
    }

    /// Adds `Retry-After` and the IETF draft's `RateLimit-*` headers of a spent budget to
    /// `response` (REST and `/graphql` alike).
    pub fn add_throttle_headers(&self, response: &mut Response) {
        let Some(throttle) = &self.throttle else {
            return;
        };
        let seconds = throttle.retry_after_seconds().to_string();
        for (name, value) in [
            ("retry-after", seconds.clone()),
            ("ratelimit-limit", throttle.limit.to_string()),
            ("ratelimit-remaining", "0".to_owned()),
            ("ratelimit-reset", seconds),
            ("ratelimit-policy", format!("{};w=60", throttle.limit)),
        ] {
            if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
    }

    /// Adds `extensions.details` to the GraphQL error.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// Adds `extensions.field` (GraphQL) or `field` (REST): the refused input's path.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            kind: ErrorKind::Internal,
            reason: "INTERNAL",
            message: INTERNAL_MESSAGE.to_owned(),
            details: None,
            field: None,
            throttle: None,
            cause: Some(cause.into()),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// The refused input's path, if the error names one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The French message shown to users.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn status(&self) -> StatusCode {
        match self.kind {
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs once, where the error leaves the system: internal failures as errors (a human
    /// must act), refusals as info.
    fn log(&self) {
        match (&self.kind, &self.cause) {
            (ErrorKind::Internal, Some(cause)) => {
                tracing::error!(error.cause_chain = ?cause, reason = self.reason, "internal error")
            }
            _ => tracing::info!(
                code = self.kind.as_str(),
                reason = self.reason,
                "request refused"
            ),
        }
    }
}

impl<E: DomainError> From<CommandError<E>> for ApiError {
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Store(cause) => Self::internal(cause),
            refused => Self::new(refused.kind(), refused.code(), refused.to_string()),
        }
    }
}

impl ApiError {
    /// A domain refusal: its category, its code and its French message.
    pub fn domain(error: &impl DomainError) -> Self {
        Self::new(error.kind(), error.code(), error.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match projections::tenant::parked_read_models(&error) {
            Some(read_models) => Self::read_model_parked(&read_models),
            None => Self::internal(error),
        }
    }
}

impl ApiError {
    /// A read of a workspace whose read model is parked: logged once when it parked, so
    /// not again here. After this request's own write, the message says it is recorded.
    fn read_model_parked(read_models: &str) -> Self {
        let recorded = crate::warnings::write_recorded();
        let message = if recorded {
            "l'opération est bien enregistrée, ne la refaites pas ; son affichage est \
             momentanément indisponible (données en cours de reprise par l'équipe technique)"
        } else {
            "les données de cet atelier sont momentanément indisponibles (en cours de reprise \
             par l'équipe technique, déjà prévenue) ; rien n'est perdu"
        };
        Self::new(
            ErrorKind::Internal,
            crate::warnings::READ_MODEL_PARKED,
            message,
        )
        .with_details({
            // The ids and numbers the command decided: what the screen would have shown.
            let mut details = crate::warnings::recorded_details()
                .unwrap_or_else(|| serde_json::json!({ "recorded": null, "known": null }));
            details["readModels"] = read_models.into();
            details["writeRecorded"] = recorded.into();
            details
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        error.log();
        async_graphql::Error::new(error.message.clone()).extend_with(|_, extensions| {
            extensions.set("code", error.kind.as_str());
            extensions.set("reason", error.reason);
            if let Some(field) = &error.field {
                extensions.set("field", field.as_str());
            }
            if let Some(details) = &error.details {
                if let Ok(value) = async_graphql::Value::from_json(details.as_ref().clone()) {
                    extensions.set("details", value);
                }
            }
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut body = serde_json::json!({
            "code": self.kind.as_str(),
            "reason": self.reason,
            "message": self.message,
        });
        if let Some(field) = &self.field {
            body["field"] = field.as_str().into();
        }
        let mut response = (self.status(), axum::Json(body)).into_response();
        self.add_throttle_headers(&mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_status() {
        for (kind, status) in [
            (ErrorKind::Unauthenticated, 401),
            (ErrorKind::Forbidden, 403),
            (ErrorKind::NotFound, 404),
            (ErrorKind::Validation, 422),
            (ErrorKind::Conflict, 409),
            (ErrorKind::RateLimited, 429),
            (ErrorKind::Internal, 500),
        ] {
            assert_eq!(
                ApiError::new(kind, "X", "x").status().as_u16(),
                status,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let error = ApiError::internal("password authentication failed for user app");
        let graphql: async_graphql::Error = error.into();
        assert!(!graphql.message.contains("password"));
        let extensions = graphql.extensions.expect("extensions");
        assert_eq!(
            extensions.get("code"),
            Some(&async_graphql::Value::from("INTERNAL"))
        );
    }
}
