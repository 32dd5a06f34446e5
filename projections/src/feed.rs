//! The global feed of the event log.
//!
//! A position taken by a transaction that commits later than a higher one would be skipped
//! forever by a "last position seen" checkpoint. So the feed orders events by
//! `(transaction_id, global_position)` and only returns events written by transactions older
//! than the oldest one still running (`pg_snapshot_xmin`): everything below that line has
//! committed or aborted, and nothing new can appear there (EVENT-STORE.md).

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, Row};
use uuid::Uuid;

use crate::engine::ProjectionError;

pub use domain::Position;

/// sqlx 0.8 has no `xid8` codec: xids travel as text.
pub(crate) fn position(
    transaction_id: &str,
    global_position: i64,
) -> Result<Position, sqlx::Error> {
    Position::from_xid_text(transaction_id, global_position)
        .map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

/// One event as stored, with the envelope columns readers need.
///
/// Payload and metadata stay raw JSON until a reader asks for them: a projection decodes
/// its own events straight into domain types, and skips the others without parsing them
/// (this doubled replay speed, docs/performance.md).
#[derive(Debug, Clone)]
pub struct RecordedEvent {
    pub position: Position,
    pub event_id: Uuid,
    pub workspace_id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: Box<RawValue>,
    pub metadata: Box<RawValue>,
    pub recorded_at: DateTime<Utc>,
}

impl RecordedEvent {
    /// The payload as the domain event type `T`.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, ProjectionError> {
        serde_json::from_str(self.payload.get())
            .map_err(|source| ProjectionError::payload(self, source))
    }

    /// The aggregate id as the workspace knows it, without the workspace prefix.
    pub fn local_id(&self) -> &str {
        self.aggregate_id
            .split_once('/')
            .map_or(self.aggregate_id.as_str(), |(_, local)| local)
    }

    /// A metadata value by its `domain::meta` key.
    pub fn meta(&self, key: &str) -> Option<String> {
        let map: HashMap<String, String> = serde_json::from_str(self.metadata.get()).ok()?;
        map.get(key).cloned()
    }

    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        let Json(payload) = row.try_get::<Json<Box<RawValue>>, _>("payload")?;
        let Json(metadata) = row.try_get::<Json<Box<RawValue>>, _>("metadata")?;
        Ok(Self {
            position: position(row.try_get("xid")?, row.try_get("global_position")?)?,
            event_id: row.try_get("event_id")?,
            workspace_id: row.try_get("workspace_id")?,
            aggregate_type: row.try_get("aggregate_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            sequence: row.try_get("sequence")?,
            event_type: row.try_get("event_type")?,
            event_version: row.try_get("event_version")?,
            payload,
            metadata,
            recorded_at: row.try_get("recorded_at")?,
        })
    }
}

/// `select <every column RecordedEvent reads> from events <rest>`: one column list for the
/// readers that return whole events.
macro_rules! select_events {
    ($rest:literal) => {
        concat!(
            "select transaction_id::text as xid, global_position, event_id, workspace_id,
                    aggregate_type, aggregate_id, sequence, event_type, event_version,
                    recorded_at, payload, metadata
             from events ",
            $rest
        )
    };
}

/// One page of the feed, as one projection sees it.
#[derive(Debug, Default)]
pub struct Page {
    /// The events of the types asked for, in feed order.
    pub events: Vec<RecordedEvent>,
    /// Events looked at, wanted or not.
    pub scanned: usize,
    /// The position of the last event looked at: where the checkpoint moves.
    pub last: Option<Position>,
    /// The page hit its limit: more may be readable at once.
    pub full: bool,
}

/// The next `limit` events after `after`, all safe to checkpoint past; only those whose type
/// is in `wanted` (all when empty) come with their payload and metadata, so a projection
/// does not transfer and decode what it ignores.
pub async fn read_page(
    conn: &mut PgConnection,
    after: Position,
    limit: i64,
    wanted: &[&str],
) -> Result<Page, sqlx::Error> {
    // The row comparison is what lets the planner walk `events_feed`; an `or` form has been
    // seen to pick a plan 200 times slower (EVENT-STORE.md).
    let rows = sqlx::query(
        // The text form gets its own name: aliased `transaction_id`, it would shadow the
        // column in `order by` and sort xids as text ("10" before "9").
        "select transaction_id::text as xid, global_position,
                (cardinality($4::text[]) = 0 or event_type = any($4)) as wanted,
                event_id, workspace_id, aggregate_type, aggregate_id, sequence, event_type,
                event_version, recorded_at,
                case when cardinality($4::text[]) = 0 or event_type = any($4) then payload end as payload,
                case when cardinality($4::text[]) = 0 or event_type = any($4) then metadata end as metadata
         from events
         where (transaction_id, global_position) > ($1::text::xid8, $2)
           and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         order by transaction_id, global_position
         limit $3",
    )
    .bind(after.xid_text())
    .bind(after.global_position)
    .bind(limit)
    .bind(wanted)
    .fetch_all(conn)
    .await?;
    let mut page = Page {
        scanned: rows.len(),
        full: rows.len() as i64 >= limit,
        ..Page::default()
    };
    if let Some(row) = rows.last() {
        page.last = Some(position(
            row.try_get("xid")?,
            row.try_get("global_position")?,
        )?);
    }
    for row in &rows {
        if row.try_get::<bool, _>("wanted")? {
            page.events.push(RecordedEvent::from_row(row)?);
        }
    }
    Ok(page)
}

