//! Several aggregates changed together or not at all: a merge (both clients), an import (every
//! accepted line and its record). Each aggregate decides on its own state in the log
//! ([`crate::CommandGateway::decide`]); the decisions are appended in one statement, so a
//! conflict on any aggregate writes nothing and the caller decides again.

use chrono::Utc;
use domain::Position;
use serde_json::Value;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::gateway::Decision;
use crate::{CommandMeta, Signals};

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Another writer moved one of the aggregates since it was decided.
    #[error("un des éléments vient d'être modifié par quelqu'un d'autre, veuillez réessayer")]
    Conflict,
    #[error("event store failure: {0}")]
    Store(#[from] sqlx::Error),
}

/// The batch as column arrays: one `unnest` insert, whatever the number of events.
#[derive(Default)]
struct Columns<'a> {
    aggregate_types: Vec<&'a str>,
    aggregate_ids: Vec<&'a str>,
    sequences: Vec<i64>,
    event_types: Vec<&'a str>,
    event_versions: Vec<&'a str>,
    payloads: Vec<&'a str>,
}

#[derive(Default)]
pub struct AtomicAppend {
    decisions: Vec<Decision>,
}

/// What a committed append wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendReceipt {
    pub command_id: Uuid,
    /// Feed position of the last event, for read-your-writes; `None` when nothing was decided.
    pub position: Option<Position>,
    pub event_count: usize,
    /// The aggregates it wrote (type, id) with their events' types: what the caller can
    /// report of a write whose read model is unavailable.
    pub written: Vec<Written>,
}

/// One aggregate a command wrote, and the types of the events it wrote there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub aggregate_type: &'static str,
    pub aggregate_id: String,
    pub event_types: Vec<String>,
}

impl AtomicAppend {
    pub fn push(&mut self, decision: Decision) {
        self.decisions.push(decision);
    }

    pub fn event_count(&self) -> usize {
        self.decisions.iter().map(Decision::event_count).sum()
    }

    pub(crate) async fn commit(
        self,
        pool: &PgPool,
        signals: &Signals,
        meta: &CommandMeta,
    ) -> Result<AppendReceipt, AppendError> {
        let receipt = self.insert(pool, meta).await?;
        signals.announce(receipt.event_count);
        Ok(receipt)
    }

    /// Appends inside `tx`, which holds a write beside the log that must stand or fall with
    /// these events (the Stripe account registry, ADR 0012; an invitation's link and email),
    /// commits it, and only then announces: runners woken before the commit would find
    /// nothing to read. On an error `tx` is dropped, rolling everything back.
    pub(crate) async fn commit_within(
        self,
        mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
        signals: &Signals,
        meta: &CommandMeta,
    ) -> Result<AppendReceipt, AppendError> {
        let receipt = self.insert(&mut *tx, meta).await?;
        tx.commit().await.map_err(AppendError::Store)?;
        signals.announce(receipt.event_count);
        Ok(receipt)
    }

    /// Appends through `executor`, announcing nothing.
    async fn insert(
        self,
        executor: impl PgExecutor<'_>,
        meta: &CommandMeta,
    ) -> Result<AppendReceipt, AppendError> {
        let command_id = Uuid::now_v7();
        let event_count = self.event_count();
        if event_count == 0 {
            return Ok(AppendReceipt {
                command_id,
                position: None,
                event_count,
                written: vec![],
            });
        }
        let metadata: Value = serde_json::to_value(meta.to_map(command_id, Utc::now()))
            .map_err(|error| AppendError::Store(sqlx::Error::Encode(Box::new(error))))?;
        let mut columns = Columns::default();
        for decision in &self.decisions {
            for (index, event) in decision.events.iter().enumerate() {
                columns.aggregate_types.push(decision.aggregate_type);
                columns.aggregate_ids.push(&decision.aggregate_id);
                columns
                    .sequences
                    .push(decision.after_sequence + 1 + index as i64);
                columns.event_types.push(&event.event_type);
                columns.event_versions.push(&event.event_version);
                columns.payloads.push(&event.payload);
            }
        }
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             select e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, e.event_version, e.payload::jsonb, thermogestion_append_scope($7)
             from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])
                  with ordinality as e(aggregate_type, aggregate_id, sequence, event_type, event_version, payload, ordinal)
             order by e.ordinal
             returning transaction_id::text, global_position",
        )
        .bind(&columns.aggregate_types)
        .bind(&columns.aggregate_ids)
        .bind(&columns.sequences)
        .bind(&columns.event_types)
        .bind(&columns.event_versions)
        .bind(&columns.payloads)
        .bind(&metadata)
        .fetch_all(executor)
        .await
        .map_err(|error| match &error {
            // The primary key (aggregate, sequence) is the optimistic lock of each aggregate.
            sqlx::Error::Database(database) if database.code().as_deref() == Some("23505") => {
                AppendError::Conflict
            }
            _ => AppendError::Store(error),
        })?;
        let (xid, global_position) = rows
            .into_iter()
            .max_by_key(|(_, position)| *position)
            .ok_or(AppendError::Store(sqlx::Error::RowNotFound))?;
        let position = Position::from_xid_text(&xid, global_position)
            .map_err(|error| AppendError::Store(sqlx::Error::Decode(Box::new(error))))?;
        Ok(AppendReceipt {
            command_id,
            position: Some(position),
            event_count,
            written: self
                .decisions
                .iter()
                .filter(|decision| !decision.events.is_empty())
                .map(|decision| Written {
                    aggregate_type: decision.aggregate_type,
                    aggregate_id: decision.aggregate_id.clone(),
                    event_types: decision
                        .events
                        .iter()
                        .map(|event| event.event_type.clone())
                        .collect(),
                })
                .collect(),
        })
    }
}
