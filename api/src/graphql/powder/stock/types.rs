//! The stock's GraphQL types: a powder's stock with its lots, and a weighing's outcome.

use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use projections::views::stock::PowderStockView;
use rust_decimal::Decimal;

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
