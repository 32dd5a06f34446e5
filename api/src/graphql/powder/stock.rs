//! Stock levels, receptions, consumption, weighings and the daily to-weigh list.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Datelike, Utc};
use domain::powder::catalogue::Format;
use projections::powder::{self as read_model, PowderRow};
use projections::tenant;
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

/// The reliability score of each of `powder_keys` (those never weighed have none).
async fn reliabilities(
    conn: &mut sqlx::PgConnection,
    workspace_id: uuid::Uuid,
    powder_keys: &[String],
) -> Result<std::collections::HashMap<String, Option<u8>>, ApiError> {
    let rows = projections::powder_stock::recent_reconciliations(
        conn,
        workspace_id,
        powder_keys,
        domain::powder::RELIABILITY_WINDOW as i64,
    )
    .await?;
    let mut by_powder: std::collections::HashMap<String, Vec<(Decimal, Decimal)>> =
        Default::default();
    for (powder_key, theoretical, weighed) in rows {
        by_powder
            .entry(powder_key)
            .or_default()
            .push((theoretical, weighed));
    }
    Ok(by_powder
        .into_iter()
        .map(|(key, reconciliations)| (key, domain::powder::reliability_score(&reconciliations)))
        .collect())
}

/// The tare of one of the powder's carton formats.
fn format_tare(row: &PowderRow, format_kg: Decimal) -> Result<Decimal, ApiError> {
    let formats: Vec<Format> = serde_json::from_value(row.formats.clone()).unwrap_or_default();
    formats
        .iter()
        .find(|format| format.kg == format_kg)
        .map(|format| format.tare_kg)
        .ok_or_else(|| {
            ApiError::new(
                domain::ErrorKind::Validation,
                "POWDER_FORMAT_UNKNOWN",
                format!("pas de format de {format_kg} kg pour cette poudre"),
            )
        })
}

/// Receptions and weighings need a powder of the catalogue; an archived one may still be
/// consumed (a project started before the archive finishes with it).
pub(super) fn refuse_archived(row: &PowderRow) -> Result<(), ApiError> {
    match row.archived_at {
        Some(_) => Err(ApiError::domain(
            &domain::powder::catalogue::PowderError::Archived,
        )),
        None => Ok(()),
    }
}

pub(super) async fn move_stock(
    ctx: &Context<'_>,
    operation: Operation,
    powder_id: &str,
    archived_ok: bool,
    command: impl FnOnce(String) -> domain::powder::movement::MovementCommand,
) -> Result<(), ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let row = catalogue_row(ctx, actor.workspace_id, powder_id).await?;
    if !archived_ok {
        refuse_archived(&row)?;
    }
    let state = state(ctx);
    let local_id = domain::powder::movement::aggregate_local_id(&row.powder_key, Utc::now());
    let receipt = state
        .commands
        .powder_movements
        .execute(&meta(ctx, &actor), &local_id, command(row.powder_key))
        .await?;
    state
        .await_projections(&receipt, &[projections::powder_stock::NAME])
        .await
}

/// The stock rows with their reliability score, from the powder after `after`.
pub(super) async fn stock_nodes(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<PowderStockNode>, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = projections::powder_stock::list(&mut *tx, workspace_id, after, limit).await?;
    let keys: Vec<String> = rows.iter().map(|row| row.powder_key.clone()).collect();
    // Scores of this page only: a page costs the same with 30 or 3,000 powders.
    let scores = reliabilities(&mut tx, workspace_id, &keys).await?;
    let mut lots: std::collections::HashMap<String, Vec<StockLotNode>> = Default::default();
    for lot in projections::powder_lot::of_powders(&mut *tx, workspace_id, &keys).await? {
        lots.entry(lot.powder_key.clone())
            .or_default()
            .push(lot.into());
    }
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| PowderStockNode {
            reliability: scores
                .get(&row.powder_key)
                .copied()
                .flatten()
                .map(i32::from),
            reference: row.reference,
            theoretical_kg: row.theoretical_kg,
            weighed_kg: row.weighed_kg,
            used_since_weighing_kg: row.used_since_weighing_kg,
            last_weighed_at: row.last_weighed_at,
            lots: lots.remove(&row.powder_key).unwrap_or_default(),
            powder_id: ID(row.powder_key),
        })
        .collect())
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
        let row = catalogue_row(ctx, actor.workspace_id, &powder_id).await?;
        refuse_archived(&row)?;
        if let Some(format_kg) = format_kg {
            format_tare(&row, format_kg)?;
        }
        let kg = match (kg, cartons, format_kg) {
            (Some(kg), None, _) => kg,
            // Checked: the domain bounds the product, but it must exist to be bounded.
            (None, Some(cartons), Some(format_kg)) => Decimal::from(cartons)
                .checked_mul(format_kg)
                .ok_or_else(|| ApiError::domain(&domain::limits::overflow("quantité reçue")))?,
            _ => return Err(ApiError::new(
                domain::ErrorKind::Validation,
                "RECEPTION_QUANTITY_INVALID",
                "donnez la quantité en kg, ou un nombre de cartons et leur format (pas les deux)",
            )
            .into()),
        };
        let lot = (lot.is_some() || format_kg.is_some() || expires_on.is_some()).then(|| {
            domain::powder::movement::Lot {
                number: lot.unwrap_or_default(),
                format_kg,
                expires_on,
            }
        });
        move_stock(
            ctx,
            Operation::ReceivePowder,
            &powder_id,
            false,
            |powder_key| domain::powder::movement::MovementCommand::Receive {
                powder_key,
                kg,
                lot,
            },
        )
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
        move_stock(
            ctx,
            Operation::ConsumePowder,
            &powder_id,
            true,
            |powder_key| domain::powder::movement::MovementCommand::Consume {
                powder_key,
                kg,
                source: domain::powder::movement::ConsumptionSource::Manual(note),
            },
        )
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
        let row = catalogue_row(ctx, actor.workspace_id, &powder_id).await?;
        refuse_archived(&row)?;
        let tare_kg = format_tare(&row, format_kg)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let theoretical_kg =
            projections::powder_stock::theoretical(&mut *tx, actor.workspace_id, &row.powder_key)
                .await
                .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let net_kg = domain::powder::net_weight(gross_kg, tare_kg)
            .map_err(|error| ApiError::domain(&error))?;
        move_stock(
            ctx,
            Operation::WeighPowder,
            &powder_id,
            true,
            |powder_key| domain::powder::movement::MovementCommand::Weigh {
                powder_key,
                format_kg,
                gross_kg,
                tare_kg,
                theoretical_kg,
            },
        )
        .await?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let scores = reliabilities(
            &mut tx,
            actor.workspace_id,
            std::slice::from_ref(&row.powder_key),
        )
        .await?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(WeighingNode {
            net_kg,
            theoretical_kg,
            gap_kg: net_kg - theoretical_kg,
            reliability: scores
                .get(&row.powder_key)
                .copied()
                .flatten()
                .map(i32::from),
        })
    }
}
