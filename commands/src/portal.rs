//! The customer portal's access (spec §4.1 step 9; issue 17): accepting an invitation links
//! the one client record the link names, if [`domain::client::portal::invitation_opens`]
//! still says it may. Before this, every record sharing the address was linked, and a client
//! kept reading another's quotes after the workshop changed an address.

use domain::client::portal::{invitation_opens, InvitedRecord};
use domain::{DomainError, ErrorKind};
use sqlx::PgPool;
use uuid::Uuid;

use crate::email_token::Grant;

#[derive(Debug, thiserror::Error)]
pub enum PortalLinkError {
    #[error("cette invitation n'est plus valable : demandez à l'atelier de vous en envoyer une nouvelle")]
    Withdrawn,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl DomainError for PortalLinkError {
    fn code(&self) -> &'static str {
        match self {
            Self::Withdrawn => "PORTAL_INVITATION_WITHDRAWN",
            Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Withdrawn => ErrorKind::Validation,
            Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// The client record a portal invitation opens, or why it no longer does. Asked before any
/// account is created, so a withdrawn link changes nothing.
pub async fn invited_record(
    pool: &PgPool,
    workspace_id: Uuid,
    grant: &Grant,
) -> Result<Uuid, PortalLinkError> {
    let (Some(client_id), Some(sent_at)) = (grant.client_id, grant.issued_at) else {
        return Err(PortalLinkError::Withdrawn);
    };
    let record = crate::context::client_for_portal(pool, workspace_id, client_id)
        .await?
        .ok_or(PortalLinkError::Withdrawn)?;
    let opens = invitation_opens(
        &grant.email,
        sent_at,
        &InvitedRecord {
            email: record.email.as_deref(),
            archived: record.archived,
            merged: record.merged_into.is_some(),
            revoked_at: record.portal_revoked_at,
        },
    );
    if opens {
        Ok(client_id)
    } else {
        Err(PortalLinkError::Withdrawn)
    }
}
