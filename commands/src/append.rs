//! Writing events: one statement per commit.
//!
//! postgres-es' `persist` opens a transaction and inserts event by event: BEGIN, INSERT…,
//! COMMIT, three round trips for a one-event command. A single `insert … select from unnest`
//! is atomic on its own, takes one round trip, and returns the feed positions that
//! read-your-writes needs (measured in docs/performance.md). The rows are exactly those
//! postgres-es writes and reads.

use domain::Position;
use serde_json::Value;
use sqlx::PgPool;

/// One event ready for the log.
pub(crate) struct NewEvent {
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
}

pub(crate) enum AppendError {
    /// Another writer took one of these sequence numbers first.
    Conflict,
    Database(sqlx::Error),
}

/// Appends `events` as sequences `after_sequence + 1 …`; returns the position of the last.
pub(crate) async fn append(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
    after_sequence: i64,
    events: Vec<NewEvent>,
    metadata: &Value,
) -> Result<Position, AppendError> {
    let count = events.len();
    let (mut types, mut versions, mut payloads) = (
        Vec::with_capacity(count),
        Vec::with_capacity(count),
        Vec::with_capacity(count),
    );
    for event in events {
        types.push(event.event_type);
        versions.push(event.event_version);
        payloads.push(event.payload);
    }
    // `thermogestion_append_scope` scopes the statement to the metadata's workspace, which
    // row-level security checks the rows against (migration 0032, ADR 0013).
    // Most commands write one event: a plain `values` insert plans and runs cheaper than
    // `unnest`, measurably so at thousands of commands per second.
    let query = if count == 1 {
        sqlx::query_as(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             values ($1, $2, $3 + 1, $4[1], $5[1], $6[1], thermogestion_append_scope($7))
             returning transaction_id::text, global_position, sequence",
        )
    } else {
        sqlx::query_as(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         select $1, $2, $3 + e.ordinal, e.event_type, e.event_version, e.payload, thermogestion_append_scope($7)
         from unnest($4::text[], $5::text[], $6::jsonb[]) with ordinality
              as e(event_type, event_version, payload, ordinal)
         returning transaction_id::text, global_position, sequence",
        )
    };
    let rows: Vec<(String, i64, i64)> = query
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(after_sequence)
        .bind(&types)
        .bind(&versions)
        .bind(&payloads)
        .bind(metadata)
        .fetch_all(pool)
        .await
        .map_err(|error| match &error {
            // The primary key (aggregate, sequence) is the optimistic lock.
            sqlx::Error::Database(database) if database.code().as_deref() == Some("23505") => {
                AppendError::Conflict
            }
            _ => AppendError::Database(error),
        })?;
    let (xid, global_position, _) = rows
        .into_iter()
        .max_by_key(|(_, _, sequence)| *sequence)
        .ok_or_else(|| AppendError::Database(sqlx::Error::RowNotFound))?;
    Position::from_xid_text(&xid, global_position)
        .map_err(|error| AppendError::Database(sqlx::Error::Decode(Box::new(error))))
}
