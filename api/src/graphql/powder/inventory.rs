//! Partial inventories: a targeted list over a period, never blocking the shop.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use projections::tenant;
use rust_decimal::Decimal;

use super::*;
use crate::graphql::{actor, meta, state, to_time_cursor};
use crate::permissions::Operation;
use crate::ApiError;

/// Un inventaire partiel et son avancement.
#[derive(SimpleObject)]
pub struct InventoryNode {
    pub id: ID,
    pub name: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    /// Les poudres ciblées.
    pub powder_ids: Vec<ID>,
    /// Combien ont été pesées pendant la période.
    pub weighed: i32,
    pub total: i32,
    /// Somme des écarts (pesé − théorique) des poudres pesées, kg.
    pub gap_kg: Decimal,
    pub planned_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<projections::inventory::InventoryRow> for InventoryNode {
    fn from(row: projections::inventory::InventoryRow) -> Self {
        Self {
            id: ID(row.inventory_id.to_string()),
            name: row.name,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            total: i32::try_from(row.powder_keys.len()).unwrap_or(i32::MAX),
            powder_ids: row.powder_keys.into_iter().map(ID).collect(),
            weighed: i32::try_from(row.weighed).unwrap_or(i32::MAX),
            gap_kg: row.gap_kg,
            planned_at: row.planned_at,
            closed_at: row.closed_at,
        }
    }
}

pub(super) async fn inventory_rows(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    selection: projections::inventory::Selection,
) -> Result<Vec<projections::inventory::InventoryRow>, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = projections::inventory::list(&mut *tx, workspace_id, selection).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One inventory as its read model shows it, right after a command was projected.
pub(super) async fn inventory_node(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    inventory_id: uuid::Uuid,
) -> Result<InventoryNode, ApiError> {
    inventory_rows(
        ctx,
        workspace_id,
        projections::inventory::Selection::One(inventory_id),
    )
    .await?
    .into_iter()
    .next()
    .map(InventoryNode::from)
    .ok_or_else(|| ApiError::internal("inventory missing from its read model"))
}

#[derive(Default)]
pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    /// Les inventaires partiels, du plus récent au plus ancien.
    async fn inventories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, InventoryNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Inventories)?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut rows = inventory_rows(
            ctx,
            actor.workspace_id,
            projections::inventory::Selection::Page {
                before,
                limit: limit + 1,
            },
        )
        .await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for row in rows {
            let cursor = to_time_cursor(row.planned_at, row.inventory_id);
            connection.edges.push(Edge::new(cursor, row.into()));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct InventoryMutation;

#[Object]
impl InventoryMutation {
    /// Planifie un inventaire partiel : une période et une liste ciblée (les plus utilisées,
    /// les moins fiables, un tirage). L'atelier continue de tourner. Gérant ou administrateur.
    async fn plan_inventory(
        &self,
        ctx: &Context<'_>,
        name: String,
        starts_on: chrono::NaiveDate,
        ends_on: chrono::NaiveDate,
        #[graphql(desc = "Nombre de poudres ciblées (10 par défaut)")] size: Option<i32>,
    ) -> Result<InventoryNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PlanInventory)?;
        // The list is drawn here, from the stock read model; the aggregate checks its length
        // again, whichever door the plan came through.
        let size = size.unwrap_or(10);
        domain::limits::inventory::SIZE
            .check_integer(size)
            .map_err(|error| ApiError::domain(&error))?;
        let size = usize::try_from(size).unwrap_or(10);
        let state = state(ctx);
        let candidates =
            projections::views::stock::weighing_candidates(&state.pool, actor.workspace_id).await?;
        let inventory_id = uuid::Uuid::now_v7();
        let powder_keys =
            domain::powder::to_weigh_list(&candidates, size, inventory_id.as_u64_pair().1);
        let receipt = state
            .commands
            .inventories
            .execute(
                &meta(ctx, &actor),
                &domain::powder::inventory::aggregate_local_id(inventory_id),
                domain::powder::inventory::InventoryCommand::Plan {
                    inventory_id,
                    name,
                    starts_on,
                    ends_on,
                    powder_keys,
                },
            )
            .await?;
        state
            .read_after(
                &receipt,
                &[projections::inventory::NAME],
                inventory_node(ctx, actor.workspace_id, inventory_id),
            )
            .await
    }

    /// Clôt un inventaire. Gérant ou administrateur.
    async fn close_inventory(&self, ctx: &Context<'_>, id: ID) -> Result<InventoryNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CloseInventory)?;
        let inventory_id = uuid::Uuid::parse_str(&id).map_err(|_| {
            ApiError::domain(&domain::powder::inventory::InventoryError::NotPlanned)
        })?;
        let state = state(ctx);
        let receipt = state
            .commands
            .inventories
            .execute(
                &meta(ctx, &actor),
                &domain::powder::inventory::aggregate_local_id(inventory_id),
                domain::powder::inventory::InventoryCommand::Close,
            )
            .await?;
        state
            .read_after(
                &receipt,
                &[projections::inventory::NAME],
                inventory_node(ctx, actor.workspace_id, inventory_id),
            )
            .await
    }
}
