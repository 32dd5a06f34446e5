//! Members of the caller's workspace: list, change role, deactivate. Invitations a member
//! sent die with their rights to send them (the workspace revokes them in the same decision).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SimpleObject, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use domain::workspace::WorkspaceCommand;
use domain::ErrorKind;
use projections::member::{self as read_model, MemberRow};
use projections::tenant;
use uuid::Uuid;

use super::types::RoleValue;
use super::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Un membre de l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Member")]
pub struct MemberNode {
    pub account_id: ID,
    pub email: String,
    pub role: Option<RoleValue>,
    pub active: bool,
    pub joined_at: DateTime<Utc>,
}

const MAX_PAGE: i64 = 100;

fn cursor(row: &MemberRow) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", row.joined_at.to_rfc3339(), row.account_id))
}

fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorKind::Validation,
            "CURSOR_INVALID",
            "curseur de pagination invalide",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (at, id) = text.split_once('|').ok_or_else(invalid)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| invalid())?
        .with_timezone(&Utc);
    Ok((at, Uuid::parse_str(id).map_err(|_| invalid())?))
}

fn parse_account_id(id: &ID) -> Result<Uuid, ApiError> {
    // Not a member of this workspace and not an id at all read the same: NOT_FOUND.
    Uuid::parse_str(id)
        .map_err(|_| ApiError::domain(&domain::workspace::WorkspaceError::NotAMember))
}

async fn node(state: &crate::AppState, row: MemberRow) -> Result<MemberNode, ApiError> {
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
    ) -> async_graphql::Result<Connection<String, MemberNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Members)?;
        let state = state(ctx);
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let after = after.as_deref().map(parse_cursor).transpose()?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let mut rows = read_model::list(&mut *tx, actor.workspace_id, after, limit + 1)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            let cursor = cursor(&row);
            connection
                .edges
                .push(Edge::new(cursor, node(state, row).await?));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Change le rôle d'un membre. Gérant ou administrateur.
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        role: RoleValue,
    ) -> async_graphql::Result<MemberNode> {
        let account_id = parse_account_id(&account_id)?;
        let by = actor(ctx)?.account_id;
        send(
            ctx,
            Operation::ChangeMemberRole,
            account_id,
            WorkspaceCommand::ChangeRole {
                account_id,
                role: role.into(),
                by,
            },
        )
        .await
    }

    /// Désactive un membre : il ne peut plus entrer dans l'atelier. Gérant ou administrateur.
    async fn deactivate_member(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
    ) -> async_graphql::Result<MemberNode> {
        let account_id = parse_account_id(&account_id)?;
        let actor = actor(ctx)?;
        actor.require_for(Operation::DeactivateMember)?;
        let pool = &state(ctx).pool;
        // The invitations addressed to them are revoked with them: none must let them back
        // in. Their addresses are beside the links, not in the log (ADR 0003).
        let invited = commands::email_token::invitations_to(pool, actor.workspace_id, account_id)
            .await
            .map_err(ApiError::from)?;
        let node = send(
            ctx,
            Operation::DeactivateMember,
            account_id,
            WorkspaceCommand::Deactivate {
                account_id,
                by: actor.account_id,
                invited,
            },
        )
        .await?;
        // Nor may a portal link (from a client record, outside the log).
        commands::email_token::withdraw_invitations(pool, actor.workspace_id, account_id)
            .await
            .map_err(ApiError::from)?;
        Ok(node)
    }
}

async fn send(
    ctx: &Context<'_>,
    operation: Operation,
    account_id: Uuid,
    command: WorkspaceCommand,
) -> async_graphql::Result<MemberNode> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let state = state(ctx);
    // A demotion or a deactivation may revoke invitations: the list shows it at once.
    state
        .send_workspace_command(
            &meta(ctx, &actor),
            command,
            &[read_model::NAME, projections::invitation::NAME],
        )
        .await?;
    let mut tx = tenant::begin(&state.pool, actor.workspace_id)
        .await
        .map_err(ApiError::from)?;
    let row = read_model::find(&mut *tx, actor.workspace_id, account_id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::domain(&domain::workspace::WorkspaceError::NotAMember))?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(node(state, row).await?)
}
