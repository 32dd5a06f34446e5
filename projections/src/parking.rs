//! Poison isolation: an event a projection cannot apply parks that projection for that
//! workspace only, the way Axon's sequenced dead-letter queue parks one sequence and keeps
//! every other one moving. Here the sequence is (projection, workspace), and nothing is
//! copied aside: the parked row names the first event not applied, and the log itself keeps
//! the later ones in order behind it until `thermogestion projections retry`.
//!
//! What is not about one workspace must not park anyone: a transient failure is retried, a
//! code or schema bug (or the same error in many workspaces at once) halts the projection
//! with one platform alert.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::{self, Position, RecordedEvent};

/// What a failure is about, which decides what the runner does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The database is briefly unavailable or busy: retry the same page with backoff.
    Transient,
    /// This event of this workspace cannot be applied: park the workspace.
    Workspace,
    /// The code or the schema is wrong: every workspace would fail, halt the projection.
    Platform,
}

/// A projection halts instead of parking when more than this many workspaces park with the
/// same kind of error within [`HALT_WINDOW_SECONDS`]: that is a bug, not bad data.
pub const MAX_PARKED_PER_WINDOW: i64 = 3;
pub const HALT_WINDOW_SECONDS: i64 = 60;

/// The class of a SQLSTATE (PostgreSQL appendix A).
pub fn failure_of_sqlstate(code: &str) -> Failure {
    match code {
        // Serialization failure, deadlock, lock not available, query cancelled (statement
        // timeout), server shutting down or restarting.
        "40001" | "40P01" | "55P03" | "57014" | "57P01" | "57P02" | "57P03" => Failure::Transient,
        // Connection exceptions, insufficient resources, operator intervention.
        _ if code.starts_with("08") || code.starts_with("53") || code.starts_with("58") => {
            Failure::Transient
        }
        // Syntax error or access rule violation (undefined table or column, permission…),
        // feature not supported, invalid transaction state, internal error: our code.
        _ if code.starts_with("42")
            || code.starts_with("0A")
            || code.starts_with("25")
            || code.starts_with("XX") =>
        {
            Failure::Platform
        }
        // Data exceptions (22: overflow, invalid text), integrity violations (23), raised
        // exceptions (P0) and the rest: about the row this event writes.
        _ => Failure::Workspace,
    }
}

impl ProjectionError {
    pub fn failure(&self) -> Failure {
        match self {
            Self::Database(error) => failure_of_sqlx(error),
            Self::Payload { .. } | Self::Reactor(_) => Failure::Workspace,
            Self::CheckpointMoved(_) | Self::StillBehind(_) | Self::Passing(_) => {
                Failure::Transient
            }
            Self::Halted { .. } => Failure::Platform,
        }
    }

    /// What "the same error" means for the halting rule: the SQLSTATE, or the variant.
    pub fn error_kind(&self) -> String {
        match self {
            Self::Database(sqlx::Error::Database(error)) => error
                .code()
                .map_or_else(|| "database".to_owned(), |code| code.into_owned()),
            Self::Database(_) => "database".to_owned(),
            Self::Payload { .. } => "payload".to_owned(),
            Self::Reactor(_) => "reactor".to_owned(),
            Self::Passing(_) => "passing".to_owned(),
            Self::CheckpointMoved(_) => "checkpoint".to_owned(),
            Self::StillBehind(_) => "still_behind".to_owned(),
            Self::Halted { .. } => "halted".to_owned(),
        }
    }
}

fn failure_of_sqlx(error: &sqlx::Error) -> Failure {
    use sqlx::Error;
    match error {
        Error::Database(error) => error
            .code()
            .map_or(Failure::Workspace, |code| failure_of_sqlstate(&code)),
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => Failure::Transient,
        // A column or type our query names does not exist: the code is wrong.
        Error::ColumnNotFound(_)
        | Error::ColumnIndexOutOfBounds { .. }
        | Error::TypeNotFound { .. }
        | Error::Configuration(_)
        | Error::Migrate(_) => Failure::Platform,
        // A row the event expects is missing, a value does not decode: this event's data.
        _ => Failure::Workspace,
    }
}

/// One (projection, workspace) stopped at an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Parked {
    pub projection: String,
    pub workspace_id: Uuid,
    pub position: Position,
    pub event_id: Uuid,
    pub event_type: String,
    pub error_kind: String,
    pub error: String,
    pub parked_at: DateTime<Utc>,
}

impl Parked {
    fn new(projection: &str, event: &RecordedEvent, error: &ProjectionError) -> Self {
        Self {
            projection: projection.to_owned(),
            workspace_id: event.workspace_id,
            position: event.position,
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            error_kind: error.error_kind(),
            error: error.to_string(),
            parked_at: Utc::now(),
        }
    }

