//! The batch mutations: the oven's settings, and a batch from draft to closed.

use async_graphql::{Context, Object, ID};
use domain::batch::oven::OvenCommand;

use super::types::{selection, BatchNode, BatchPartsInput, OvenInput, OvenNode};
use super::{batch_node, batch_uuid};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Default)]
pub struct BatchMutation;

#[Object]
impl BatchMutation {
    /// Règle le four de l'atelier. Gérant ou administrateur.
    async fn update_oven(&self, ctx: &Context<'_>, input: OvenInput) -> Result<OvenNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateOven)?;
        let state = state(ctx);
        let receipt = state
            .commands
            .ovens
            .execute(
                &meta(ctx, &actor),
                domain::batch::oven::AGGREGATE_LOCAL_ID,
                OvenCommand::Change(input.into()),
            )
            .await?;
        let oven = async {
            let settings =
                projections::views::batches::oven(&state.pool, actor.workspace_id).await?;
            Ok::<_, ApiError>(OvenNode::from(settings))
        };
        state
            .read_after(&receipt, &[projections::oven_batch::NAME], oven)
            .await
    }

    /// Crée une série avec des pièces : la clé stricte est celle de la première.
    async fn create_batch(
        &self,
        ctx: &Context<'_>,
        parts: Vec<BatchPartsInput>,
    ) -> Result<BatchNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CreateBatch)?;
        let selection = selection(parts)?;
        let state = state(ctx);
        let (batch_id, _, receipt) = commands::oven_batch::create(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            selection,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[projections::oven_batch::NAME],
                batch_node(ctx, actor.workspace_id, batch_id),
            )
            .await
    }

    /// Ajoute des pièces à une série en préparation (même clé stricte).
    async fn add_to_batch(
        &self,
        ctx: &Context<'_>,
        batch_id: ID,
        parts: Vec<BatchPartsInput>,
    ) -> Result<BatchNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::AddToBatch)?;
        let batch_id = batch_uuid(&batch_id)?;
        let selection = selection(parts)?;
        let state = state(ctx);
        let receipt = commands::oven_batch::add(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            batch_id,
            selection,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[projections::oven_batch::NAME],
                batch_node(ctx, actor.workspace_id, batch_id),
            )
            .await
    }

    /// Retire des pièces (par code, `P26-0042-2`) d'une série en préparation.
    async fn remove_from_batch(
        &self,
        ctx: &Context<'_>,
        batch_id: ID,
        codes: Vec<String>,
    ) -> Result<BatchNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RemoveFromBatch)?;
        let batch_id = batch_uuid(&batch_id)?;
        let state = state(ctx);
        let receipt =
            commands::oven_batch::remove(&state.commands, &meta(ctx, &actor), batch_id, codes)
                .await?;
        state
            .read_after(
                &receipt,
                &[projections::oven_batch::NAME],
                batch_node(ctx, actor.workspace_id, batch_id),
            )
            .await
    }

    /// Lance la série : ses pièces partent au poudrage.
    async fn launch_batch(&self, ctx: &Context<'_>, batch_id: ID) -> Result<BatchNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::LaunchBatch)?;
        // The launch names the batch by its number in the projects it moves; the number is
        // read here because `commands::oven_batch::launch` takes it from its caller.
        let batch = batch_node(ctx, actor.workspace_id, batch_uuid(&batch_id)?).await?;
        let batch_id = batch_uuid(&batch.id)?;
        let state = state(ctx);
        let receipt = commands::oven_batch::launch(
            &state.commands,
            &meta(ctx, &actor),
            batch_id,
            &batch.number,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[projections::oven_batch::NAME, projections::project::NAME],
                batch_node(ctx, actor.workspace_id, batch_id),
            )
            .await
    }

    /// Clôture la série : le poudrage de ses pièces est validé et sa poudre sort du stock,
    /// une fois.
    async fn close_batch(&self, ctx: &Context<'_>, batch_id: ID) -> Result<BatchNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CloseBatch)?;
        let batch_id = batch_uuid(&batch_id)?;
        let state = state(ctx);
        let receipt =
            commands::oven_batch::close(&state.commands, &meta(ctx, &actor), batch_id).await?;
        state
            .read_after(
                &receipt,
                &[
                    projections::oven_batch::NAME,
                    projections::project::NAME,
                    projections::powder_stock::NAME,
                ],
                batch_node(ctx, actor.workspace_id, batch_id),
            )
            .await
    }
}
