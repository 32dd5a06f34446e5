//! Error categories shared by every boundary (DESIGN.md §4).

/// The category of a refusal; it becomes GraphQL `extensions.code` and the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Unauthenticated,
    Forbidden,
    NotFound,
    Validation,
    Conflict,
    RateLimited,
    Internal,
}

impl ErrorKind {
    /// The stable string clients match on.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Validation => "VALIDATION",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal => "INTERNAL",
        }
    }

    pub const ALL: [ErrorKind; 7] = [
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::Validation,
        Self::Conflict,
        Self::RateLimited,
        Self::Internal,
    ];
}

/// What every aggregate error tells the outside: a French message (its `Display`),
/// a stable reason code and a category.
pub trait DomainError: std::error::Error + Send + Sync + 'static {
    /// Stable, upper-snake reason, e.g. `WORKSPACE_NAME_EMPTY`. Codes are contract.
    fn code(&self) -> &'static str;
    fn kind(&self) -> ErrorKind;
}

/// The error of aggregates that never refuse (counters, reviews, settings that only record):
/// cqrs-es wants an error type all the same.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("jamais")]
pub struct Never;

impl DomainError for Never {
    fn code(&self) -> &'static str {
        "NEVER"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
