use domain::{DomainError, ErrorKind};

/// Why a command wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: DomainError> {
    /// The domain refused: its message is for the user.
    #[error(transparent)]
    Rejected(E),
    /// Other writers kept winning the race on this aggregate through every retry.
    #[error("cet élément vient d'être modifié par quelqu'un d'autre, veuillez réessayer")]
    Conflict,
    /// The store failed; the cause is for logs, never for users.
    #[error("event store failure: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl<E: DomainError> CommandError<E> {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Rejected(error) => error.kind(),
            Self::Conflict => ErrorKind::Conflict,
            Self::Store(_) => ErrorKind::Internal,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Rejected(error) => error.code(),
            Self::Conflict => "CONCURRENT_MODIFICATION",
            Self::Store(_) => "EVENT_STORE_FAILURE",
        }
    }
}