    /// The one ERROR line an operator is paged on.
    pub fn log(&self) {
        tracing::error!(
            projection = %self.projection,
            workspace_id = %self.workspace_id,
            global_position = self.position.global_position,
            event_type = %self.event_type,
            error = %self.error,
            "projection parked for one workspace; the others go on"
        );
    }
}

/// Applies `events` in one go when it can; when one fails for a reason of its workspace,
/// applies them one by one ([`apply_each`]), so the others' effects are kept. For a caller
/// that cannot start its transaction again (a replay, a retry): a live page is cheaper
/// rolled back and read again in [`apply_each`] mode.
pub(crate) async fn apply_isolating(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    events: Vec<RecordedEvent>,
    parked: &mut HashSet<Uuid>,
) -> Result<Vec<Parked>, ProjectionError> {
    let events = without_parked(events, parked);
    if events.is_empty() {
        return Ok(Vec::new());
    }
    savepoint(conn, "tg_page").await?;
    match projection.apply(conn, &events).await {
        Ok(()) => {
            release(conn, "tg_page").await?;
            return Ok(Vec::new());
        }
        Err(error) if error.failure() != Failure::Workspace => return Err(error),
        Err(_) => rollback_to(conn, "tg_page").await?,
    }
    apply_each(conn, projection, events, parked).await
}

/// The events of workspaces not in `parked`: those of parked ones wait in the log.
pub(crate) fn without_parked(
    events: Vec<RecordedEvent>,
    parked: &HashSet<Uuid>,
) -> Vec<RecordedEvent> {
    events
        .into_iter()
        .filter(|event| !parked.contains(&event.workspace_id))
        .collect()
}

