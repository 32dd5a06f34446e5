//! Changing the workspace, its members and its invitations: each a command of the workspace
//! aggregate, answered once the read model shows it.

use async_graphql::{Context, Object, ID};
use domain::workspace::{WorkspaceCommand, WorkspaceError, AGGREGATE_LOCAL_ID};
use projections::{invitation as invitations, member as members, workspace as workspaces};
use uuid::Uuid;

use super::query::{invitation, member, read};
use super::types::{InvitationNode, MemberNode, WorkspaceNode};
use crate::app::AppState;
use crate::auth::Actor;
use crate::graphql::types::{ModuleValue, RoleValue};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Sends `command` to the caller's workspace aggregate.
async fn execute(
    ctx: &Context<'_>,
    actor: &Actor,
    command: WorkspaceCommand,
) -> Result<commands::CommandReceipt, ApiError> {
    Ok(state(ctx)
        .commands
        .workspaces
        .execute(&meta(ctx, actor), AGGREGATE_LOCAL_ID, command)
        .await?)
}

fn parse_account_id(id: &ID) -> Result<Uuid, ApiError> {
    // Not a member of this workspace and not an id at all read the same: NOT_FOUND.
    Uuid::parse_str(id).map_err(|_| ApiError::domain(&WorkspaceError::NotAMember))
}

fn parse_invitation_id(id: &ID) -> Result<Uuid, ApiError> {
    // Not an invitation of this workspace and not an id at all read the same: NOT_FOUND.
    Uuid::parse_str(id).map_err(|_| ApiError::domain(&WorkspaceError::InvitationNotFound))
}

#[derive(Default)]
pub struct WorkspaceMutation;

#[Object]
impl WorkspaceMutation {
    /// Renomme l'atelier. Gérant ou administrateur.
    async fn rename_workspace(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> Result<WorkspaceNode, ApiError> {
        change_workspace(
            ctx,
            Operation::RenameWorkspace,
            WorkspaceCommand::Rename { name },
        )
        .await
    }

    /// Active ou désactive un module (ThermoGestion Jantes). Gérant ou administrateur.
    async fn set_module(
        &self,
        ctx: &Context<'_>,
        module: ModuleValue,
        enabled: bool,
    ) -> Result<WorkspaceNode, ApiError> {
        let module: domain::workspace::Module = module.into();
        if enabled {
            // Switching a module on is using it: the plan must include it. Off is always
            // allowed.
            actor(ctx)?.require_feature(module.feature())?;
        }
        let command = WorkspaceCommand::SetModule { module, enabled };
        change_workspace(ctx, Operation::SetModule, command).await
    }
}

async fn change_workspace(
    ctx: &Context<'_>,
    operation: Operation,
    command: WorkspaceCommand,
) -> Result<WorkspaceNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let receipt = execute(ctx, &actor, command).await?;
    let state = state(ctx);
    state
        .read_after(
            &receipt,
            &[workspaces::NAME],
            read(state, actor.workspace_id),
        )
        .await
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
    ) -> Result<MemberNode, ApiError> {
        let account_id = parse_account_id(&account_id)?;
        let actor = actor(ctx)?;
        actor.require_for(Operation::ChangeMemberRole)?;
        let command = WorkspaceCommand::ChangeRole {
            account_id,
            role: role.into(),
            by: actor.account_id,
        };
        let receipt = execute(ctx, &actor, command).await?;
        member_after(state(ctx), &receipt, actor.workspace_id, account_id).await
    }

    /// Désactive un membre : il ne peut plus entrer dans l'atelier. Gérant ou administrateur.
    async fn deactivate_member(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
    ) -> Result<MemberNode, ApiError> {
        let account_id = parse_account_id(&account_id)?;
        let actor = actor(ctx)?;
        actor.require_for(Operation::DeactivateMember)?;
        let state = state(ctx);
        // The invitations addressed to them are revoked with them: none must let them back
        // in. Their addresses are beside the links, not in the log (ADR 0003).
        let invited =
            commands::email_token::invitations_to(&state.pool, actor.workspace_id, account_id)
                .await?;
        let command = WorkspaceCommand::Deactivate {
            account_id,
            by: actor.account_id,
            invited,
        };
        let receipt = execute(ctx, &actor, command).await?;
        let node = member_after(state, &receipt, actor.workspace_id, account_id).await?;
        // Nor may a portal link (from a client record, outside the log).
        commands::email_token::withdraw_invitations(&state.pool, actor.workspace_id, account_id)
            .await?;
        Ok(node)
    }
}

/// A demotion or a deactivation may revoke invitations: the list shows it at once.
async fn member_after(
    state: &AppState,
    receipt: &commands::CommandReceipt,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<MemberNode, ApiError> {
    state
        .read_after(
            receipt,
            &[members::NAME, invitations::NAME],
            member(state, workspace_id, account_id),
        )
        .await
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
    ) -> Result<InvitationNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RevokeInvitation)?;
        let invitation_id = parse_invitation_id(&id)?;
        let command = WorkspaceCommand::RevokeInvitation {
            invitation_id,
            by: actor.account_id,
        };
        let receipt = execute(ctx, &actor, command).await?;
        let state = state(ctx);
        state
            .read_after(
                &receipt,
                &[invitations::NAME],
                invitation(state, actor.workspace_id, invitation_id),
            )
            .await
    }
}
