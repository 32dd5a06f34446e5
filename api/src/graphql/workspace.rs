use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use commands::CommandMeta;
use domain::workspace::{WorkspaceCommand, AGGREGATE_LOCAL_ID};
use domain::Role;
use projections::workspace::WorkspaceRow;
use projections::{tenant, workspace as read_model};
use uuid::Uuid;

use super::{request, state};
use crate::ApiError;

#[derive(InputObject)]
pub struct RegisterWorkspaceInput {
    /// Nom commercial de l'atelier, tel qu'il apparaîtra sur les devis.
    pub name: String,
}

/// Un atelier (le locataire de la plateforme).
#[derive(SimpleObject)]
#[graphql(name = "Workspace")]
pub struct WorkspaceNode {
    pub id: ID,
    pub name: String,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WorkspaceRow> for WorkspaceNode {
    fn from(row: WorkspaceRow) -> Self {
        Self {
            id: ID(row.workspace_id.to_string()),
            name: row.name,
            registered_at: row.registered_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Default)]
pub struct WorkspaceMutation;

#[Object]
impl WorkspaceMutation {
    /// Enregistre un nouvel atelier. Provisoire : l'inscription complète (compte du
    /// gérant, consentements, essai) la remplace avec la gestion des comptes.
    async fn register_workspace(
        &self,
        ctx: &Context<'_>,
        input: RegisterWorkspaceInput,
    ) -> async_graphql::Result<WorkspaceNode> {
        let state = state(ctx);
        let request = request(ctx);
        let workspace_id = Uuid::now_v7();
        tracing::Span::current().record("workspace_id", tracing::field::display(workspace_id));
        let meta = CommandMeta {
            workspace_id,
            actor_id: None,
            actor_role: Role::Anonymous,
            ip: request.ip,
            request_id: request.request_id.clone(),
        };
        let receipt = state
            .commands
            .workspaces
            .execute(
                &meta,
                AGGREGATE_LOCAL_ID,
                WorkspaceCommand::Register { name: input.name },
            )
            .await
            .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[read_model::NAME])
            .await?;
        let mut tx = tenant::begin(&state.pool, workspace_id)
            .await
            .map_err(ApiError::from)?;
        let row = read_model::find(&mut *tx, workspace_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| {
                ApiError::internal("registered workspace missing from its read model")
            })?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(row.into())
    }
}
