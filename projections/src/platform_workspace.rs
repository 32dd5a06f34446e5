//! The `platform_workspace` read model (issue 21, ADR 0014): the editor's list of workshops,
//! fed by the log of every workspace — name, sign-up, trial, last activity — and nothing of
//! their business. Its rows belong to the platform workspace, so row-level security shows
//! them to the platform's scope only.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::platform::{is_platform, PLATFORM_WORKSPACE_ID};
use domain::workspace::WorkspaceEvent;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "platform_workspace";

pub struct PlatformWorkspaceProjection;

/// What a page changed for one workshop, folded so a page costs one statement per
/// workshop however many events it holds.
#[derive(Default)]
struct Change {
    name: Option<String>,
    registered_at: Option<DateTime<Utc>>,
    trial_ends_at: Option<DateTime<Utc>>,
    last_activity_at: Option<DateTime<Utc>>,
    events: i64,
}

#[async_trait]
impl Projection for PlatformWorkspaceProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["platform_workspace"]
    }

    // Every event: each one is activity of its workshop.

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let mut changes: HashMap<Uuid, Change> = HashMap::new();
        for event in events {
            if is_platform(event.workspace_id) {
                continue;
            }
            let change = changes.entry(event.workspace_id).or_default();
            change.events += 1;
            change.last_activity_at = change.last_activity_at.max(Some(event.recorded_at));
            let named = [
                WorkspaceEvent::REGISTERED,
                WorkspaceEvent::RENAMED,
                WorkspaceEvent::TRIAL_STARTED,
            ];
            if event.aggregate_type != <domain::workspace::Workspace as cqrs_es::Aggregate>::TYPE
                || !named.contains(&event.event_type.as_str())
            {
                continue;
            }
            match event.payload()? {
                WorkspaceEvent::Registered {
                    name,
                    registered_at,
                } => {
                    change.name = Some(name.as_str().to_owned());
                    change.registered_at = Some(registered_at);
                }
                WorkspaceEvent::Renamed { name, .. } => {
                    change.name = Some(name.as_str().to_owned())
                }
                WorkspaceEvent::TrialStarted { ends_at, .. } => {
                    change.trial_ends_at = Some(ends_at)
                }
                _ => {}
            }
        }
        for (tenant_id, change) in changes {
            upsert(conn, tenant_id, change).await?;
        }
        Ok(())
    }
}

async fn upsert(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    change: Change,
) -> Result<(), sqlx::Error> {
    if let (Some(name), Some(registered_at)) = (&change.name, change.registered_at) {
        // Listed from its registration, its first event.
        sqlx::query(
            "insert into platform_workspace (workspace_id, tenant_id, name, registered_at,
                                             trial_ends_at, last_activity_at, events)
             values ($1, $2, $3, $4, $5, $6, $7)
             on conflict (workspace_id, tenant_id) do update set
               name = excluded.name,
               trial_ends_at = coalesce(excluded.trial_ends_at, platform_workspace.trial_ends_at),
               last_activity_at = greatest(platform_workspace.last_activity_at, excluded.last_activity_at),
               events = platform_workspace.events + excluded.events",
        )
        .bind(PLATFORM_WORKSPACE_ID)
        .bind(tenant_id)
        .bind(name)
        .bind(registered_at)
        .bind(change.trial_ends_at)
        .bind(change.last_activity_at.unwrap_or(registered_at))
        .bind(change.events)
        .execute(conn)
        .await?;
        return Ok(());
    }
    sqlx::query(
        "update platform_workspace set
           name = coalesce($3, name),
           trial_ends_at = coalesce($4, trial_ends_at),
           last_activity_at = greatest(last_activity_at, $5),
           events = events + $6
         where workspace_id = $1 and tenant_id = $2",
    )
    .bind(PLATFORM_WORKSPACE_ID)
    .bind(tenant_id)
    .bind(&change.name)
    .bind(change.trial_ends_at)
    .bind(change.last_activity_at)
    .bind(change.events)
    .execute(conn)
    .await?;
    Ok(())
}

/// A workshop as the editor lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlatformWorkspaceRow {
    pub tenant_id: Uuid,
    pub name: String,
    pub registered_at: DateTime<Utc>,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub last_activity_at: DateTime<Utc>,
    pub events: i64,
}

/// What the editor filters on.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Part of the name, any case.
    pub search: Option<String>,
    /// `Some(true)`: trials still running at `now`; `Some(false)`: trials over.
    pub in_trial: Option<bool>,
    pub registered_from: Option<DateTime<Utc>>,
    pub registered_to: Option<DateTime<Utc>>,
}

/// One page of workshops, newest sign-up first, after `after` (`(registered_at, id)`), in
/// the platform's scope.
pub async fn page(
    executor: impl PgExecutor<'_>,
    filter: &Filter,
    now: DateTime<Utc>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<PlatformWorkspaceRow>, sqlx::Error> {
    let (after_at, after_id) = after.unzip();
    sqlx::query_as(
        "select tenant_id, name, registered_at, trial_ends_at, last_activity_at, events
         from platform_workspace
         where workspace_id = $1
           and ($2::text is null or name ilike '%' || replace(replace(replace($2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')
           and ($3::boolean is null or (coalesce(trial_ends_at > $4, false) = $3))
           and ($5::timestamptz is null or registered_at >= $5)
           and ($6::timestamptz is null or registered_at < $6)
           and ($7::timestamptz is null or (registered_at, tenant_id) < ($7, $8))
         order by registered_at desc, tenant_id desc
         limit $9",
    )
    .bind(PLATFORM_WORKSPACE_ID)
    .bind(&filter.search)
    .bind(filter.in_trial)
    .bind(now)
    .bind(filter.registered_from)
    .bind(filter.registered_to)
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(executor)
    .await
}
