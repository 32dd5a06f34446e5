//! Reading the workspace, its members, its pending invitations and its audit log; the
//! readers here also give the mutations their answers.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use domain::workspace::{RevocationReason, WorkspaceError};
use domain::ErrorKind;
use projections::invitation::{self as invitations, InvitationRow};
use projections::member::{self as members, MemberRow};
use projections::{tenant, workspace as workspaces};
use uuid::Uuid;

use super::types::{
    AuditEntryNode, AuditFilterInput, InvitationNode, InvitationStatus, MemberNode, WorkspaceNode,
};
use crate::app::AppState;
use crate::audit::{self, RawFilter};
use crate::graphql::types::RoleValue;
use crate::graphql::{actor, state, time_cursor, to_time_cursor};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_MEMBERS_PAGE: i64 = 100;
const MAX_INVITATIONS_PAGE: i64 = 100;
const MAX_AUDIT_PAGE: i64 = 200;

fn invalid_cursor() -> ApiError {
    ApiError::new(
        ErrorKind::Validation,
        "CURSOR_INVALID",
        "curseur de pagination invalide",
    )
}

/// Reads the workspace as its tenant.
pub async fn read(state: &AppState, workspace_id: Uuid) -> Result<WorkspaceNode, ApiError> {
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = workspaces::find(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    row.map(WorkspaceNode::from).ok_or_else(|| {
        ApiError::new(
            ErrorKind::NotFound,
            "WORKSPACE_NOT_FOUND",
            "cet atelier n'existe pas",
        )
    })
}

/// A member as listed, with the address of its account (kept outside the log, ADR 0003).
async fn member_node(state: &AppState, row: MemberRow) -> Result<MemberNode, ApiError> {
    let email = commands::account::email_of(&state.pool, row.account_id)
        .await?
        .unwrap_or_default();
    Ok(MemberNode {
        account_id: ID(row.account_id.to_string()),
        email,
        role: RoleValue::from_stored(&row.role),
        active: row.active,
        joined_at: row.joined_at,
    })
}

/// One member of the workspace, after a change.
pub(super) async fn member(
    state: &AppState,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<MemberNode, ApiError> {
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = members::find(&mut *tx, workspace_id, account_id)
        .await?
        .ok_or_else(|| ApiError::domain(&WorkspaceError::NotAMember))?;
    tx.commit().await?;
    member_node(state, row).await
}

/// Invitations with their addresses and their inviters' (kept outside the log, ADR 0003).
async fn invitation_nodes(
    state: &AppState,
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
            status: InvitationStatus::of(&row, now),
            revocation_reason: row
                .revocation_reason
                .as_deref()
                .and_then(RevocationReason::parse)
                .map(Into::into),
            closed_at: row.closed_at,
        })
        .collect())
}

/// One invitation of the workspace, after a change.
pub(super) async fn invitation(
    state: &AppState,
    workspace_id: Uuid,
    invitation_id: Uuid,
) -> Result<InvitationNode, ApiError> {
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = invitations::find(&mut *tx, workspace_id, invitation_id)
        .await?
        .ok_or_else(|| ApiError::domain(&WorkspaceError::InvitationNotFound))?;
    tx.commit().await?;
    invitation_nodes(state, workspace_id, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::domain(&WorkspaceError::InvitationNotFound))
}

fn member_cursor(row: &MemberRow) -> String {
    URL_SAFE_NO_PAD.encode(to_time_cursor(row.joined_at, row.account_id))
}

fn parse_member_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid_cursor())?;
    time_cursor(&text)
}

fn invitation_cursor(row: &InvitationRow) -> String {
    to_time_cursor(row.invited_at, row.invitation_id)
}

#[derive(Default)]
pub struct WorkspaceQuery;

#[Object]
impl WorkspaceQuery {
    /// L'atelier de la session.
    async fn workspace(&self, ctx: &Context<'_>) -> Result<WorkspaceNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Workspace)?;
        read(state(ctx), actor.workspace_id).await
    }
}

#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// Les membres de l'atelier, du plus ancien au plus récent. Gérant ou administrateur.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, MemberNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Members)?;
        let state = state(ctx);
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_MEMBERS_PAGE);
        let after = after.as_deref().map(parse_member_cursor).transpose()?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let mut rows = members::list(&mut *tx, actor.workspace_id, after, limit + 1).await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            let cursor = member_cursor(&row);
            connection
                .edges
                .push(Edge::new(cursor, member_node(state, row).await?));
        }
        Ok(connection)
    }
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
    ) -> Result<Connection<String, InvitationNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Invitations)?;
        let state = state(ctx);
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_INVITATIONS_PAGE);
        let after = after.as_deref().map(time_cursor).transpose()?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let mut rows =
            invitations::list_pending(&mut *tx, actor.workspace_id, Utc::now(), after, limit + 1)
                .await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let cursors: Vec<String> = rows.iter().map(invitation_cursor).collect();
        let mut connection = Connection::new(after.is_some(), has_next);
        for (cursor, node) in cursors
            .into_iter()
            .zip(invitation_nodes(state, actor.workspace_id, rows).await?)
        {
            connection.edges.push(Edge::new(cursor, node));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Le journal d'audit de l'atelier, du plus récent au plus ancien. Gérant ou
    /// administrateur.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilterInput>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AuditEntryNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::AuditLog)?;
        let filter = filter.unwrap_or_default();
        let filter = RawFilter {
            actor_id: filter.actor_id.map(|id| id.0),
            aggregate_type: filter.aggregate_type,
            aggregate_id: filter.aggregate_id,
            event_type: filter.event_type,
            from: filter.from,
            to: filter.to,
        }
        .parse()?;
        let before = after
            .map(|cursor| cursor.parse::<i64>().map_err(|_| invalid_cursor()))
            .transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_AUDIT_PAGE);
        let mut lines = audit::page(state(ctx), &actor, &filter, before, limit + 1).await?;
        let has_next = lines.len() as i64 > limit;
        lines.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for line in lines {
            let cursor = line.entry.global_position.to_string();
            connection.edges.push(Edge::new(cursor, line.into()));
        }
        Ok(connection)
    }
}
