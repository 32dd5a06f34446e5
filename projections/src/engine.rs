//! Catch-up subscribers: each projection reads the feed from its checkpoint and applies
//! pages of events, moving its checkpoint in the same transaction as its own tables.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use tokio::sync::{watch, Semaphore};

use crate::feed::{self, Position, RecordedEvent};
use crate::lease::Leases;
use crate::parking::{self, Failure};
use crate::shared_feed::{Peek, SharedFeed};

/// A read model built from the event log.
///
/// `apply` receives a page of events in feed order and must be idempotent in effect:
/// it reads nothing but the events and its own tables.
#[async_trait]
pub trait Projection: Send + Sync + 'static {
    /// Stable name: checkpoint key, `replay` argument, metrics label.
    fn name(&self) -> &'static str;
    /// The tables this projection owns, emptied before a replay.
    fn tables(&self) -> &'static [&'static str];
    /// The event types it reads; empty for all. Others are skipped without being decoded.
    fn event_types(&self) -> &'static [&'static str] {
        &[]
    }
    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError>;
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("event {event_id} ({event_type}) has a payload this projection cannot read: {source}")]
    Payload {
        event_id: uuid::Uuid,
        event_type: String,
        #[source]
        source: serde_json::Error,
    },
    /// Another runner (another process, or a replay) moved the checkpoint first; this page
    /// was rolled back and will be read again from the new checkpoint.
    #[error("checkpoint of {0} moved under this runner")]
    CheckpointMoved(&'static str),
    /// A reactor could not build what it acts with (an email that would not render…).
    #[error("{0}")]
    Reactor(String),
    /// A reactor's command met a passing failure (a write conflict, the store unreachable):
    /// retried with the page, never parked.
    #[error("{0}")]
    Passing(String),
    /// A transaction stayed in flight longer than the catch-up patience.
    #[error("{0} could not catch up: a transaction stayed open too long")]
    StillBehind(&'static str),
    /// The failure is not about one workspace (a code or schema bug, or one error in many
    /// workspaces at once): the projection stops for everyone, with one platform alert.
    #[error("{projection} halted: {error}")]
    Halted {
        projection: &'static str,
        error_kind: String,
        error: String,
    },
}

impl ProjectionError {
    pub fn payload(event: &RecordedEvent, source: serde_json::Error) -> Self {
        Self::Payload {
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            source,
        }
    }
}

/// In-process signals between the log listener, the runners and mutations waiting for
/// their events. Cross-process, everything also polls, so a lost signal only delays.
#[derive(Clone)]
pub struct Subscriptions {
    new_events: Arc<watch::Sender<u64>>,
    progress: Arc<watch::Sender<u64>>,
    /// How far each runner of this process has applied its events, ahead of its stored
    /// checkpoint when it skipped events of other types without committing (`run`).
    reached: Arc<Mutex<HashMap<&'static str, Position>>>,
    /// Requests of this process waiting for each projection (read-your-writes), and a
    /// signal when one starts: a runner someone waits for applies at once, the others
    /// gather events for `batch_delay` and commit fewer, larger pages.
    awaited: Arc<Mutex<HashMap<String, usize>>>,
    awaited_changes: Arc<watch::Sender<u64>>,
    lag: Option<LagRecorder>,
}

/// Held while a request waits for projections; they are awaited until it is dropped.
pub struct Awaiting {
    subscriptions: Subscriptions,
    names: Vec<String>,
}

impl Drop for Awaiting {
    fn drop(&mut self) {
        let mut awaited = self
            .subscriptions
            .awaited
            .lock()
            .expect("awaited projections poisoned");
        for name in &self.names {
            if let Some(count) = awaited.get_mut(name) {
                *count -= 1;
                if *count == 0 {
                    awaited.remove(name);
                }
            }
        }
    }
}

impl Default for Subscriptions {
    fn default() -> Self {
        Self {
            new_events: Arc::new(watch::Sender::new(0)),
            progress: Arc::new(watch::Sender::new(0)),
            reached: Arc::default(),
            awaited: Arc::default(),
            awaited_changes: Arc::new(watch::Sender::new(0)),
            lag: None,
        }
    }
}

impl Subscriptions {
    /// Records, for every event applied live, the delay between its write and the commit
    /// of the projection that applied it (the benchmark reads it).
    pub fn with_lag_recorder(mut self, recorder: LagRecorder) -> Self {
        self.lag = Some(recorder);
        self
    }

    /// Called by the log listener on each `thermogestion_events` notification.
    pub fn notify_new_events(&self) {
        self.new_events.send_modify(|count| *count += 1);
    }

    pub fn new_events(&self) -> watch::Receiver<u64> {
        self.new_events.subscribe()
    }

    pub fn progress(&self) -> watch::Receiver<u64> {
        self.progress.subscribe()
    }

    fn notify_progress(&self) {
        self.progress.send_modify(|count| *count += 1);
    }

    /// Where the runner of `name` in this process has applied every event of its types;
    /// `None` when it does not run here.
    pub fn reached(&self, name: &str) -> Option<Position> {
        self.reached
            .lock()
            .expect("reached positions poisoned")
            .get(name)
            .copied()
    }

    /// A request starts waiting for `names`: their runners stop gathering and apply.
    pub fn awaiting(&self, names: &[&str]) -> Awaiting {
        {
            let mut awaited = self.awaited.lock().expect("awaited projections poisoned");
            for name in names {
                *awaited.entry((*name).to_owned()).or_default() += 1;
            }
        }
        self.awaited_changes.send_modify(|count| *count += 1);
        Awaiting {
            subscriptions: self.clone(),
            names: names.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    fn is_awaited(&self, name: &str) -> bool {
        self.awaited
            .lock()
            .expect("awaited projections poisoned")
            .contains_key(name)
    }

    fn mark_reached(&self, name: &'static str, position: Option<Position>) {
        {
            let mut reached = self.reached.lock().expect("reached positions poisoned");
            match position {
                Some(position) => reached.insert(name, position),
                None => reached.remove(name),
            };
        }
        self.notify_progress();
    }
}

/// Delays from event write to projection commit, in seconds.
#[derive(Clone, Default)]
pub struct LagRecorder(Arc<Mutex<Vec<f64>>>);

impl LagRecorder {
    pub fn take(&self) -> Vec<f64> {
        std::mem::take(&mut *self.0.lock().expect("lag recorder poisoned"))
    }

    fn record(&self, written: &[DateTime<Utc>]) {
        let now = Utc::now();
        let mut samples = self.0.lock().expect("lag recorder poisoned");
        samples.extend(
            written
                .iter()
                .map(|at| (now - *at).as_seconds_f64().max(0.0)),
        );
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RunnerSettings {
    pub page_size: i64,
    /// How long a runner waits for a lease another process holds, between two looks.
    pub poll_interval: Duration,
    /// Pause after a partial page, to gather the next events into one page (one commit),
    /// cut short as soon as a request of this process waits for the projection
    /// (`Subscriptions::awaiting`): throughput when nobody looks, latency when someone does.
    /// Requests served by another process may wait up to this much longer.
    pub batch_delay: Duration,
    /// A runner that only skips events of other types commits its checkpoint at most this
    /// often: a commit per event per uninterested runner was most of the write load. It
    /// tells this process' waiting requests at once (`Subscriptions::reached`).
    pub skip_commit_every: Duration,
    /// Runners applying a page at the same time, per process: bounds the connections they
    /// take from the pool, whatever the number of subscribers.
    pub concurrent_pages: usize,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        Self {
            page_size: 500,
            poll_interval: Duration::from_millis(500),
            batch_delay: Duration::from_millis(20),
            skip_commit_every: Duration::from_secs(1),
            concurrent_pages: 3,
        }
    }
}

/// What the runners of one process share: the window of the log, the leases, and the
/// permits to apply a page.
#[derive(Clone)]
pub struct Live {
    pub feed: SharedFeed,
    pub leases: Leases,
    permits: Arc<Semaphore>,
}

impl Live {
    pub fn new(settings: &RunnerSettings) -> Self {
        Self {
            feed: SharedFeed::default(),
            leases: Leases::default(),
            permits: Arc::new(Semaphore::new(settings.concurrent_pages.max(1))),
        }
    }
}

/// The checkpoint of `name`, created at the start of the feed if absent.
pub async fn ensure_checkpoint(pool: &PgPool, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into projection_checkpoint (projection) values ($1) on conflict do nothing",
    )
    .bind(name)
    .execute(pool)
    .await?;
    Ok(())
}

/// Checkpoints of the named projections; a projection never started has none.
pub async fn checkpoints(
    executor: impl PgExecutor<'_>,
    names: &[&str],
) -> Result<Vec<(String, Position)>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "select projection, transaction_id::text, global_position from projection_checkpoint
         where projection = any($1)",
    )
    .bind(names)
    .fetch_all(executor)
    .await?;
    rows.into_iter()
        .map(|(name, xid, position)| Ok((name, feed::position(&xid, position)?)))
        .collect()
}

/// The locked checkpoint and the workspaces parked for `name`, in one statement: the
/// parked set is read under the lock a retry also takes, so it cannot change mid-page.
async fn locked_checkpoint_and_parked(
    conn: &mut PgConnection,
    name: &str,
) -> Result<(Position, std::collections::HashSet<uuid::Uuid>), sqlx::Error> {
    let (xid, position, parked): (String, i64, Vec<uuid::Uuid>) = sqlx::query_as(
        "select c.transaction_id::text, c.global_position,
                array(select p.workspace_id from projection_parked p
                      where p.projection = c.projection)
         from projection_checkpoint c where c.projection = $1 for update of c",
    )
    .bind(name)
    .fetch_one(conn)
    .await?;
    Ok((
        feed::position(&xid, position)?,
        parked.into_iter().collect(),
    ))
}

pub(crate) async fn locked_checkpoint(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Position, sqlx::Error> {
    let (xid, position): (String, i64) = sqlx::query_as(
        "select transaction_id::text, global_position from projection_checkpoint
         where projection = $1 for update",
    )
    .bind(name)
    .fetch_one(conn)
    .await?;
    feed::position(&xid, position)
}

async fn move_checkpoint(
    conn: &mut PgConnection,
    name: &'static str,
    from: Position,
    to: Position,
) -> Result<(), ProjectionError> {
    // Conditional on the old value: a belt over the row lock, so that even a runner that
    // bypassed the lock could not apply a page twice.
    let moved = sqlx::query(
        "update projection_checkpoint
         set transaction_id = $2::text::xid8, global_position = $3, updated_at = now()
         where projection = $1 and transaction_id = $4::text::xid8 and global_position = $5",
    )
    .bind(name)
    .bind(to.xid_text())
    .bind(to.global_position)
    .bind(from.xid_text())
    .bind(from.global_position)
    .execute(conn)
    .await?;
    if moved.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ProjectionError::CheckpointMoved(name))
    }
}

