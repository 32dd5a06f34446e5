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
    #[error("seul un gérant peut nommer, inviter, modifier ou désactiver un gérant, ou retirer son invitation")]
    OwnerOnly,
    #[error("seuls un gérant ou un administrateur peuvent inviter ou retirer une invitation")]
    NotAnInviter,
    #[error("un client ne s'invite pas comme membre : son accès au portail passe par sa fiche client (invitation au portail depuis la fiche)")]
    InvitationRoleClient,
    #[error("cette invitation n'existe pas")]
    InvitationNotFound,
    #[error("cette invitation a déjà été envoyée")]
    InvitationExists,
    #[error("cette invitation a été retirée ; demandez-en une nouvelle à l'atelier")]
    InvitationRevoked,
    #[error("cette invitation a expiré ; demandez-en une nouvelle à l'atelier")]
    InvitationExpired,
    #[error("cette invitation a déjà été acceptée")]
    InvitationAccepted,
    #[error("la personne qui vous a invité n'a plus le droit d'accorder ce rôle ; demandez une nouvelle invitation à l'atelier")]
    InviterLostRights,
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
            Self::NotAnInviter => "NOT_AN_INVITER",
            Self::InvitationRoleClient => "INVITATION_ROLE_CLIENT",
            Self::InvitationNotFound => "INVITATION_NOT_FOUND",
            Self::InvitationExists => "INVITATION_EXISTS",
            Self::InvitationRevoked => "INVITATION_REVOKED",
            Self::InvitationExpired => "INVITATION_EXPIRED",
            Self::InvitationAccepted => "INVITATION_ACCEPTED",
            Self::InviterLostRights => "INVITER_LOST_RIGHTS",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NameEmpty
            | Self::NameTooLong { .. }
            | Self::ConsentMissing
            | Self::RoleNotAssignable
            | Self::InvitationRoleClient
            // A link that no longer works reads like an expired or used one (`TOKEN_*`).
            | Self::InvitationRevoked
            | Self::InvitationExpired
            | Self::InvitationAccepted
            | Self::InviterLostRights
            | Self::Bound(_) => ErrorKind::Validation,
            Self::AlreadyRegistered
            | Self::AlreadyMember
            | Self::LastOwner
            | Self::InvitationExists => ErrorKind::Conflict,
            Self::NotRegistered | Self::NotAMember | Self::InvitationNotFound => {
                ErrorKind::NotFound
            }
            Self::OwnerOnly | Self::NotAnInviter => ErrorKind::Forbidden,
        }
    }
}
