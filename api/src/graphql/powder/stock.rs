//! Stock levels, receptions, consumption, weighings and the daily to-weigh list.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Datelike, Utc};
use commands::powder_stock::Reception;
use projections::powder::{self as read_model, PowderRow};
use projections::tenant;
use projections::views::stock::PowderStockView;
use rust_decimal::Decimal;

use super::*;
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Le stock d'une poudre.
#[derive(SimpleObject)]
pub struct PowderStockNode {
    pub powder_id: ID,
    pub reference: String,
    /// Réceptions moins consommations depuis la dernière pesée.
    pub theoretical_kg: Decimal,
    /// Dernière quantité pesée.
    pub weighed_kg: Option<Decimal>,
    pub used_since_weighing_kg: Decimal,
    pub last_weighed_at: Option<DateTime<Utc>>,
    /// Score de fiabilité 0–100 ; absent avant la première pesée.
    pub reliability: Option<i32>,
    /// Les lots qui contiennent encore de la poudre, dans l'ordre où les utiliser.
    pub lots: Vec<StockLotNode>,
}

/// Un lot reçu : numéro, format des cartons, péremption, ce qu'il en reste.
#[derive(SimpleObject)]
pub struct StockLotNode {
    /// Vide quand la réception n'en donnait pas.
    pub number: String,
    /// Absent quand la réception ne le donnait pas.
    pub format_kg: Option<Decimal>,
    pub received_kg: Decimal,
    pub remaining_kg: Decimal,
    pub expires_on: Option<chrono::NaiveDate>,
    pub first_received_at: DateTime<Utc>,
}

impl From<projections::powder_lot::LotRow> for StockLotNode {
    fn from(row: projections::powder_lot::LotRow) -> Self {
        Self {
            number: row.lot_number,
            format_kg: (row.format_kg > Decimal::ZERO).then_some(row.format_kg),
            received_kg: row.received_kg,
            remaining_kg: row.remaining_kg,
            expires_on: row.expires_on,
            first_received_at: row.first_received_at,
        }
    }
}

/// Une pesée enregistrée.
#[derive(SimpleObject)]
pub struct WeighingNode {
    pub net_kg: Decimal,
    pub theoretical_kg: Decimal,
    /// Pesé moins théorique : négatif quand de la poudre manque.
    pub gap_kg: Decimal,
    pub reliability: Option<i32>,
}

pub(super) async fn catalogue_row(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    powder_id: &str,
) -> Result<PowderRow, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = read_model::find(&mut *tx, workspace_id, powder_id).await?;
    tx.commit().await?;
    row.ok_or_else(|| {
        ApiError::new(
            domain::ErrorKind::NotFound,
            "POWDER_NOT_FOUND",
            "cette poudre n'existe pas",
        )
    })
}

/// The stock rows with their reliability score, from the powder after `after`.
pub(super) async fn stock_nodes(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<PowderStockNode>, ApiError> {
    let page =
        projections::views::stock::page(&state(ctx).pool, workspace_id, after, limit).await?;
    Ok(page.into_iter().map(PowderStockNode::from).collect())
}

impl From<PowderStockView> for PowderStockNode {
    fn from(view: PowderStockView) -> Self {
        let row = view.stock;
        Self {
            reliability: view.reliability.map(i32::from),
            reference: row.reference,
            theoretical_kg: row.theoretical_kg,
            weighed_kg: row.weighed_kg,
            used_since_weighing_kg: row.used_since_weighing_kg,
            last_weighed_at: row.last_weighed_at,
            lots: view.lots.into_iter().map(StockLotNode::from).collect(),
            powder_id: ID(row.powder_key),
        }
    }
}

#[derive(Default)]
pub struct PowderStockQuery;

#[Object]
impl PowderStockQuery {
    /// Le stock des poudres du catalogue par référence, avec leur score de fiabilité.
    async fn powder_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PowderStockNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PowderStock)?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut nodes =
            stock_nodes(ctx, actor.workspace_id, after.as_deref(), Some(limit + 1)).await?;
        let has_next = nodes.len() as i64 > limit;
        nodes.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for node in nodes {
            connection
                .edges
                .push(Edge::new(node.powder_id.0.clone(), node));
        }
        Ok(connection)
    }

    /// La courte liste du jour « à peser » : les plus utilisées depuis leur dernière pesée,
    /// les moins fiables, et un tirage stable pour la journée.
    async fn to_weigh_today(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Nombre de poudres (réglage du stock par défaut : 3)")] count: Option<u8>,
    ) -> async_graphql::Result<Vec<PowderStockNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ToWeighToday)?;
        let count = match count {
            Some(count) => count,
            None => {
                super::settings_in_force(ctx, actor.workspace_id)
                    .await?
                    .daily_list_size
            }
        };
        let count = usize::from(count.clamp(1, domain::powder::settings::MAX_DAILY_LIST));
        let stock = stock_nodes(ctx, actor.workspace_id, None, None).await?;
        let candidates: Vec<domain::powder::Candidate<String>> = stock
            .iter()
            .map(|node| domain::powder::Candidate {
                id: node.powder_id.0.clone(),
                used_since_weighing_kg: node.used_since_weighing_kg,
                reliability: node.reliability.and_then(|score| u8::try_from(score).ok()),
            })
            .collect();
        // Stable for the workshop's day (Europe/Paris), different from one day to the next.
        let today = Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive();
        let seed = actor.workspace_id.as_u64_pair().0
            ^ (today.num_days_from_ce() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let chosen = domain::powder::to_weigh_list(&candidates, count, seed);
        let mut by_id: std::collections::HashMap<String, PowderStockNode> = stock
            .into_iter()
            .map(|node| (node.powder_id.0.clone(), node))
            .collect();
        Ok(chosen
            .into_iter()
            .filter_map(|id| by_id.remove(&id))
            .collect())
    }
}

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
    ) -> async_graphql::Result<bool> {
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
        .await
        .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::powder_stock::NAME])
            .await?;
        Ok(true)
    }

    /// Enregistre une consommation hors projet (correction, essai). Atelier.
    async fn consume_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        kg: Decimal,
        note: String,
    ) -> async_graphql::Result<bool> {
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
        .await
        .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::powder_stock::NAME])
            .await?;
        Ok(true)
    }

    /// Pèse un carton : poids brut moins la tare du format = poudre restante. Atelier.
    async fn weigh_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        format_kg: Decimal,
        gross_kg: Decimal,
    ) -> async_graphql::Result<WeighingNode> {
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
        .await
        .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::powder_stock::NAME])
            .await?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let scores = projections::views::stock::reliabilities(
            &mut tx,
            actor.workspace_id,
            std::slice::from_ref(&weighing.powder_key),
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(WeighingNode {
            reliability: scores
                .get(&weighing.powder_key)
                .copied()
                .flatten()
                .map(i32::from),
            net_kg: weighing.net_kg,
            theoretical_kg: weighing.theoretical_kg,
            gap_kg: weighing.gap_kg,
        })
    }
}