/// Projection commits need not wait for the disk: tables and checkpoint commit together,
/// so a crash can only lose the last pages as a whole, and they are applied again from the
/// log, which is durable. Waiting for each flush made runners compete with command commits
/// for the WAL.
async fn begin_relaxed(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    // One round trip for both (a simple query may hold several statements): a page costs
    // a handful of statements, and runners commit hundreds of pages a second under load.
    pool.begin_with("begin; set local synchronous_commit = off")
        .await
}

/// The outcome of one catch-up step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Events of the projection's types applied.
    pub applied: usize,
    /// Events read, of any type (only those of its types when the database filtered).
    pub scanned: usize,
    /// The checkpoint moved.
    pub moved: bool,
    /// The page was full: more may be readable at once.
    pub full: bool,
    /// Workspaces parked by this page.
    pub parked: usize,
    pub checkpoint: Position,
}

/// Applies the next page of events, if any, in one transaction with the checkpoint.
///
/// Events of parked workspaces are skipped. When the page fails for a reason of one
/// workspace, it is rolled back and applied again event by event, parking each workspace
/// that fails, in the same transaction as the checkpoint (`parking`): the savepoints that
/// takes are paid only then, not by every page.
pub async fn catch_up_page(
    pool: &PgPool,
    projection: &dyn Projection,
    subscriptions: &Subscriptions,
    page_size: i64,
) -> Result<Step, ProjectionError> {
    next_page(pool, projection, subscriptions, page_size, None).await
}

