//! A write-side refusal as an API error: each flow of `commands` keeps its own error type
//! (what it can refuse, and its store failures); here each one gets its category, its
//! stable code and its French message, and a store failure stays internal (logged, never
//! shown).

use domain::ErrorKind;

use super::ApiError;

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
            JoinError::Editor => Self::new(
                ErrorKind::Conflict,
                "EDITOR_IS_A_MEMBER",
                JoinError::Editor.to_string(),
            ),
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
