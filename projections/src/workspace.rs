//! The `workspace` read model: one row per *atelier*.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::workspace::{Workspace, WorkspaceEvent};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "workspace";

pub struct WorkspaceProjection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkspaceRow {
    pub workspace_id: Uuid,
    pub name: String,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The state of one workspace after a page, folded in memory so a page of N events costs
/// two statements instead of N (replays read the whole log).
#[derive(Default)]
struct Change {
    name: Option<String>,
    registered_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl Projection for WorkspaceProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["workspace"]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let mut changes: HashMap<Uuid, Change> = HashMap::new();
        let ours = events
            .iter()
            .filter(|event| event.aggregate_type == Workspace::TYPE);
        for event in ours {
            let payload: WorkspaceEvent = event.payload()?;
            let change = changes.entry(event.workspace_id).or_default();
            match payload {
                WorkspaceEvent::Registered {
                    name,
                    registered_at,
                } => {
                    change.name = Some(name.as_str().to_owned());
                    change.registered_at = Some(registered_at);
                    change.updated_at = Some(registered_at);
                }
                WorkspaceEvent::Renamed { name, renamed_at } => {
                    change.name = Some(name.as_str().to_owned());
                    change.updated_at = Some(renamed_at);
                }
            }
        }
        let (mut new_ids, mut new_names, mut new_registered, mut new_updated) =
            (vec![], vec![], vec![], vec![]);
        let (mut ids, mut names, mut updated) = (vec![], vec![], vec![]);
        for (workspace_id, change) in changes {
            let (Some(name), Some(updated_at)) = (change.name, change.updated_at) else {
                continue;
            };
            match change.registered_at {
                Some(registered_at) => {
                    new_ids.push(workspace_id);
                    new_names.push(name);
                    new_registered.push(registered_at);
                    new_updated.push(updated_at);
                }
                None => {
                    ids.push(workspace_id);
                    names.push(name);
                    updated.push(updated_at);
                }
            }
        }
        if !new_ids.is_empty() {
            sqlx::query(
                "insert into workspace (workspace_id, name, registered_at, updated_at)
                 select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[])
                 on conflict (workspace_id) do update
                 set name = excluded.name, registered_at = excluded.registered_at,
                     updated_at = excluded.updated_at",
            )
            .bind(&new_ids)
            .bind(&new_names)
            .bind(&new_registered)
            .bind(&new_updated)
            .execute(&mut *conn)
            .await?;
        }
        if !ids.is_empty() {
            sqlx::query(
                "update workspace w set name = c.name, updated_at = c.updated_at
                 from unnest($1::uuid[], $2::text[], $3::timestamptz[]) as c(workspace_id, name, updated_at)
                 where w.workspace_id = c.workspace_id",
            )
            .bind(&ids)
            .bind(&names)
            .bind(&updated)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

/// The workspace row, if the caller's transaction may see it (see `tenant::begin`).
pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Option<WorkspaceRow>, sqlx::Error> {
    sqlx::query_as(
        "select workspace_id, name, registered_at, updated_at from workspace where workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(executor)
    .await
}