/// [`catch_up_page`], taking the events from the process' window when it covers them.
async fn next_page(
    pool: &PgPool,
    projection: &dyn Projection,
    subscriptions: &Subscriptions,
    page_size: i64,
    shared: Option<&SharedFeed>,
) -> Result<Step, ProjectionError> {
    match apply_next_page(pool, projection, subscriptions, page_size, false, shared).await {
        Err(error) if error.failure() == Failure::Workspace => {
            apply_next_page(pool, projection, subscriptions, page_size, true, shared).await
        }
        other => other,
    }
}

async fn apply_next_page(
    pool: &PgPool,
    projection: &dyn Projection,
    subscriptions: &Subscriptions,
    page_size: i64,
    event_by_event: bool,
    shared: Option<&SharedFeed>,
) -> Result<Step, ProjectionError> {
    let name = projection.name();
    let mut tx = begin_relaxed(pool).await?;
    // The checkpoint row is the runners' mutex: a second runner of this projection waits
    // here, then reads the checkpoint the first one committed, so no page is applied twice.
    let (from, mut parked) = locked_checkpoint_and_parked(&mut tx, name).await?;
    let wanted = projection.event_types();
    let page = match shared.and_then(|shared| shared.page(from, page_size, wanted)) {
        Some(page) => page,
        None if wanted.is_empty() => feed::read_page(&mut tx, from, page_size, wanted).await?,
        None => feed::read_wanted(&mut tx, from, page_size, wanted).await?,
    };
    let Some(to) = page.last.filter(|to| *to > from) else {
        tx.rollback().await?;
        return Ok(Step {
            applied: 0,
            scanned: 0,
            moved: false,
            full: false,
            parked: 0,
            checkpoint: from,
        });
    };
    let scanned = page.scanned;
    let full = page.full;
    let read = page.events.len();
    let written: Option<Vec<DateTime<Utc>>> = subscriptions
        .lag
        .as_ref()
        .map(|_| page.events.iter().map(|event| event.recorded_at).collect());
    let events = parking::without_parked(page.events, &parked);
    let parkings = if event_by_event {
        parking::apply_each(&mut tx, projection, events, &mut parked).await?
    } else {
        if !events.is_empty() {
            projection.apply(&mut tx, &events).await?;
        }
        Vec::new()
    };
    parking::record(&mut tx, name, &parkings).await?;
    move_checkpoint(&mut tx, name, from, to).await?;
    tx.commit().await?;
    for parking in &parkings {
        parking.log();
    }
    if let (Some(lag), Some(written)) = (&subscriptions.lag, written) {
        lag.record(&written);
    }
    subscriptions.notify_progress();
    Ok(Step {
        applied: read,
        scanned,
        moved: true,
        full,
        parked: parkings.len(),
        checkpoint: to,
    })
}

