//! Invitations of the caller's workspace: the pending list, and withdrawing one. Sending is
//! `inviteMember`, accepting `acceptInvitation` (`account`).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::workspace::{RevocationReason, WorkspaceCommand, WorkspaceError};
use projections::invitation::{self as read_model, InvitationRow};
use projections::tenant;
use uuid::Uuid;

use super::types::RoleValue;
use super::{actor, meta, state, time_cursor};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i64 = 100;

/// Où en est une invitation.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    /// Envoyée, ni acceptée, ni retirée, ni expirée.
    Pending,
    Accepted,
    Revoked,
    Expired,
}

/// Pourquoi une invitation a été retirée.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvitationRevocationReason {
    /// Retirée par un gérant ou un administrateur.
    Withdrawn,
    /// Son auteur a été désactivé.
    InviterDeactivated,
    /// Son auteur n'a plus le droit d'accorder ce rôle.
    InviterDemoted,
    /// La personne invitée, membre, a été désactivée.
    InviteeDeactivated,
}

impl From<RevocationReason> for InvitationRevocationReason {
    fn from(reason: RevocationReason) -> Self {
        match reason {
            RevocationReason::Withdrawn => Self::Withdrawn,
            RevocationReason::InviterDeactivated => Self::InviterDeactivated,
            RevocationReason::InviterDemoted => Self::InviterDemoted,
            RevocationReason::InviteeDeactivated => Self::InviteeDeactivated,
        }
    }
}

/// Une invitation envoyée par l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Invitation")]
pub struct InvitationNode {
    pub id: ID,
    /// L'adresse invitée.
    pub email: Option<String>,
    pub role: Option<RoleValue>,
    pub invited_by: ID,
    pub invited_by_email: Option<String>,
    pub invited_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: InvitationStatus,
    pub revocation_reason: Option<InvitationRevocationReason>,
    /// Acceptée ou retirée à cette date.
    pub closed_at: Option<DateTime<Utc>>,
}

fn status(row: &InvitationRow, now: DateTime<Utc>) -> InvitationStatus {
    match row.status.as_str() {
        "accepted" => InvitationStatus::Accepted,
        "revoked" => InvitationStatus::Revoked,
        _ if row.expires_at <= now => InvitationStatus::Expired,
        _ => InvitationStatus::Pending,
    }
}

async fn nodes(
    state: &crate::AppState,
    workspace_id: Uuid,
    rows: Vec<InvitationRow>,
) -> Result<Vec<InvitationNode>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.invitation_id).collect();
    let inviters: Vec<Uuid> = rows.iter().map(|row| row.invited_by).collect();
    let addresses =
        commands::email_token::invitation_emails(&state.pool, workspace_id, &ids).await?;
    let inviter_emails = commands::account::emails_of(&state.pool, &inviters).await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|row| InvitationNode {
            id: ID(row.invitation_id.to_string()),
            email: addresses.get(&row.invitation_id).cloned(),
            role: RoleValue::from_stored(&row.role),
            invited_by: ID(row.invited_by.to_string()),
            invited_by_email: inviter_emails.get(&row.invited_by).cloned(),
            invited_at: row.invited_at,
            expires_at: row.expires_at,
            status: status(&row, now),
            revocation_reason: row
                .revocation_reason
                .as_deref()
                .and_then(RevocationReason::parse)
                .map(Into::into),
            closed_at: row.closed_at,
        })
        .collect())
}

fn cursor(row: &InvitationRow) -> String {
    format!("{}|{}", row.invited_at.to_rfc3339(), row.invitation_id)
}

fn parse_invitation_id(id: &ID) -> Result<Uuid, ApiError> {
    // Not an invitation of this workspace and not an id at all read the same: NOT_FOUND.
    Uuid::parse_str(id).map_err(|_| ApiError::domain(&WorkspaceError::InvitationNotFound))
}

#[derive(Default)]
pub struct InvitationQuery;

#[Object]
impl InvitationQuery {
    /// Les invitations en attente (ni acceptées, ni retirées, ni expirées), de la plus
    /// ancienne à la plus récente. Gérant ou administrateur.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, InvitationNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Invitations)?;
        let state = state(ctx);
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let after = after.as_deref().map(time_cursor).transpose()?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let mut rows =
            read_model::list_pending(&mut *tx, actor.workspace_id, Utc::now(), after, limit + 1)
                .await
                .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let cursors: Vec<String> = rows.iter().map(cursor).collect();
        let mut connection = Connection::new(after.is_some(), has_next);
        for (cursor, node) in cursors
            .into_iter()
            .zip(nodes(state, actor.workspace_id, rows).await?)
        {
            connection.edges.push(Edge::new(cursor, node));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct InvitationMutation;

#[Object]
impl InvitationMutation {
    /// Retire une invitation en attente : son lien ne fait plus entrer personne. Gérant ou
    /// administrateur ; seul un gérant retire l'invitation d'un gérant.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InvitationNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RevokeInvitation)?;
        let invitation_id = parse_invitation_id(&id)?;
        let state = state(ctx);
        state
            .send_workspace_command(
                &meta(ctx, &actor),
                WorkspaceCommand::RevokeInvitation {
                    invitation_id,
                    by: actor.account_id,
                },
                &[read_model::NAME],
            )
            .await?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let row = read_model::find(&mut *tx, actor.workspace_id, invitation_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::domain(&WorkspaceError::InvitationNotFound))?;
        tx.commit().await.map_err(ApiError::from)?;
        let node = nodes(state, actor.workspace_id, vec![row])
            .await?
            .pop()
            .ok_or_else(|| ApiError::domain(&WorkspaceError::InvitationNotFound))?;
        Ok(node)
    }
}
