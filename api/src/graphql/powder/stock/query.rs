//! The stock page and the day's to-weigh list.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};
use chrono::Utc;

use super::types::PowderStockNode;
use crate::graphql::powder::MAX_PAGE;
use crate::graphql::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

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
    ) -> Result<Connection<String, PowderStockNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PowderStock)?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut page = projections::views::stock::page(
            &state(ctx).pool,
            actor.workspace_id,
            after.as_deref(),
            Some(limit + 1),
        )
        .await?;
        let has_next = page.len() as i64 > limit;
        page.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for view in page {
            let node = PowderStockNode::from(view);
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
    ) -> Result<Vec<PowderStockNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ToWeighToday)?;
        // The workshop's day is the one in Europe/Paris.
        let today = Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive();
        let chosen =
            projections::views::stock::to_weigh(&state(ctx).pool, actor.workspace_id, count, today)
                .await?;
        Ok(chosen.into_iter().map(PowderStockNode::from).collect())
    }
}