/// How long [`catch_up`] waits for transactions in flight before giving up.
pub const CATCH_UP_PATIENCE: Duration = Duration::from_secs(30);

/// Events read and applied by a catch-up or a replay.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Events looked at, of any type.
    pub read: u64,
    /// Events of the projection's types, applied.
    pub applied: u64,
    /// Workspaces parked on the way (`thermogestion projections parked` lists them).
    pub parked: u64,
}

/// Catches up with every event committed when it returns.
///
/// The feed's low watermark is cluster-wide: any transaction in flight, even in another
/// database, can hide committed events for a moment, so "nothing readable" is not "caught
/// up". This waits (up to [`CATCH_UP_PATIENCE`]) until no committed event is left.
pub async fn catch_up(
    pool: &PgPool,
    projection: &dyn Projection,
    subscriptions: &Subscriptions,
    page_size: i64,
) -> Result<Progress, ProjectionError> {
    ensure_checkpoint(pool, projection.name()).await?;
    let deadline = tokio::time::Instant::now() + CATCH_UP_PATIENCE;
    let mut progress = Progress::default();
    loop {
        let step = catch_up_page(pool, projection, subscriptions, page_size).await?;
        progress.read += step.scanned as u64;
        progress.applied += step.applied as u64;
        progress.parked += step.parked as u64;
        if step.moved {
            continue;
        }
        if !feed::has_events_after(pool, step.checkpoint).await? {
            return Ok(progress);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ProjectionError::StillBehind(projection.name()));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Runs `projection` until `shutdown` turns true, while this process holds its lease.
///
/// The runner holds no connection while idle: it wakes when the process' window of the log
/// grows, applies its page with a pooled connection and a permit, and leaves events of
/// other types for a later commit. The conditional checkpoint update keeps the effect
/// exactly-once even if two processes ever overlap.
pub async fn run(
    pool: PgPool,
    projection: Arc<dyn Projection>,
    subscriptions: Subscriptions,
    settings: RunnerSettings,
    live: Live,
    mut shutdown: watch::Receiver<bool>,
) {
    let name = projection.name();
    let wanted = projection.event_types();
    let mut leases = live.leases.watch();
    let mut tip = live.feed.tip();
    let mut halted = false;
    let mut transient_failures: u32 = 0;
    // The committed checkpoint while this process holds the lease.
    let mut known: Option<Position> = None;
    let mut last_commit = tokio::time::Instant::now();
    while !*shutdown.borrow() {
        leases.borrow_and_update();
        if !live.leases.holds(name) {
            if known.take().is_some() {
                tracing::info!(projection = name, "lease lost: another process may run it");
                live.feed.passed(name, None);
                subscriptions.mark_reached(name, None);
            }
            tokio::select! {
                _ = leases.changed() => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        let from = match known {
            Some(from) => from,
            None => match start(&pool, name).await {
                Ok(from) => {
                    known = Some(from);
                    live.feed.passed(name, Some(from));
                    from
                }
                Err(error) => {
                    tracing::warn!(projection = name, %error, "cannot read the checkpoint");
                    pause(settings.poll_interval, &mut shutdown).await;
                    continue;
                }
            },
        };
        tip.borrow_and_update();
        let peek = live.feed.peek(from, wanted);
        let due = match peek {
            Peek::Behind => true,
            Peek::Nothing => false,
            Peek::Ahead {
                wanted,
                scanned,
                last,
            } => {
                let due = wanted > 0
                    || scanned as i64 >= settings.page_size
                    || last_commit.elapsed() >= settings.skip_commit_every;
                if !due {
                    // Nothing of its types: applied in effect, committed later.
                    subscriptions.mark_reached(name, Some(last));
                }
                due
            }
        };
        if !due {
            let skipped = matches!(peek, Peek::Ahead { .. });
            let commit_at = last_commit + settings.skip_commit_every;
            tokio::select! {
                _ = tip.changed() => {}
                _ = leases.changed() => {}
                _ = tokio::time::sleep_until(commit_at), if skipped => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        let step = {
            let _permit = live.permits.acquire().await;
            next_page(
                &pool,
                &*projection,
                &subscriptions,
                settings.page_size,
                Some(&live.feed),
            )
            .await
        };
        if step.is_ok() {
            transient_failures = 0;
            if halted && parking::resume(&pool, name).await.is_ok() {
                halted = false;
            }
        }
        let wait = match step {
            Ok(step) => {
                known = Some(step.checkpoint);
                live.feed.passed(name, Some(step.checkpoint));
                subscriptions.mark_reached(name, Some(step.checkpoint));
                if step.moved {
                    last_commit = tokio::time::Instant::now();
                }
                if step.full {
                    Duration::ZERO
                } else if step.moved {
                    gather(settings.batch_delay, name, &subscriptions, &mut shutdown).await;
                    Duration::ZERO
                } else {
                    // Behind the window, yet nothing readable: a transaction in flight.
                    IN_FLIGHT_RETRY
                }
            }
            Err(ProjectionError::CheckpointMoved(_)) => {
                known = None;
                Duration::ZERO
            }
            Err(error) => match error.failure() {
                Failure::Transient => {
                    // The database is busy or away: the same page applies once it is back.
                    known = None;
                    transient_failures = transient_failures.saturating_add(1);
                    let pause = TRANSIENT_BACKOFF_START
                        .saturating_mul(2u32.saturating_pow(transient_failures.min(8)))
                        .min(TRANSIENT_BACKOFF_MAX);
                    tracing::warn!(projection = name, error = %error, ?pause, "transient failure, retrying");
                    pause
                }
                // Workspace failures were parked inside the page; what comes out is about
                // every workspace: stop, alert once, and look again later (a fix deployed).
                Failure::Workspace | Failure::Platform => {
                    parking::halt(&pool, name, &error).await;
                    halted = true;
                    HALT_RECHECK.max(settings.poll_interval)
                }
            },
        };
        pause(wait, &mut shutdown).await;
    }
    live.feed.passed(name, None);
    subscriptions.mark_reached(name, None);
}

/// The checkpoint a runner starts from once it holds the lease (created if absent).
async fn start(pool: &PgPool, name: &'static str) -> Result<Position, sqlx::Error> {
    ensure_checkpoint(pool, name).await?;
    checkpoints(pool, &[name])
        .await?
        .into_iter()
        .map(|(_, position)| position)
        .next()
        .ok_or(sqlx::Error::RowNotFound)
}

/// Waits up to `delay` for more events, unless or until a request waits for `name`.
async fn gather(
    delay: Duration,
    name: &str,
    subscriptions: &Subscriptions,
    shutdown: &mut watch::Receiver<bool>,
) {
    let until = tokio::time::Instant::now() + delay;
    let mut changes = subscriptions.awaited_changes.subscribe();
    while !subscriptions.is_awaited(name) {
        tokio::select! {
            _ = tokio::time::sleep_until(until) => return,
            _ = changes.changed() => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn pause(wait: Duration, shutdown: &mut watch::Receiver<bool>) {
    if wait > Duration::ZERO {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
}

const IN_FLIGHT_RETRY: Duration = Duration::from_millis(10);
const TRANSIENT_BACKOFF_START: Duration = Duration::from_millis(50);
const TRANSIENT_BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often a halted projection tries its page again.
const HALT_RECHECK: Duration = Duration::from_secs(30);

/// After a fix: applies a halted projection's pending pages at once and lifts the halt
/// (what `thermogestion projections retry --projection P` does besides parked sequences).
/// `Ok(false)` when it was not halted; an error when it still fails.
pub async fn resume_halted(
    pool: &PgPool,
    projection: &dyn Projection,
) -> Result<bool, ProjectionError> {
    let halted = parking::halted(pool)
        .await?
        .iter()
        .any(|(name, _)| name == projection.name());
    if !halted {
        return Ok(false);
    }
    catch_up(
        pool,
        projection,
        &Subscriptions::default(),
        REPLAY_PAGE_SIZE,
    )
    .await?;
    parking::resume(pool, projection.name()).await?;
    Ok(true)
}

/// Page size of replays: large pages amortise the per-page statements of a projection.
pub const REPLAY_PAGE_SIZE: i64 = 10_000;

/// Rebuilds `projection` from the start of the log in one transaction (readers keep seeing
/// the old tables until the new ones commit, live runners wait on the checkpoint row), then
/// catches up with what was written meanwhile.
pub async fn replay(
    pool: &PgPool,
    projection: &dyn Projection,
    page_size: i64,
) -> Result<Progress, ProjectionError> {
    let name = projection.name();
    ensure_checkpoint(pool, name).await?;
    let mut tx = begin_relaxed(pool).await?;
    locked_checkpoint(&mut tx, name).await?;
    for table in projection.tables() {
        // `delete`, not `truncate`: truncate would lock readers out for the whole replay.
        sqlx::query(&format!("delete from {table}"))
            .execute(&mut *tx)
            .await?;
    }
    // The rebuild starts every workspace afresh: what still fails parks again below.
    sqlx::query("delete from projection_parked where projection = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let start = Position::default();
    let mut position = start;
    let mut progress = Progress::default();
    let mut parked = std::collections::HashSet::new();
    let mut parkings = Vec::new();
    loop {
        let page = feed::read_page(&mut tx, position, page_size, projection.event_types()).await?;
        let Some(last) = page.last else { break };
        position = last;
        progress.read += page.scanned as u64;
        progress.applied += page.events.len() as u64;
        parkings
            .extend(parking::apply_isolating(&mut tx, projection, page.events, &mut parked).await?);
    }
    progress.parked = parkings.len() as u64;
    parking::record(&mut tx, name, &parkings).await?;
    sqlx::query(
        "update projection_checkpoint
         set transaction_id = $2::text::xid8, global_position = $3, updated_at = now()
         where projection = $1",
    )
    .bind(name)
    .bind(position.xid_text())
    .bind(position.global_position)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // Events of transactions newer than the rebuild's own were invisible to it.
    for parking in &parkings {
        parking.log();
    }
    let tail = catch_up(pool, projection, &Subscriptions::default(), page_size).await?;
    Ok(Progress {
        read: progress.read + tail.read,
        applied: progress.applied + tail.applied,
        parked: progress.parked + tail.parked,
    })
}

/// How far behind a projection is, for `/metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lag {
    pub projection: String,
    /// Age of the oldest event not yet applied, 0 when caught up.
    pub seconds: f64,
    /// Events not yet applied, counted up to [`LAG_COUNT_CAP`].
    pub events: i64,
}

pub const LAG_COUNT_CAP: i64 = 100_000;

pub async fn lags(pool: &PgPool) -> Result<Vec<Lag>, sqlx::Error> {
    let rows: Vec<(String, Option<f64>, i64)> = sqlx::query_as(
        "select p.projection,
                (select extract(epoch from now() - e.recorded_at)::float8 from events e
                 where (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position)
                 order by e.transaction_id, e.global_position limit 1),
                (select count(*) from (select 1 from events e
                 where (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position)
                 limit $1) behind)
         from projection_checkpoint p order by p.projection",
    )
    .bind(LAG_COUNT_CAP)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(projection, seconds, events)| Lag {
            projection,
            seconds: seconds.unwrap_or(0.0).max(0.0),
            events,
        })
        .collect())
}
