//! The `powder` read model: the workshop's catalogue, searchable.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::powder::catalogue::{aggregate_local_id, PowderEvent, PowderSpec};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "powder";

pub struct PowderProjection;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PowderRow {
    pub powder_key: String,
    pub reference: String,
    pub kind: String,
    pub finish: String,
    pub brand: String,
    pub name: String,
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    pub thickness_um: Decimal,
    pub consumption_kg_m2: Decimal,
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: i32,
    pub cure_minutes: i32,
    pub formats: serde_json::Value,
    pub price_per_kg: Decimal,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

fn words<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn upsert(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    spec: &PowderSpec,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let identity = spec
        .identity()
        .map_err(|error| ProjectionError::Reactor(error.to_string()))?;
    sqlx::query(
        "insert into powder (workspace_id, powder_key, reference, kind, finish, brand, name, colour, density_g_cm3,
                             thickness_um, consumption_kg_m2, transfer_efficiency, cure_temperature_c, cure_minutes,
                             formats, price_per_kg, registered_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         on conflict (workspace_id, powder_key) do update
         set brand = excluded.brand, name = excluded.name, colour = excluded.colour,
             density_g_cm3 = excluded.density_g_cm3, thickness_um = excluded.thickness_um,
             consumption_kg_m2 = excluded.consumption_kg_m2, transfer_efficiency = excluded.transfer_efficiency,
             cure_temperature_c = excluded.cure_temperature_c, cure_minutes = excluded.cure_minutes,
             formats = excluded.formats, price_per_kg = excluded.price_per_kg, updated_at = excluded.updated_at",
    )
    .bind(workspace_id)
    .bind(aggregate_local_id(&identity))
    .bind(identity.reference())
    .bind(words(&spec.kind))
    .bind(words(&spec.finish))
    .bind(&spec.brand)
    .bind(&spec.name)
    .bind(&spec.colour)
    .bind(spec.density_g_cm3)
    .bind(spec.thickness_um)
    .bind(spec.consumption_kg_m2.unwrap_or_default())
    .bind(spec.transfer_efficiency)
    .bind(i32::from(spec.cure_temperature_c))
    .bind(i32::from(spec.cure_minutes))
    .bind(serde_json::to_value(&spec.formats).unwrap_or_default())
    .bind(spec.price_per_kg)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The powder of an archive event is its aggregate: its key is the aggregate's local id.
async fn set_archived(
    conn: &mut PgConnection,
    event: &RecordedEvent,
    archived_at: Option<DateTime<Utc>>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "update powder set archived_at = $3, updated_at = coalesce($3, updated_at)
         where workspace_id = $1 and powder_key = $2",
    )
    .bind(event.workspace_id)
    .bind(event.local_id())
    .bind(archived_at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn touch(
    conn: &mut PgConnection,
    event: &RecordedEvent,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query("update powder set updated_at = $3 where workspace_id = $1 and powder_key = $2")
        .bind(event.workspace_id)
        .bind(event.local_id())
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait]
impl Projection for PowderProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["powder"]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            PowderEvent::REGISTERED,
            PowderEvent::UPDATED,
            PowderEvent::ARCHIVED,
            PowderEvent::RESTORED,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            match event.payload()? {
                PowderEvent::Registered {
                    spec,
                    registered_at,
                } => upsert(conn, event.workspace_id, &spec, registered_at).await?,
                PowderEvent::Updated {
                    spec, updated_at, ..
                } => upsert(conn, event.workspace_id, &spec, updated_at).await?,
                PowderEvent::Archived { archived_at } => {
                    set_archived(conn, event, Some(archived_at)).await?
                }
                PowderEvent::Restored { restored_at } => {
                    set_archived(conn, event, None).await?;
                    touch(conn, event, restored_at).await?
                }
            }
        }
        Ok(())
    }
}

/// A page of the catalogue by reference, optionally searched (reference, name or colour
/// containing `search`) and filtered by finish.
pub async fn search(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    search: Option<&str>,
    finish: Option<&str>,
    after: Option<&str>,
    limit: i64,
    include_archived: bool,
) -> Result<Vec<PowderRow>, sqlx::Error> {
    let pattern =
        search.map(|text| format!("%{}%", text.trim().replace('%', "\\%").replace('_', "\\_")));
    sqlx::query_as(
        "select powder_key, reference, kind, finish, brand, name, colour, density_g_cm3, thickness_um,
                consumption_kg_m2, transfer_efficiency, cure_temperature_c, cure_minutes, formats, price_per_kg,
                registered_at, updated_at, archived_at
         from powder
         where workspace_id = $1 and ($6 or archived_at is null)
           and ($2::text is null or reference ilike $2 or name ilike $2 or colour ilike $2)
           and ($3::text is null or finish = $3)
           and ($4::text is null or powder_key > $4)
         order by powder_key
         limit $5",
    )
    .bind(workspace_id)
    .bind(pattern)
    .bind(finish)
    .bind(after)
    .bind(limit)
    .bind(include_archived)
    .fetch_all(executor)
    .await
}

pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_key: &str,
) -> Result<Option<PowderRow>, sqlx::Error> {
    sqlx::query_as(
        "select powder_key, reference, kind, finish, brand, name, colour, density_g_cm3, thickness_um,
                consumption_kg_m2, transfer_efficiency, cure_temperature_c, cure_minutes, formats, price_per_kg,
                registered_at, updated_at, archived_at
         from powder where workspace_id = $1 and powder_key = $2",
    )
    .bind(workspace_id)
    .bind(powder_key)
    .fetch_optional(executor)
    .await
}
