//! The `workspace` read model: one row per *atelier*.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::workspace::{Module, Workspace, WorkspaceEvent};
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
    pub plan: Option<String>,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub jantes_enabled: bool,
}

/// What a page changed in one workspace, folded in memory so a page of N events costs two
/// statements instead of N (replays read the whole log).
#[derive(Default)]
struct Change {
    registered_at: Option<DateTime<Utc>>,
    name: Option<String>,
    plan: Option<String>,
    trial_ends_at: Option<DateTime<Utc>>,
    jantes_enabled: Option<bool>,
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

    fn event_types(&self) -> &'static [&'static str] {
        &[
            WorkspaceEvent::REGISTERED,
            WorkspaceEvent::RENAMED,
            WorkspaceEvent::TRIAL_STARTED,
            WorkspaceEvent::MODULE_TOGGLED,
        ]
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
            let change = changes.entry(event.workspace_id).or_default();
            match event.payload()? {
                WorkspaceEvent::Registered {
                    name,
                    registered_at,
                } => {
                    change.registered_at = Some(registered_at);
                    change.name = Some(name.as_str().to_owned());
                    change.updated_at = Some(registered_at);
                }
                WorkspaceEvent::Renamed { name, renamed_at } => {
                    change.name = Some(name.as_str().to_owned());
                    change.updated_at = Some(renamed_at);
                }
                WorkspaceEvent::TrialStarted {
                    plan,
                    started_at,
                    ends_at,
                } => {
                    change.plan = Some(plan.as_str().to_owned());
                    change.trial_ends_at = Some(ends_at);
                    change.updated_at = Some(started_at);
                }
                WorkspaceEvent::ModuleToggled {
                    module: Module::Jantes,
                    enabled,
                    toggled_at,
                } => {
                    change.jantes_enabled = Some(enabled);
                    change.updated_at = Some(toggled_at);
                }
                WorkspaceEvent::ConsentRecorded { .. }
                | WorkspaceEvent::MemberJoined { .. }
                | WorkspaceEvent::MemberRoleChanged { .. }
                | WorkspaceEvent::MemberDeactivated { .. }
                | WorkspaceEvent::MemberInvited { .. }
                | WorkspaceEvent::InvitationRevoked { .. } => {}
            }
        }
        write(conn, changes).await?;
        Ok(())
    }
}

async fn write(conn: &mut PgConnection, changes: HashMap<Uuid, Change>) -> Result<(), sqlx::Error> {
    let (mut new_ids, mut new_names, mut new_registered) = (vec![], vec![], vec![]);
    let (mut ids, mut names, mut plans, mut trial_ends, mut jantes, mut updated) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (workspace_id, change) in changes {
        let Some(updated_at) = change.updated_at else {
            continue;
        };
        if let (Some(registered_at), Some(name)) = (change.registered_at, &change.name) {
            new_ids.push(workspace_id);
            new_names.push(name.clone());
            new_registered.push(registered_at);
        }
        ids.push(workspace_id);
        names.push(change.name);
        plans.push(change.plan);
        trial_ends.push(change.trial_ends_at);
        jantes.push(change.jantes_enabled);
        updated.push(updated_at);
    }
    if !new_ids.is_empty() {
        // A replayed registration resets the row; later changes of the page follow below.
        sqlx::query(
            "insert into workspace (workspace_id, name, registered_at, updated_at)
             select id, name, at, at from unnest($1::uuid[], $2::text[], $3::timestamptz[]) as n(id, name, at)
             on conflict (workspace_id) do update
             set name = excluded.name, registered_at = excluded.registered_at,
                 updated_at = excluded.updated_at, plan = null, trial_ends_at = null,
                 jantes_enabled = false",
        )
        .bind(&new_ids)
        .bind(&new_names)
        .bind(&new_registered)
        .execute(&mut *conn)
        .await?;
    }
    if !ids.is_empty() {
        sqlx::query(
            "update workspace w
             set name = coalesce(c.name, w.name), plan = coalesce(c.plan, w.plan),
                 trial_ends_at = coalesce(c.trial_ends_at, w.trial_ends_at),
                 jantes_enabled = coalesce(c.jantes_enabled, w.jantes_enabled),
                 updated_at = c.updated_at
             from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[], $6::timestamptz[])
                  as c(workspace_id, name, plan, trial_ends_at, jantes_enabled, updated_at)
             where w.workspace_id = c.workspace_id",
        )
        .bind(&ids)
        .bind(&names)
        .bind(&plans)
        .bind(&trial_ends)
        .bind(&jantes)
        .bind(&updated)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The workspace row, if the caller's transaction may see it (see `tenant::begin`).
pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Option<WorkspaceRow>, sqlx::Error> {
    sqlx::query_as(
        "select workspace_id, name, registered_at, updated_at, plan, trial_ends_at, jantes_enabled
         from workspace where workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(executor)
    .await
}
