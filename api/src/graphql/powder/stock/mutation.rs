//! Stock movements: receptions, hand consumptions, weighings.

use async_graphql::{Context, Object, ID};
use commands::powder_stock::Reception;
use rust_decimal::Decimal;

use super::types::WeighingNode;
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Default)]
pub struct PowderStockMutation;

#[Object]
impl PowderStockMutation {
    /// Enregistre une réception : des kg, ou des cartons d'un format du catalogue ; avec le
    /// numéro de lot et la date de péremption des cartons quand ils les portent (le stock est
    /// suivi par lot, les plus anciens utilisés d'abord). Gérant ou administrateur.
    // Each argument is a GraphQL argument: the reception form's fields.
    #[allow(clippy::too_many_arguments)]
    async fn receive_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        #[graphql(desc = "Quantité reçue, kg (ou `cartons`)")] kg: Option<Decimal>,
        #[graphql(desc = "Nombre de cartons du format `formatKg`")] cartons: Option<u32>,
        #[graphql(desc = "Format des cartons (un format du catalogue)")] format_kg: Option<Decimal>,
        #[graphql(desc = "Numéro de lot du fournisseur")] lot: Option<String>,
        #[graphql(desc = "Date de péremption imprimée sur les cartons")] expires_on: Option<
            chrono::NaiveDate,
        >,
    ) -> Result<bool, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ReceivePowder)?;
        let state = state(ctx);
        let reception = Reception {
            kg,
            cartons,
            format_kg,
            lot,
            expires_on,
        };
        let receipt = commands::powder_stock::receive(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            &powder_id,
            reception,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[projections::powder_stock::NAME],
                std::future::ready(Ok::<_, ApiError>(true)),
            )
            .await
    }

    /// Enregistre une consommation hors projet (correction, essai). Atelier.
    async fn consume_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        kg: Decimal,
        note: String,
    ) -> Result<bool, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ConsumePowder)?;
        let state = state(ctx);
        let receipt = commands::powder_stock::consume(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            &powder_id,
            kg,
            note,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[projections::powder_stock::NAME],
                std::future::ready(Ok::<_, ApiError>(true)),
            )
            .await
    }

    /// Pèse un carton : poids brut moins la tare du format = poudre restante. Atelier.
    async fn weigh_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        format_kg: Decimal,
        gross_kg: Decimal,
    ) -> Result<WeighingNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::WeighPowder)?;
        let state = state(ctx);
        let (receipt, weighing) = commands::powder_stock::weigh(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            &powder_id,
            format_kg,
            gross_kg,
        )
        .await?;
        let node = async {
            let reliability = projections::views::stock::reliability(
                &state.pool,
                actor.workspace_id,
                &weighing.powder_key,
            )
            .await?;
            Ok::<_, ApiError>(WeighingNode {
                reliability: reliability.map(i32::from),
                net_kg: weighing.net_kg,
                theoretical_kg: weighing.theoretical_kg,
                gap_kg: weighing.gap_kg,
            })
        };
        state
            .read_after(&receipt, &[projections::powder_stock::NAME], node)
            .await
    }
}