/// The slow path, only once something failed: applies `events` one by one under
/// savepoints and parks each workspace whose event fails for a reason of its own, skipping
/// its later events; `parked` grows with them. Transient and platform failures are
/// returned: the caller rolls the whole page back.
pub(crate) async fn apply_each(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    events: Vec<RecordedEvent>,
    parked: &mut HashSet<Uuid>,
) -> Result<Vec<Parked>, ProjectionError> {
    let mut parkings = Vec::new();
    for event in &events {
        if parked.contains(&event.workspace_id) {
            continue;
        }
        savepoint(conn, "tg_event").await?;
        match projection.apply(conn, std::slice::from_ref(event)).await {
            Ok(()) => release(conn, "tg_event").await?,
            Err(error) if error.failure() == Failure::Workspace => {
                rollback_to(conn, "tg_event").await?;
                parked.insert(event.workspace_id);
                parkings.push(Parked::new(projection.name(), event, &error));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(parkings)
}

/// Records `parkings` in the caller's transaction, unless they are too many of one kind:
/// then the error is about the platform, and the projection halts instead.
pub(crate) async fn record(
    conn: &mut PgConnection,
    projection: &'static str,
    parkings: &[Parked],
) -> Result<(), ProjectionError> {
    if parkings.is_empty() {
        return Ok(());
    }
    let mut by_kind: BTreeMap<&str, i64> = BTreeMap::new();
    for parking in parkings {
        *by_kind.entry(&parking.error_kind).or_default() += 1;
    }
    for (kind, new) in by_kind {
        let recent: i64 = sqlx::query_scalar(
            "select count(*) from projection_parked
             where projection = $1 and error_kind = $2
               and parked_at > now() - make_interval(secs => $3)",
        )
        .bind(projection)
        .bind(kind)
        .bind(HALT_WINDOW_SECONDS as f64)
        .fetch_one(&mut *conn)
        .await?;
        if recent + new > MAX_PARKED_PER_WINDOW {
            let example = parkings
                .iter()
                .find(|parking| parking.error_kind == kind)
                .map_or_else(String::new, |parking| parking.error.clone());
            return Err(ProjectionError::Halted {
                projection,
                error_kind: kind.to_owned(),
                error: format!(
                    "{} workspaces in {HALT_WINDOW_SECONDS} s failed with {kind}, e.g. {example}",
                    recent + new
                ),
            });
        }
    }
    for parking in parkings {
        store(conn, parking).await?;
    }
    Ok(())
}

/// Parks, or moves an existing park to the event that failed this time (a retry).
async fn store(conn: &mut PgConnection, parking: &Parked) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into projection_parked
           (projection, workspace_id, transaction_id, global_position, event_id, event_type,
            error_kind, error)
         values ($1, $2, $3::text::xid8, $4, $5, $6, $7, $8)
         on conflict (projection, workspace_id) do update
         set transaction_id = excluded.transaction_id, global_position = excluded.global_position,
             event_id = excluded.event_id, event_type = excluded.event_type,
             error_kind = excluded.error_kind, error = excluded.error, parked_at = now()",
    )
    .bind(&parking.projection)
    .bind(parking.workspace_id)
    .bind(parking.position.xid_text())
    .bind(parking.position.global_position)
    .bind(parking.event_id)
    .bind(&parking.event_type)
    .bind(&parking.error_kind)
    .bind(&parking.error)
    .execute(conn)
    .await
    .map(drop)
}

/// Marks `projection` halted (one alert, the first time) after its page was rolled back.
pub(crate) async fn halt(pool: &PgPool, projection: &str, error: &ProjectionError) {
    let (kind, text) = match error {
        ProjectionError::Halted {
            error_kind, error, ..
        } => (error_kind.clone(), error.clone()),
        other => (other.error_kind(), other.to_string()),
    };
    let inserted = sqlx::query(
        "insert into projection_halted (projection, error_kind, error) values ($1, $2, $3)
         on conflict (projection) do nothing",
    )
    .bind(projection)
    .bind(&kind)
    .bind(&text)
    .execute(pool)
    .await;
    match inserted {
        Ok(done) if done.rows_affected() == 1 => tracing::error!(
            projection,
            alert = "platform",
            error_kind = %kind,
            error = %text,
            "projection halted for every workspace: the failure is not about one workspace"
        ),
        Ok(_) => tracing::warn!(projection, error = %text, "projection still halted"),
        Err(db) => tracing::error!(projection, error = %text, cause = %db, "projection halted"),
    }
}

/// Lifts the halt once a page applies again (after a fix was deployed).
pub(crate) async fn resume(pool: &PgPool, projection: &str) -> Result<(), sqlx::Error> {
    let lifted = sqlx::query("delete from projection_halted where projection = $1")
        .bind(projection)
        .execute(pool)
        .await?;
    if lifted.rows_affected() > 0 {
        tracing::info!(projection, "projection resumed after a halt");
    }
    Ok(())
}

/// Every parked sequence, optionally of one projection or one workspace.
pub async fn list(
    executor: impl PgExecutor<'_>,
    projection: Option<&str>,
    workspace_id: Option<Uuid>,
) -> Result<Vec<Parked>, sqlx::Error> {
    type Row = (
        String,
        Uuid,
        String,
        i64,
        Uuid,
        String,
        String,
        String,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select projection, workspace_id, transaction_id::text, global_position, event_id,
                event_type, error_kind, error, parked_at
         from projection_parked
         where ($1::text is null or projection = $1) and ($2::uuid is null or workspace_id = $2)
         order by parked_at, projection, workspace_id",
    )
    .bind(projection)
    .bind(workspace_id)
    .fetch_all(executor)
    .await?;
    rows.into_iter()
        .map(
            |(projection, workspace_id, xid, position, event_id, event_type, kind, error, at)| {
                Ok(Parked {
                    projection,
                    workspace_id,
                    position: feed::position(&xid, position)?,
                    event_id,
                    event_type,
                    error_kind: kind,
                    error,
                    parked_at: at,
                })
            },
        )
        .collect()
}

/// Halted projections: (name, error).
pub async fn halted(executor: impl PgExecutor<'_>) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("select projection, error from projection_halted order by projection")
        .fetch_all(executor)
        .await
}

/// Parked workspaces per projection, for `/metrics`.
pub async fn counts(executor: impl PgExecutor<'_>) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select projection, count(*) from projection_parked group by projection order by 1",
    )
    .fetch_all(executor)
    .await
}

/// Which of `projections` are parked for the workspace that wrote the event at `position`,
/// or halted: read-your-writes will not see that event, so it must not wait for it.
pub async fn blocking(
    executor: impl PgExecutor<'_>,
    position: Position,
    projections: &[&str],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select p.projection from projection_parked p
         where p.projection = any($1)
           and p.workspace_id = (select workspace_id from events
                                 where transaction_id = $2::text::xid8 and global_position = $3)
         union
         select h.projection from projection_halted h where h.projection = any($1)",
    )
    .bind(projections)
    .bind(position.xid_text())
    .bind(position.global_position)
    .fetch_all(executor)
    .await
}

/// What a retry did for one parked sequence.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryOutcome {
    /// The sequence applied; the workspace is no longer parked. `events` counts them by type.
    Applied {
        projection: String,
        workspace_id: Uuid,
        events: BTreeMap<String, usize>,
    },
    /// It failed again: the events before the failing one were applied, the park moved to it.
    StillFailing(Parked),
}

