//! The caller's workspace: read it, rename it, switch modules.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::workspace::WorkspaceCommand;
use projections::workspace::WorkspaceRow;
use projections::{tenant, workspace as read_model};
use uuid::Uuid;

use super::types::ModuleValue;
use super::{actor, meta, state};
use crate::app::AppState;
use crate::permissions::Operation;
use crate::ApiError;

/// Un atelier (le locataire de la plateforme).
#[derive(SimpleObject)]
#[graphql(name = "Workspace")]
pub struct WorkspaceNode {
    pub id: ID,
    pub name: String,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Formule : `lite` ou `pro`.
    pub plan: Option<String>,
    /// Fin de l'essai gratuit.
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// Module ThermoGestion Jantes activé.
    pub jantes_enabled: bool,
}

impl From<WorkspaceRow> for WorkspaceNode {
    fn from(row: WorkspaceRow) -> Self {
        Self {
            id: ID(row.workspace_id.to_string()),
            name: row.name,
            registered_at: row.registered_at,
            updated_at: row.updated_at,
            plan: row.plan,
            trial_ends_at: row.trial_ends_at,
            jantes_enabled: row.jantes_enabled,
        }
    }
}

/// Reads the workspace as its tenant.
pub(super) async fn read(state: &AppState, workspace_id: Uuid) -> Result<WorkspaceNode, ApiError> {
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = read_model::find(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    row.map(WorkspaceNode::from).ok_or_else(|| {
        ApiError::new(
            domain::ErrorKind::NotFound,
            "WORKSPACE_NOT_FOUND",
            "cet atelier n'existe pas",
        )
    })
}

#[derive(Default)]
pub struct WorkspaceQuery;

#[Object]
impl WorkspaceQuery {
    /// L'atelier de la session.
    async fn workspace(&self, ctx: &Context<'_>) -> async_graphql::Result<WorkspaceNode> {
        let actor = actor(ctx)?;
        Ok(read(state(ctx), actor.workspace_id).await?)
    }
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
    ) -> async_graphql::Result<WorkspaceNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RenameWorkspace)?;
        send(ctx, WorkspaceCommand::Rename { name }).await
    }

    /// Active ou désactive un module (ThermoGestion Jantes). Gérant ou administrateur.
    async fn set_module(
        &self,
        ctx: &Context<'_>,
        module: ModuleValue,
        enabled: bool,
    ) -> async_graphql::Result<WorkspaceNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SetModule)?;
        send(
            ctx,
            WorkspaceCommand::SetModule {
                module: module.into(),
                enabled,
            },
        )
        .await
    }
}

async fn send(
    ctx: &Context<'_>,
    command: WorkspaceCommand,
) -> async_graphql::Result<WorkspaceNode> {
    let state = state(ctx);
    let actor = actor(ctx)?;
    state
        .send_workspace_command(&meta(ctx, &actor), command, &[read_model::NAME])
        .await?;
    Ok(read(state, actor.workspace_id).await?)
}
