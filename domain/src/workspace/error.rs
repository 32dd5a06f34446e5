use crate::{DomainError, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceError {
    #[error("le nom de l'atelier est obligatoire")]
    NameEmpty,
    #[error("le nom de l'atelier ne peut pas dépasser {max} caractères")]
    NameTooLong { max: usize },
    #[error("l'acceptation des CGU, de la politique de confidentialité et du traitement des données est obligatoire")]
    ConsentMissing,
    #[error("cet atelier est déjà enregistré")]
    AlreadyRegistered,
    #[error("cet atelier n'existe pas")]
    NotRegistered,
    #[error("cette personne est déjà membre de l'atelier")]
    AlreadyMember,
    #[error("cette personne n'est pas membre de l'atelier")]
    NotAMember,
    #[error("ce rôle ne peut pas être attribué à un membre de l'atelier")]
    RoleNotAssignable,
    #[error("l'atelier doit garder au moins un propriétaire actif")]
    LastOwner,
    #[error("seul un gérant peut nommer, modifier ou désactiver un gérant")]
    OwnerOnly,
    #[error(transparent)]
    Bound(#[from] crate::limits::OutOfBounds),
}

impl DomainError for WorkspaceError {
    fn code(&self) -> &'static str {
        match self {
            Self::NameEmpty => "WORKSPACE_NAME_EMPTY",
            Self::NameTooLong { .. } => "WORKSPACE_NAME_TOO_LONG",
            Self::ConsentMissing => "CONSENT_MISSING",
            Self::AlreadyRegistered => "WORKSPACE_ALREADY_REGISTERED",
            Self::NotRegistered => "WORKSPACE_NOT_REGISTERED",
            Self::AlreadyMember => "ALREADY_MEMBER",
            Self::NotAMember => "NOT_A_MEMBER",
            Self::RoleNotAssignable => "ROLE_NOT_ASSIGNABLE",
            Self::LastOwner => "LAST_OWNER",
            Self::OwnerOnly => "OWNER_ONLY",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NameEmpty
            | Self::NameTooLong { .. }
            | Self::ConsentMissing
            | Self::RoleNotAssignable
            | Self::Bound(_) => ErrorKind::Validation,
            Self::AlreadyRegistered | Self::AlreadyMember | Self::LastOwner => ErrorKind::Conflict,
            Self::NotRegistered | Self::NotAMember => ErrorKind::NotFound,
            Self::OwnerOnly => ErrorKind::Forbidden,
        }
    }
}
