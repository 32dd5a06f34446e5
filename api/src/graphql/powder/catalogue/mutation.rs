//! Changing the catalogue: register, update, archive, restore.

use async_graphql::{Context, Object, ID};
use domain::powder::catalogue::{PowderCommand, PowderSpec};
use projections::powder as read_model;
use projections::tenant;
use uuid::Uuid;

use super::types::{key_of, PowderInput, PowderNode};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Default)]
pub struct PowderMutation;

#[Object]
impl PowderMutation {
    /// Ajoute une poudre au catalogue. Gérant ou administrateur.
    async fn register_powder(
        &self,
        ctx: &Context<'_>,
        input: PowderInput,
    ) -> Result<PowderNode, ApiError> {
        let spec = PowderSpec::from(input);
        send(
            ctx,
            Operation::RegisterPowder,
            &key_of(&spec)?,
            PowderCommand::Register { spec },
        )
        .await
    }

    /// Met à jour une poudre (même référence, type et finition). Gérant ou administrateur.
    async fn update_powder(
        &self,
        ctx: &Context<'_>,
        input: PowderInput,
    ) -> Result<PowderNode, ApiError> {
        let spec = PowderSpec::from(input);
        send(
            ctx,
            Operation::UpdatePowder,
            &key_of(&spec)?,
            PowderCommand::Update { spec },
        )
        .await
    }

    /// Archive une poudre : elle sort du catalogue, du stock, de la liste du jour et des
    /// suggestions d'achat ; ses pesées et les projets qui l'ont utilisée restent. C'est la
    /// suppression du catalogue (l'historique ne s'efface pas). Gérant ou administrateur.
    async fn archive_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
    ) -> Result<PowderNode, ApiError> {
        send(
            ctx,
            Operation::ArchivePowder,
            &powder_id,
            PowderCommand::Archive,
        )
        .await
    }

    /// Remet une poudre archivée au catalogue. Gérant ou administrateur.
    async fn restore_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
    ) -> Result<PowderNode, ApiError> {
        send(
            ctx,
            Operation::RestorePowder,
            &powder_id,
            PowderCommand::Restore,
        )
        .await
    }
}

/// One command to one catalogue powder, answered with the powder as it then reads.
async fn send(
    ctx: &Context<'_>,
    operation: Operation,
    key: &str,
    command: PowderCommand,
) -> Result<PowderNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .powders
        .execute(&meta(ctx, &actor), key, command)
        .await?;
    state
        .read_after(
            &receipt,
            &[read_model::NAME],
            powder_node(ctx, actor.workspace_id, key),
        )
        .await
}

/// A powder just written: missing from its read model is our failure, not the caller's.
async fn powder_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    key: &str,
) -> Result<PowderNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = read_model::find(&mut *tx, workspace_id, key)
        .await?
        .ok_or_else(|| ApiError::internal("registered powder missing from its read model"))?;
    tx.commit().await?;
    Ok(row.into())
}
