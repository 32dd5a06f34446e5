//! The history of weighings of a powder.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use projections::tenant;
use rust_decimal::Decimal;

use super::*;
use crate::graphql::{actor, state, to_time_cursor};
use crate::permissions::Operation;
use crate::ApiError;

/// Une pesée de l'historique.
#[derive(SimpleObject)]
pub struct WeighingEntry {
    pub weighed_at: DateTime<Utc>,
    /// Qui a pesé (compte).
    pub weighed_by: Option<ID>,
    pub format_kg: Decimal,
    pub gross_kg: Decimal,
    pub tare_kg: Decimal,
    pub net_kg: Decimal,
    pub theoretical_kg: Decimal,
    pub gap_kg: Decimal,
}

#[derive(Default)]
pub struct WeighingQuery;

#[Object]
impl WeighingQuery {
    /// L'historique des pesées d'une poudre, de la plus récente à la plus ancienne.
    async fn powder_weighings(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, WeighingEntry>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PowderWeighings)?;
        let row = catalogue_row(ctx, actor.workspace_id, &powder_id).await?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let mut rows = projections::powder_stock::weighings(
            &mut *tx,
            actor.workspace_id,
            &row.powder_key,
            before,
            limit + 1,
        )
        .await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for weighing in rows {
            let cursor = to_time_cursor(weighing.weighed_at, weighing.event_id);
            connection.edges.push(Edge::new(
                cursor,
                WeighingEntry {
                    weighed_at: weighing.weighed_at,
                    weighed_by: weighing.weighed_by.map(|id| ID(id.to_string())),
                    format_kg: weighing.format_kg,
                    gross_kg: weighing.gross_kg,
                    tare_kg: weighing.tare_kg,
                    net_kg: weighing.net_kg,
                    theoretical_kg: weighing.theoretical_kg,
                    gap_kg: weighing.gap_kg,
                },
            ));
        }
        Ok(connection)
    }
}
