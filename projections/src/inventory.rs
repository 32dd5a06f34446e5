//! The `inventory` read model, and each inventory's progress read from the weighings.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::powder::inventory::InventoryEvent;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "inventory";

pub struct InventoryProjection;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InventoryRow {
    pub inventory_id: Uuid,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub powder_keys: Vec<String>,
    pub planned_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Targeted powders weighed during the period (days in Europe/Paris).
    pub weighed: i64,
    /// Sum of their latest gaps (weighed − theoretical), kg.
    pub gap_kg: Decimal,
}

#[async_trait]
impl Projection for InventoryProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["inventory"]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[InventoryEvent::PLANNED, InventoryEvent::CLOSED]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            match event.payload()? {
                InventoryEvent::Planned {
                    inventory_id,
                    name,
                    starts_on,
                    ends_on,
                    powder_keys,
                    planned_at,
                } => {
                    sqlx::query(
                        "insert into inventory (workspace_id, inventory_id, name, starts_on, ends_on, powder_keys, planned_at)
                         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
                    )
                    .bind(event.workspace_id)
                    .bind(inventory_id)
                    .bind(name)
                    .bind(starts_on)
                    .bind(ends_on)
                    .bind(powder_keys)
                    .bind(planned_at)
                    .execute(&mut *conn)
                    .await?;
                }
                InventoryEvent::Closed { closed_at } => {
                    let inventory_id = event
                        .aggregate_id
                        .rsplit('/')
                        .next()
                        .and_then(|id| Uuid::parse_str(id).ok());
                    sqlx::query("update inventory set closed_at = $3 where workspace_id = $1 and inventory_id = $2")
                        .bind(event.workspace_id)
                        .bind(inventory_id)
                        .bind(closed_at)
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// Inventories with their progress, newest first (tenant transaction).
/// Which inventories to read: one by id, or a page of the newest planned before a cursor.
#[derive(Debug, Clone, Copy)]
pub enum Selection {
    One(Uuid),
    Page {
        /// Keyset cursor `(planned_at, inventory_id)` of the last row already shown.
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    },
}

/// Inventories, newest planned first, with their progress. A workshop plans one every week
/// or so for years, hence the keyset page rather than the whole list.
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    selection: Selection,
) -> Result<Vec<InventoryRow>, sqlx::Error> {
    let (only, before, limit) = match selection {
        Selection::One(id) => (Some(id), None, 1),
        Selection::Page { before, limit } => (None, before, limit),
    };
    sqlx::query_as(
        "select i.inventory_id, i.name, i.starts_on, i.ends_on, i.powder_keys, i.planned_at, i.closed_at,
                count(distinct w.powder_key) as weighed,
                coalesce(sum(w.gap_kg) filter (where w.latest), 0) as gap_kg
         from inventory i
         left join lateral (
           select powder_key, gap_kg,
                  row_number() over (partition by powder_key order by weighed_at desc) = 1 as latest
           from powder_weighing
           where workspace_id = i.workspace_id and powder_key = any(i.powder_keys)
             and (weighed_at at time zone 'Europe/Paris')::date between i.starts_on and i.ends_on
         ) w on true
         where i.workspace_id = $1
           and ($2::uuid is null or i.inventory_id = $2)
           and ($3::timestamptz is null or (i.planned_at, i.inventory_id) < ($3, $4::uuid))
         group by i.workspace_id, i.inventory_id
         order by i.planned_at desc, i.inventory_id desc
         limit $5",
    )
    .bind(workspace_id)
    .bind(only)
    .bind(before.map(|(at, _)| at))
    .bind(before.map(|(_, id)| id))
    .bind(limit)
    .fetch_all(executor)
    .await
}
