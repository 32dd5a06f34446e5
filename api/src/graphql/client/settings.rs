//! The CRM settings: which criteria make two clients duplicates.

use async_graphql::{Context, Object, SimpleObject};
use domain::client::settings::{CrmSettingsCommand, AGGREGATE_LOCAL_ID};
use projections::tenant;

use super::CriterionValue;
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Les réglages du fichier clients.
#[derive(SimpleObject)]
pub struct CrmSettingsNode {
    /// Ce qui fait soupçonner un doublon ; vide : pas de détection.
    pub duplicate_criteria: Vec<CriterionValue>,
}

async fn settings_in_force(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
) -> Result<CrmSettingsNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let criteria = projections::client::duplicate_criteria(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(CrmSettingsNode {
        duplicate_criteria: criteria.into_iter().map(Into::into).collect(),
    })
}

#[derive(Default)]
pub struct CrmSettingsQuery;

#[Object]
impl CrmSettingsQuery {
    async fn crm_settings(&self, ctx: &Context<'_>) -> Result<CrmSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CrmSettings)?;
        settings_in_force(ctx, actor.workspace_id).await
    }
}

#[derive(Default)]
pub struct CrmSettingsMutation;

#[Object]
impl CrmSettingsMutation {
    /// Choisit les critères de doublon (email, téléphone, nom + prénom, société + code
    /// postal). Gérant ou administrateur.
    async fn set_duplicate_criteria(
        &self,
        ctx: &Context<'_>,
        criteria: Vec<CriterionValue>,
    ) -> Result<CrmSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SetDuplicateCriteria)?;
        let state = state(ctx);
        let criteria = criteria.into_iter().map(Into::into).collect();
        let receipt = state
            .commands
            .crm_settings
            .execute(
                &meta(ctx, &actor),
                AGGREGATE_LOCAL_ID,
                CrmSettingsCommand::SetDuplicateCriteria(criteria),
            )
            .await?;
        state
            .read_after(
                &receipt,
                &[projections::client::NAME],
                settings_in_force(ctx, actor.workspace_id),
            )
            .await
    }
}