/// Applies the parked sequences matching the filters, each exactly once: in one
/// transaction with the checkpoint row locked (the live runner waits) and the parked row
/// deleted, so neither a second retry nor the runner can apply them again.
pub async fn retry(
    pool: &PgPool,
    projection: &dyn Projection,
    workspace_id: Option<Uuid>,
) -> Result<Vec<RetryOutcome>, ProjectionError> {
    let name = projection.name();
    let mut outcomes = Vec::new();
    for parked in list(pool, Some(name), workspace_id).await? {
        let mut tx = pool.begin().await?;
        let checkpoint = crate::engine::locked_checkpoint(&mut tx, name).await?;
        // Gone already: another retry did it while we waited for the lock.
        let still: Option<(String, i64)> = sqlx::query_as(
            "select transaction_id::text, global_position from projection_parked
             where projection = $1 and workspace_id = $2 for update",
        )
        .bind(name)
        .bind(parked.workspace_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((xid, position)) = still else {
            continue;
        };
        let mut from = feed::position(&xid, position)?;
        let mut inclusive = true;
        let mut applied: BTreeMap<String, usize> = BTreeMap::new();
        let mut failed = None;
        loop {
            let events = feed::read_workspace(
                &mut tx,
                parked.workspace_id,
                from,
                inclusive,
                checkpoint,
                crate::engine::REPLAY_PAGE_SIZE,
                projection.event_types(),
            )
            .await?;
            let Some(last) = events.last().map(|event| event.position) else {
                break;
            };
            let page = events.clone();
            let mut set = HashSet::new();
            let parkings = apply_isolating(&mut tx, projection, events, &mut set).await?;
            if let Some(parking) = parkings.into_iter().next() {
                for event in page.iter().take_while(|e| e.position < parking.position) {
                    *applied.entry(event.event_type.clone()).or_default() += 1;
                }
                failed = Some(parking);
                break;
            }
            for event in &page {
                *applied.entry(event.event_type.clone()).or_default() += 1;
            }
            from = last;
            inclusive = false;
        }
        match failed {
            Some(parking) => {
                store(&mut tx, &parking).await?;
                tx.commit().await?;
                parking.log();
                outcomes.push(RetryOutcome::StillFailing(parking));
            }
            None => {
                sqlx::query(
                    "delete from projection_parked where projection = $1 and workspace_id = $2",
                )
                .bind(name)
                .bind(parked.workspace_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(
                    projection = name,
                    workspace_id = %parked.workspace_id,
                    events = applied.values().sum::<usize>(),
                    "parked sequence applied"
                );
                outcomes.push(RetryOutcome::Applied {
                    projection: name.to_owned(),
                    workspace_id: parked.workspace_id,
                    events: applied,
                });
            }
        }
    }
    Ok(outcomes)
}

/// Savepoint names are fixed literals: nothing from outside reaches these statements.
async fn savepoint(conn: &mut PgConnection, name: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("savepoint {name}"))
        .execute(conn)
        .await
        .map(drop)
}

async fn release(conn: &mut PgConnection, name: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("release savepoint {name}"))
        .execute(conn)
        .await
        .map(drop)
}

async fn rollback_to(conn: &mut PgConnection, name: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("rollback to savepoint {name}"))
        .execute(conn)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_are_classified_by_what_they_are_about() {
        for transient in [
            "40001", "40P01", "08006", "08001", "53300", "57P01", "55P03",
        ] {
            assert_eq!(
                failure_of_sqlstate(transient),
                Failure::Transient,
                "{transient}"
            );
        }
        for platform in [
            "42P01", "42703", "42601", "42501", "0A000", "25P02", "XX000",
        ] {
            assert_eq!(
                failure_of_sqlstate(platform),
                Failure::Platform,
                "{platform}"
            );
        }
        for workspace in ["22003", "22P02", "23505", "23503", "23514", "P0001"] {
            assert_eq!(
                failure_of_sqlstate(workspace),
                Failure::Workspace,
                "{workspace}"
            );
        }
    }

    #[test]
    fn pool_and_connection_failures_are_transient() {
        assert_eq!(
            ProjectionError::Database(sqlx::Error::PoolTimedOut).failure(),
            Failure::Transient
        );
        assert_eq!(
            ProjectionError::Database(sqlx::Error::Io(std::io::Error::other("reset"))).failure(),
            Failure::Transient
        );
        assert_eq!(
            ProjectionError::Database(sqlx::Error::ColumnNotFound("x".into())).failure(),
            Failure::Platform
        );
        assert_eq!(
            ProjectionError::Database(sqlx::Error::RowNotFound).failure(),
            Failure::Workspace
        );
        assert_eq!(
            ProjectionError::Reactor("bad".into()).failure(),
            Failure::Workspace
        );
        assert_eq!(
            ProjectionError::Passing("conflict".into()).failure(),
            Failure::Transient
        );
    }
}