/// The next `limit` events of the `wanted` types after `after`, filtered by the database, so
/// a projection does not even receive the events it ignores.
///
/// When fewer than `limit` come back, every readable event was looked at, and `last` is the
/// *horizon* (the last readable event, of any type): the checkpoint moves past the skipped
/// events. Horizon and page come from one statement, hence one snapshot, so no event can
/// slip between them.
pub async fn read_wanted(
    conn: &mut PgConnection,
    after: Position,
    limit: i64,
    wanted: &[&str],
) -> Result<Page, sqlx::Error> {
    let rows = sqlx::query(
        "with horizon as (
           select transaction_id, global_position from events
           where (transaction_id, global_position) > ($1::text::xid8, $2)
             and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           order by transaction_id desc, global_position desc
           limit 1)
         select h.transaction_id::text as horizon_xid, h.global_position as horizon_position, e.*
         from horizon h
         left join lateral (
           select transaction_id::text as xid, global_position, event_id, workspace_id, aggregate_type,
                  aggregate_id, sequence, event_type, event_version, recorded_at, payload, metadata
           from events
           where (transaction_id, global_position) > ($1::text::xid8, $2)
             and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             and event_type = any($4)
           order by transaction_id, global_position
           limit $3) e on true",
    )
    .bind(after.xid_text())
    .bind(after.global_position)
    .bind(limit)
    .bind(wanted)
    .fetch_all(conn)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(Page::default());
    };
    let horizon = position(
        first.try_get("horizon_xid")?,
        first.try_get("horizon_position")?,
    )?;
    let mut page = Page::default();
    for row in &rows {
        if row.try_get::<Option<String>, _>("xid")?.is_some() {
            page.events.push(RecordedEvent::from_row(row)?);
        }
    }
    page.scanned = page.events.len();
    page.full = page.events.len() as i64 >= limit;
    page.last = match page.events.last() {
        Some(last) if page.full => Some(last.position),
        _ => Some(horizon),
    };
    Ok(page)
}

/// Whether committed-or-running events exist after `after`, safe to read or not yet.
/// A subscriber that read nothing but sees this true is waiting for a transaction in flight,
/// and polls again soon instead of sleeping until the next notification.
pub async fn has_events_after(
    executor: impl PgExecutor<'_>,
    after: Position,
) -> Result<bool, sqlx::Error> {
    // The last visible event, by a backward index scan, compared with `after`. An `exists`
    // over `> after` looks the same but, once PostgreSQL switches the prepared statement to
    // its generic plan, becomes a sequential scan of the whole log (12.8 ms at 84 000
    // events, against 0.08 ms: docs/performance.md), run by the feed task after every page.
    sqlx::query_scalar(
        "select coalesce((select (transaction_id, global_position) > ($1::text::xid8, $2)
                          from events order by transaction_id desc, global_position desc limit 1),
                         false)",
    )
    .bind(after.xid_text())
    .bind(after.global_position)
    .fetch_one(executor)
    .await
}

/// One workspace's events of the `wanted` types (all when empty) from `from` (itself
/// included when `inclusive`) up to `until` included, in feed order: a parked sequence.
pub async fn read_workspace(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    from: Position,
    inclusive: bool,
    until: Position,
    limit: i64,
    wanted: &[&str],
) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    let rows = sqlx::query(select_events!(
        "where workspace_id = $1
           and ((transaction_id, global_position) > ($2::text::xid8, $3)
                or ($4 and transaction_id = $2::text::xid8 and global_position = $3))
           and (transaction_id, global_position) <= ($5::text::xid8, $6)
           and (cardinality($8::text[]) = 0 or event_type = any($8))
         order by transaction_id, global_position
         limit $7"
    ))
    .bind(workspace_id)
    .bind(from.xid_text())
    .bind(from.global_position)
    .bind(inclusive)
    .bind(until.xid_text())
    .bind(until.global_position)
    .bind(limit)
    .bind(wanted)
    .fetch_all(conn)
    .await?;
    rows.iter().map(RecordedEvent::from_row).collect()
}

/// One stream's events of the `wanted` types (all when empty), in order: what a reader that
/// needs an aggregate's own facts decodes as domain events, never by JSON path, so a future
/// upcaster covers it too.
pub async fn read_stream(
    executor: impl PgExecutor<'_>,
    aggregate_id: &str,
    wanted: &[&str],
) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    let rows = sqlx::query(select_events!(
        "where aggregate_id = $1 and (cardinality($2::text[]) = 0 or event_type = any($2))
         order by aggregate_type, sequence"
    ))
    .bind(aggregate_id)
    .bind(wanted)
    .fetch_all(executor)
    .await?;
    rows.iter().map(RecordedEvent::from_row).collect()
}

/// Every workspace's events of the `wanted` types appended before the event at
/// `global_position`, oldest first: what a reactor reads of the past when it acts on a
/// platform event (the workshops trying a plan when its price changed).
pub async fn read_types_before(
    executor: impl PgExecutor<'_>,
    wanted: &[&str],
    global_position: i64,
) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    let rows = sqlx::query(select_events!(
        "where event_type = any($1) and global_position < $2 order by global_position"
    ))
    .bind(wanted)
    .bind(global_position)
    .fetch_all(executor)
    .await?;
    rows.iter().map(RecordedEvent::from_row).collect()
}

/// One workspace's events of the `wanted` types recorded since `since`, in feed order.
pub async fn read_workspace_since(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    wanted: &[&str],
    since: DateTime<Utc>,
) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    let rows = sqlx::query(select_events!(
        "where workspace_id = $1 and event_type = any($2) and recorded_at >= $3
         order by transaction_id, global_position"
    ))
    .bind(workspace_id)
    .bind(wanted)
    .bind(since)
    .fetch_all(executor)
    .await?;
    rows.iter().map(RecordedEvent::from_row).collect()
}
