//! The audit log of a workspace, read straight from the event log: who did what, when,
//! from where. No projection in between, so it can neither lag nor differ from the log.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// What to look for; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub aggregate_type: Option<String>,
    /// The aggregate's id inside the workspace (without the workspace prefix).
    pub aggregate_id: Option<String>,
    pub event_type: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditEntry {
    pub global_position: i64,
    pub event_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub event_type: String,
    pub payload: Value,
    pub metadata: Value,
}

impl AuditEntry {
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(Value::as_str)
    }

    /// The aggregate id as the workspace knows it, without the workspace prefix.
    pub fn local_aggregate_id(&self) -> &str {
        self.aggregate_id
            .split_once('/')
            .map_or(self.aggregate_id.as_str(), |(_, local)| local)
    }

    /// The payload in one line, cut to `max` characters: enough to tell what changed.
    pub fn summary(&self, max: usize) -> String {
        let text = self.payload.to_string();
        if text.chars().count() <= max {
            text
        } else {
            let cut: String = text.chars().take(max).collect();
            format!("{cut}…")
        }
    }
}

/// Newest first, before the position `before`, at most `limit`. Only `workspace_id`'s events:
/// the filter on the indexed `workspace_id` column is the tenant boundary.
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let mut query = QueryBuilder::<Postgres>::new(
        "select global_position, event_id, recorded_at, aggregate_type, aggregate_id, event_type,
                payload, metadata
         from events where workspace_id = ",
    );
    query.push_bind(workspace_id);
    if let Some(before) = before {
        query.push(" and global_position < ").push_bind(before);
    }
    if let Some(actor_id) = filter.actor_id {
        query
            .push(" and metadata ->> 'actor_id' = ")
            .push_bind(actor_id.to_string());
    }
    if let Some(aggregate_type) = &filter.aggregate_type {
        query
            .push(" and aggregate_type = ")
            .push_bind(aggregate_type.clone());
    }
    if let Some(aggregate_id) = &filter.aggregate_id {
        query
            .push(" and aggregate_id = ")
            .push_bind(format!("{workspace_id}/{aggregate_id}"));
    }
    if let Some(event_type) = &filter.event_type {
        query
            .push(" and event_type = ")
            .push_bind(event_type.clone());
    }
    if let Some(from) = filter.from {
        query.push(" and recorded_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        query.push(" and recorded_at < ").push_bind(to);
    }
    query
        .push(" order by global_position desc limit ")
        .push_bind(limit);
    query.build_query_as().fetch_all(executor).await
}
