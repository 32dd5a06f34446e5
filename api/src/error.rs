//! One error type for the whole API: a category (`extensions.code`, HTTP status), a stable
//! reason code, and a French message. Internal causes are logged, never shown.

use async_graphql::ErrorExtensions;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use commands::CommandError;
use domain::{DomainError, ErrorKind};

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

impl From<commands::documents::image_check::ImageCheckError> for ApiError {
    fn from(error: commands::documents::image_check::ImageCheckError) -> Self {
        use commands::documents::image_check::ImageCheckError;
        match error {
            ImageCheckError::Interrupted(cause) => Self::internal(cause),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::powder_stock::PowderStockError> for ApiError {
    fn from(error: commands::powder_stock::PowderStockError) -> Self {
        use commands::powder_stock::PowderStockError;
        match error {
            PowderStockError::Movement(error) => error.into(),
            PowderStockError::Database(error) => error.into(),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::quote_sending::QuoteSendingError> for ApiError {
    fn from(error: commands::quote_sending::QuoteSendingError) -> Self {
        use commands::quote_sending::QuoteSendingError;
        match error {
            QuoteSendingError::Image(error) => error.into(),
            QuoteSendingError::Quote(error) => error.into(),
            QuoteSendingError::Database(error) => error.into(),
            QuoteSendingError::Drawing(cause) => Self::internal(cause),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::quote::QuoteSaveError> for ApiError {
    fn from(error: commands::quote::QuoteSaveError) -> Self {
        use commands::quote::QuoteSaveError;
        match error {
            QuoteSaveError::Quote(error) => error.into(),
            QuoteSaveError::Database(error) => error.into(),
            QuoteSaveError::Append(commands::AppendError::Store(error)) => error.into(),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::invoicing::BillingSaveError> for ApiError {
    fn from(error: commands::invoicing::BillingSaveError) -> Self {
        use commands::invoicing::BillingSaveError;
        match error {
            // Only a payment names a method: the refusal points at its field.
            BillingSaveError::MethodNotAllowed(error) => {
                Self::domain(&error).with_field("input.method")
            }
            BillingSaveError::Billing(error) => error.into(),
            BillingSaveError::Database(error) => error.into(),
            BillingSaveError::Commit(commands::AppendError::Conflict) => {
                Self::domain(&BillingSaveError::Commit(commands::AppendError::Conflict))
            }
            BillingSaveError::Commit(error) => Self::internal(error.to_string()),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::invoice_settings::InvoiceSettingsSaveError> for ApiError {
    fn from(error: commands::invoice_settings::InvoiceSettingsSaveError) -> Self {
        use commands::invoice_settings::InvoiceSettingsSaveError;
        match error {
            InvoiceSettingsSaveError::Settings(error) => error.into(),
            InvoiceSettingsSaveError::Database(error) => error.into(),
            InvoiceSettingsSaveError::StripeAccountTaken => {
                Self::domain(&error).with_field("input.stripeAccount")
            }
            InvoiceSettingsSaveError::Commit(commands::AppendError::Conflict) => {
                Self::domain(&error)
            }
            InvoiceSettingsSaveError::Commit(error) => Self::internal(error.to_string()),
        }
    }
}

impl From<commands::payment_links::PaymentLinkError> for ApiError {
    fn from(error: commands::payment_links::PaymentLinkError) -> Self {
        use commands::payment_links::PaymentLinkError;
        match error {
            PaymentLinkError::Billing(error) => error.into(),
            // Stripe's answer is logged, not shown: the user can only try again.
            PaymentLinkError::Provider(cause) => {
                tracing::warn!(%cause, "Stripe refused a checkout session");
                Self::new(
                    ErrorKind::Internal,
                    "PAYMENT_PROVIDER_UNAVAILABLE",
                    "Stripe n'a pas pu créer le lien de paiement, réessayez dans un instant",
                )
            }
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::pennylane::ConnectionError> for ApiError {
    fn from(error: commands::pennylane::ConnectionError) -> Self {
        use commands::pennylane::ConnectionError;
        match error {
            ConnectionError::Database(cause) => cause.into(),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::account::AccountError> for ApiError {
    fn from(error: commands::account::AccountError) -> Self {
        use commands::account::AccountError;
        match error {
            AccountError::Database(cause) => Self::internal(cause),
            AccountError::Hashing(cause) => Self::internal(cause),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::session::SessionError> for ApiError {
    fn from(error: commands::session::SessionError) -> Self {
        use commands::session::SessionError;
        match error {
            SessionError::Database(cause) => Self::internal(cause),
            SessionError::Invalid => Self::new(
                ErrorKind::Unauthenticated,
                "SESSION_INVALID",
                SessionError::Invalid.to_string(),
            ),
            SessionError::Bound(bound) => Self::domain(&bound),
        }
    }
}

impl From<commands::two_factor::TwoFactorError> for ApiError {
    fn from(error: commands::two_factor::TwoFactorError) -> Self {
        use commands::two_factor::TwoFactorError;
        match error {
            TwoFactorError::Database(cause) => Self::internal(cause),
            TwoFactorError::Totp(cause) => Self::internal(cause),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::onboarding::SignUpError> for ApiError {
    fn from(error: commands::onboarding::SignUpError) -> Self {
        use commands::onboarding::SignUpError;
        match error {
            SignUpError::Account(error) => error.into(),
            SignUpError::Workspace(error) => error.into(),
        }
    }
}

impl From<commands::email_token::TokenError> for ApiError {
    fn from(error: commands::email_token::TokenError) -> Self {
        match error {
            commands::email_token::TokenError::Database(cause) => Self::internal(cause),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::invitation::InvitationError> for ApiError {
    fn from(error: commands::invitation::InvitationError) -> Self {
        use commands::invitation::InvitationError;
        match error {
            InvitationError::Workspace(error) => error.into(),
            InvitationError::Token(error) => error.into(),
            refused @ InvitationError::Commit(commands::AppendError::Conflict) => {
                Self::domain(&refused)
            }
            InvitationError::Commit(cause) => Self::internal(cause),
            InvitationError::Database(cause) => cause.into(),
        }
    }
}

impl From<commands::portal::PortalLinkError> for ApiError {
    fn from(error: commands::portal::PortalLinkError) -> Self {
        match error {
            commands::portal::PortalLinkError::Database(cause) => cause.into(),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::joining::JoinError> for ApiError {
    fn from(error: commands::joining::JoinError) -> Self {
        use commands::joining::JoinError;
        match error {
            JoinError::Token(error) => error.into(),
            JoinError::Workspace(error) => error.into(),
            JoinError::Client(error) => error.into(),
            JoinError::Invitation(error) => error.into(),
            JoinError::Portal(error) => error.into(),
            JoinError::Email(error) => Self::domain(&error),
            JoinError::Account(error) => error.into(),
            JoinError::TwoFactor(error) => error.into(),
            JoinError::Database(cause) => cause.into(),
            JoinError::Internal(cause) => Self::internal(cause),
        }
    }
}

impl From<commands::project::ProjectSaveError> for ApiError {
    fn from(error: commands::project::ProjectSaveError) -> Self {
        use commands::project::ProjectSaveError;
        match error {
            ProjectSaveError::Project(error) => error.into(),
            ProjectSaveError::Database(error) => error.into(),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::oven_batch::BatchSaveError> for ApiError {
    fn from(error: commands::oven_batch::BatchSaveError) -> Self {
        use commands::oven_batch::BatchSaveError;
        use commands::AppendError;
        match error {
            BatchSaveError::Batch(error) => error.into(),
            BatchSaveError::Project(error) => error.into(),
            BatchSaveError::Database(error) => error.into(),
            BatchSaveError::Commit(AppendError::Conflict) => {
                Self::domain(&BatchSaveError::Commit(AppendError::Conflict))
            }
            BatchSaveError::Commit(error) => Self::internal(error.to_string()),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::client::SaveError> for ApiError {
    /// A duplicate warning needs the matching clients' sheets, read by the caller
    /// (`graphql::client`) before it lets the rest through here.
    fn from(error: commands::client::SaveError) -> Self {
        use commands::client::SaveError;
        match error {
            SaveError::Command(error) => error.into(),
            SaveError::Database(error) => error.into(),
            SaveError::Duplicates(_) => Self::internal("client duplicates left unread"),
        }
    }
}

impl From<commands::client::MergeError> for ApiError {
    fn from(error: commands::client::MergeError) -> Self {
        use commands::client::MergeError;
        use commands::AppendError;
        match error {
            MergeError::Command(error) => error.into(),
            MergeError::Append(AppendError::Conflict) => Self::new(
                ErrorKind::Conflict,
                "CONCURRENT_MODIFICATION",
                AppendError::Conflict.to_string(),
            ),
            MergeError::Append(error) => Self::internal(error),
        }
    }
}

impl From<commands::client_import::PreviewError> for ApiError {
    fn from(error: commands::client_import::PreviewError) -> Self {
        use commands::client_import::PreviewError;
        match error {
            PreviewError::File(error) => Self::domain(&error),
            PreviewError::Database(error) => error.into(),
        }
    }
}

impl From<commands::client_import::ConfirmError> for ApiError {
    fn from(error: commands::client_import::ConfirmError) -> Self {
        use commands::client_import::ConfirmError;
        match error {
            ConfirmError::Preview(error) => error.into(),
            ConfirmError::Client(error) => error.into(),
            ConfirmError::Append(commands::AppendError::Store(error)) => error.into(),
            refused => Self::domain(&refused),
        }
    }
}

impl From<commands::powder_import::ImportError> for ApiError {
    fn from(error: commands::powder_import::ImportError) -> Self {
        Self::domain(&error)
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
