use crate::{DomainError, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceError {
    #[error("le nom de l'atelier est obligatoire")]
    NameEmpty,
    #[error("le nom de l'atelier ne peut pas dépasser {max} caractères")]
    NameTooLong { max: usize },
    #[error("cet atelier est déjà enregistré")]
    AlreadyRegistered,
    #[error("cet atelier n'existe pas")]
    NotRegistered,
}

impl DomainError for WorkspaceError {
    fn code(&self) -> &'static str {
        match self {
            Self::NameEmpty => "WORKSPACE_NAME_EMPTY",
            Self::NameTooLong { .. } => "WORKSPACE_NAME_TOO_LONG",
            Self::AlreadyRegistered => "WORKSPACE_ALREADY_REGISTERED",
            Self::NotRegistered => "WORKSPACE_NOT_REGISTERED",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NameEmpty | Self::NameTooLong { .. } => ErrorKind::Validation,
            Self::AlreadyRegistered => ErrorKind::Conflict,
            Self::NotRegistered => ErrorKind::NotFound,
        }
    }
}
