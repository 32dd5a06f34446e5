//! What the editor changes in the catalogue: each change an event of the platform stream
//! (who, when, before, after), answered with the catalogue once its read model shows it.

use async_graphql::{Context, Object};
use chrono::NaiveDate;
use domain::platform::catalogue::CatalogueCommand;

use super::query::catalogue;
use super::types::{CatalogueNode, FeatureValue, PlanValue, PricedInput, PricesInput};
use crate::graphql::{actor, request, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Runs `command` as the calling editor, at the injected clock's time.
async fn change(
    ctx: &Context<'_>,
    operation: Operation,
    command: CatalogueCommand,
) -> Result<CatalogueNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let state = state(ctx);
    let request = request(ctx);
    let meta =
        commands::catalogue::editor_meta(actor.account_id, request.ip, request.request_id.clone());
    let now = state.limits.clock().now_utc();
    let receipt = commands::catalogue::change(&state.commands, &meta, command, now).await?;
    state
        .read_after(
            &receipt,
            &[projections::plan_catalogue::NAME],
            catalogue(state),
        )
        .await
}

#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// Annonce un nouveau prix d'une formule ou d'une option : il s'applique à chaque
    /// atelier à sa première période commençant le jour dit ou après, au moins 30 jours
    /// après l'annonce (par défaut au plus tôt), et chaque atelier concerné est prévenu.
    async fn change_price(
        &self,
        ctx: &Context<'_>,
        item: PricedInput,
        prices: PricesInput,
        applies_from: Option<NaiveDate>,
    ) -> Result<CatalogueNode, ApiError> {
        let command = CatalogueCommand::ChangePrice {
            item: item.into(),
            prices: prices.into(),
            applies_from,
        };
        change(ctx, Operation::EditorChangePrice, command).await
    }

    /// Annonce qu'une fonctionnalité relève d'une autre formule (même préavis).
    async fn move_feature(
        &self,
        ctx: &Context<'_>,
        feature: FeatureValue,
        to: PlanValue,
        applies_from: Option<NaiveDate>,
    ) -> Result<CatalogueNode, ApiError> {
        let command = CatalogueCommand::MoveFeature {
            feature: feature.into(),
            to: to.into(),
            applies_from,
        };
        change(ctx, Operation::EditorMoveFeature, command).await
    }

    /// La durée de l'essai des ateliers qui s'inscrivent désormais (de 1 à 90 jours).
    async fn set_trial_length(
        &self,
        ctx: &Context<'_>,
        days: i32,
    ) -> Result<CatalogueNode, ApiError> {
        // Out of range either way: the domain says so with the bounds.
        let days = u32::try_from(days).unwrap_or(0);
        change(
            ctx,
            Operation::EditorSetTrialLength,
            CatalogueCommand::SetTrialLength { days },
        )
        .await
    }

    /// Ouvre une fonctionnalité à une part des ateliers (0 à 100 %), tout de suite.
    async fn set_feature_rollout(
        &self,
        ctx: &Context<'_>,
        feature: FeatureValue,
        percent: i32,
    ) -> Result<CatalogueNode, ApiError> {
        let percent = u8::try_from(percent).unwrap_or(u8::MAX);
        let command = CatalogueCommand::SetRollout {
            feature: feature.into(),
            percent,
        };
        change(ctx, Operation::EditorSetFeatureRollout, command).await
    }

    /// Coupe une fonctionnalité pour tous les ateliers (ou la rétablit), tout de suite.
    async fn set_feature_kill_switch(
        &self,
        ctx: &Context<'_>,
        feature: FeatureValue,
        killed: bool,
    ) -> Result<CatalogueNode, ApiError> {
        let command = CatalogueCommand::SetKillSwitch {
            feature: feature.into(),
            killed,
        };
        change(ctx, Operation::EditorSetFeatureKillSwitch, command).await
    }
}
