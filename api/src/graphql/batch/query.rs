//! The batch queries: recommendations, the oven, the batches, a packing, the cure order.

use async_graphql::{Context, Object, ID};
use projections::views::batches as views;

use super::types::{
    BatchNode, BatchRecommendation, BatchStatusValue, CureOrderNode, OvenNode, PackingNode,
};
use super::{batch_node, batch_uuid, not_found};
use crate::graphql::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i32 = 100;

#[derive(Default)]
pub struct BatchQuery;

#[Object]
impl BatchQuery {
    /// Les séries conseillées : urgentes d'abord, puis par date promise.
    async fn batch_recommendations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<BatchRecommendation>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::BatchRecommendations)?;
        let recommended = views::recommendations(&state(ctx).pool, actor.workspace_id).await?;
        Ok(recommended
            .into_iter()
            .map(BatchRecommendation::from)
            .collect())
    }

    /// Le four de l'atelier (un four type tant qu'il n'est pas réglé).
    async fn oven(&self, ctx: &Context<'_>) -> Result<OvenNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Oven)?;
        Ok(views::oven(&state(ctx).pool, actor.workspace_id)
            .await?
            .into())
    }

    /// Les séries, les plus récentes d'abord ; filtrées par état si demandé.
    async fn batches(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<BatchStatusValue>>,
        #[graphql(default = 50)] first: i32,
        #[graphql(default = 0)] offset: i32,
    ) -> Result<Vec<BatchNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Batches)?;
        let statuses: Vec<String> = status
            .unwrap_or_default()
            .into_iter()
            .map(|status| status.stored().to_owned())
            .collect();
        let batches = views::batches(
            &state(ctx).pool,
            actor.workspace_id,
            &statuses,
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await?;
        Ok(batches.into_iter().map(BatchNode::from).collect())
    }

    /// La fiche d'une série.
    async fn batch(&self, ctx: &Context<'_>, id: ID) -> Result<BatchNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Batch)?;
        batch_node(ctx, actor.workspace_id, batch_uuid(&id)?).await
    }

    /// Le chargement conseillé d'une série sur les barres du four : coordonnées et dessin.
    async fn batch_packing(&self, ctx: &Context<'_>, id: ID) -> Result<PackingNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::BatchPacking)?;
        let packing = views::packing(&state(ctx).pool, actor.workspace_id, batch_uuid(&id)?)
            .await?
            .ok_or_else(not_found)?;
        Ok(packing.into())
    }

    /// L'ordre de cuisson conseillé des séries ouvertes : par urgence, une seule montée ou
    /// descente de température par température de la journée.
    async fn cure_order(&self, ctx: &Context<'_>) -> Result<CureOrderNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CureOrder)?;
        let order = views::cure_order_of_open(&state(ctx).pool, actor.workspace_id).await?;
        Ok(order.into())
    }
}
