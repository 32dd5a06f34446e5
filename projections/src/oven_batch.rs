//! The `oven_batch` read model: each batch (série) with its key, members and status, the
//! parts each open batch holds, and the workshop's oven settings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::batch::key::BatchKey;
use domain::batch::lifecycle::{BatchEvent, Member};
use domain::batch::oven::{OvenEvent, OvenSettings};
use domain::meta;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::RecordedEvent;

pub const NAME: &str = "oven_batch";

pub struct OvenBatchProjection;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BatchRow {
    pub batch_id: Uuid,
    pub number: String,
    pub status: String,
    pub key: serde_json::Value,
    pub members: serde_json::Value,
    pub powder_kg_used: Option<Decimal>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub launched_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl BatchRow {
    pub fn key(&self) -> Option<BatchKey> {
        serde_json::from_value(self.key.clone()).ok()
    }

    pub fn members(&self) -> Vec<Member> {
        serde_json::from_value(self.members.clone()).unwrap_or_default()
    }
}

const COLUMNS: &str = "batch_id, number, status, key, members, powder_kg_used, created_by,
    created_at, launched_at, closed_at";

fn batch_id_of(event: &RecordedEvent) -> Result<Uuid, ProjectionError> {
    event
        .local_id()
        .strip_prefix("batch/")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| ProjectionError::Reactor(format!("not a batch id: {}", event.aggregate_id)))
}

async fn members(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    batch_id: Uuid,
) -> Result<Vec<Member>, ProjectionError> {
    let stored: Option<serde_json::Value> = sqlx::query_scalar(
        "select members from oven_batch where workspace_id = $1 and batch_id = $2",
    )
    .bind(workspace_id)
    .bind(batch_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(stored
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default())
}

async fn save_members(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    batch_id: Uuid,
    members: &[Member],
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "update oven_batch set members = $3, updated_at = $4
         where workspace_id = $1 and batch_id = $2",
    )
    .bind(workspace_id)
    .bind(batch_id)
    .bind(serde_json::to_value(members).unwrap_or_default())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("delete from oven_batch_part where workspace_id = $1 and batch_id = $2")
        .bind(workspace_id)
        .bind(batch_id)
        .execute(&mut *conn)
        .await?;
    for member in members {
        sqlx::query(
            "insert into oven_batch_part (workspace_id, batch_id, project_id, rank, code)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(workspace_id)
        .bind(batch_id)
        .bind(member.project_id)
        .bind(i32::from(member.part.rank))
        .bind(member.part.code.to_uppercase())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn set_status(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    batch_id: Uuid,
    status: &str,
    column: &str,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query(&format!(
        "update oven_batch set status = $3, {column} = $4, updated_at = $4
         where workspace_id = $1 and batch_id = $2"
    ))
    .bind(workspace_id)
    .bind(batch_id)
    .bind(status)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Projection for OvenBatchProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["oven_batch", "oven_batch_part", "oven_settings"]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            BatchEvent::CREATED,
            BatchEvent::PARTS_ADDED,
            BatchEvent::PARTS_REMOVED,
            BatchEvent::LAUNCHED,
            BatchEvent::CLOSED,
            OvenEvent::CHANGED,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let workspace_id = event.workspace_id;
            if event.event_type == OvenEvent::CHANGED {
                let OvenEvent::Changed {
                    settings,
                    changed_at,
                } = event.payload()?;
                crate::workshop_settings::save(
                    conn,
                    "oven_settings",
                    "settings",
                    workspace_id,
                    &settings,
                    changed_at,
                )
                .await?;
                continue;
            }
            let batch_id = batch_id_of(event)?;
            match event.payload()? {
                BatchEvent::Created {
                    number,
                    key,
                    created_at,
                    ..
                } => {
                    let actor = event
                        .meta(meta::ACTOR_ID)
                        .and_then(|id| Uuid::parse_str(&id).ok());
                    sqlx::query(
                        "insert into oven_batch (workspace_id, batch_id, number, status, key,
                                                 powder_reference, cure_temperature_c, created_by,
                                                 created_at, updated_at)
                         values ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $8)
                         on conflict do nothing",
                    )
                    .bind(workspace_id)
                    .bind(batch_id)
                    .bind(&number)
                    .bind(serde_json::to_value(&key).unwrap_or_default())
                    .bind(key.powder.reference())
                    .bind(i32::from(key.cure_temperature_c))
                    .bind(actor)
                    .bind(created_at)
                    .execute(&mut *conn)
                    .await?;
                }
                BatchEvent::PartsAdded {
                    members: added,
                    added_at,
                } => {
                    let mut all = members(conn, workspace_id, batch_id).await?;
                    all.extend(added);
                    save_members(conn, workspace_id, batch_id, &all, added_at).await?;
                }
                BatchEvent::PartsRemoved { parts, removed_at } => {
                    let mut all = members(conn, workspace_id, batch_id).await?;
                    all.retain(|member| {
                        !parts.iter().any(|part| {
                            part.project_id == member.project_id && part.rank == member.part.rank
                        })
                    });
                    save_members(conn, workspace_id, batch_id, &all, removed_at).await?;
                }
                BatchEvent::Launched { launched_at, .. } => {
                    set_status(
                        conn,
                        workspace_id,
                        batch_id,
                        "launched",
                        "launched_at",
                        launched_at,
                    )
                    .await?;
                }
                BatchEvent::Closed { kg, closed_at, .. } => {
                    set_status(
                        conn,
                        workspace_id,
                        batch_id,
                        "closed",
                        "closed_at",
                        closed_at,
                    )
                    .await?;
                    sqlx::query(
                        "update oven_batch set powder_kg_used = $3
                         where workspace_id = $1 and batch_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(batch_id)
                    .bind(kg)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// The workshop's oven, the default until it set its own.
pub async fn oven(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<OvenSettings, sqlx::Error> {
    crate::workshop_settings::load(executor, "oven_settings", "settings", workspace_id).await
}

pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    batch_id: Uuid,
) -> Result<Option<BatchRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from oven_batch where workspace_id = $1 and batch_id = $2"
    ))
    .bind(workspace_id)
    .bind(batch_id)
    .fetch_optional(executor)
    .await
}

/// Batches in `statuses` (all when empty), newest first, `limit` after `offset`.
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    statuses: &[String],
    limit: i64,
    offset: i64,
) -> Result<Vec<BatchRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from oven_batch
         where workspace_id = $1 and (cardinality($2::text[]) = 0 or status = any($2))
         order by created_at desc, number desc limit $3 offset $4"
    ))
    .bind(workspace_id)
    .bind(statuses)
    .bind(limit)
    .bind(offset)
    .fetch_all(executor)
    .await
}

/// The number of the open (draft or launched) batch other than `except` holding the part.
pub async fn open_batch_of(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
    rank: u16,
    except: Option<Uuid>,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select b.number from oven_batch_part p
           join oven_batch b on b.workspace_id = p.workspace_id and b.batch_id = p.batch_id
         where p.workspace_id = $1 and p.project_id = $2 and p.rank = $3
           and b.status <> 'closed' and ($4::uuid is null or b.batch_id <> $4)
         limit 1",
    )
    .bind(workspace_id)
    .bind(project_id)
    .bind(i32::from(rank))
    .bind(except)
    .fetch_optional(executor)
    .await
}
