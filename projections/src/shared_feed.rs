//! One reader of the event log per process: it reads each page of the feed once, keeps a
//! window of recent events in memory, and every runner takes its events from that window
//! instead of querying the log itself (19 runners used to poll it each).
//!
//! The window holds *every* event between its `start` (excluded) and its `last` (included),
//! all below the feed's watermark, so they can never change: a runner whose checkpoint lies
//! inside it applies exactly what it would have read from the log. A runner behind the
//! window (a new projection, a long outage) reads the log itself until it reaches it.
//!
//! The reader's connection also holds the process' leases (`lease`): one connection for
//! both, failing together — a lost connection loses the locks and the reads alike.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::watch;

use crate::engine::{Live, Subscriptions};
use crate::feed::{self, Page, Position, RecordedEvent};
use crate::lease;

/// Events kept at most: about 1 KiB each, so a few MiB, whatever runners lag behind.
pub const WINDOW_CAPACITY: usize = 5_000;

/// Page size of the reader.
const READ_PAGE: i64 = 500;

#[derive(Clone)]
pub struct SharedFeed {
    window: Arc<Mutex<Window>>,
    /// The window's `last`, for runners to wait on.
    tip: Arc<watch::Sender<Option<Position>>>,
}

impl Default for SharedFeed {
    fn default() -> Self {
        Self {
            window: Arc::new(Mutex::new(Window::default())),
            tip: Arc::new(watch::Sender::new(None)),
        }
    }
}

#[derive(Default)]
struct Window {
    /// `None` until the reader placed the window.
    start: Option<Position>,
    last: Position,
    events: VecDeque<RecordedEvent>,
    /// Where each runner of this process stands: what all have passed is dropped.
    cursors: HashMap<&'static str, Position>,
}

/// What a runner would find in the window after its checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peek {
    /// The checkpoint is before the window: read the log.
    Behind,
    /// Nothing after the checkpoint yet.
    Nothing,
    /// `wanted` events of the runner's types, `scanned` in all, up to `last`.
    Ahead {
        wanted: usize,
        scanned: usize,
        last: Position,
    },
}

impl Window {
    fn first_after(&self, from: Position) -> Option<usize> {
        let start = self.start?;
        if from < start {
            return None;
        }
        Some(self.events.partition_point(|event| event.position <= from))
    }

    fn trim(&mut self) {
        let passed = self.cursors.values().min().copied();
        while let Some(front) = self.events.front() {
            let everyone_passed = passed.is_some_and(|passed| front.position <= passed);
            if !everyone_passed && self.events.len() <= WINDOW_CAPACITY {
                break;
            }
            self.start = Some(front.position);
            self.events.pop_front();
        }
    }
}

fn wants(wanted: &[&str], event: &RecordedEvent) -> bool {
    wanted.is_empty() || wanted.contains(&event.event_type.as_str())
}

impl SharedFeed {
    pub fn tip(&self) -> watch::Receiver<Option<Position>> {
        self.tip.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().expect("shared feed poisoned")
    }

    /// What lies after `from` for a runner of the `wanted` types, without copying events.
    pub fn peek(&self, from: Position, wanted: &[&str]) -> Peek {
        let window = self.lock();
        let Some(first) = window.first_after(from) else {
            return Peek::Behind;
        };
        if window.last <= from {
            return Peek::Nothing;
        }
        let ahead = window.events.range(first..);
        let scanned = ahead.len();
        let wanted = ahead.filter(|event| wants(wanted, event)).count();
        Peek::Ahead {
            wanted,
            scanned,
            last: window.last,
        }
    }

    /// The page a runner at `from` would read from the log (same meaning as
    /// [`feed::read_wanted`]), or `None` when `from` is before the window.
    pub fn page(&self, from: Position, limit: i64, wanted: &[&str]) -> Option<Page> {
        let window = self.lock();
        let first = window.first_after(from)?;
        let mut page = Page::default();
        if window.last <= from {
            return Some(page);
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX).max(1);
        for event in window.events.range(first..) {
            page.scanned += 1;
            if wants(wanted, event) {
                page.events.push(event.clone());
                if page.events.len() >= limit {
                    page.full = true;
                    page.last = Some(event.position);
                    return Some(page);
                }
            }
        }
        page.last = Some(window.last);
        Some(page)
    }

    /// A runner of this process stands at `position` (`None`: it stopped running here).
    pub fn passed(&self, name: &'static str, position: Option<Position>) {
        let mut window = self.lock();
        match position {
            Some(position) => window.cursors.insert(name, position),
            None => window.cursors.remove(name),
        };
        window.trim();
    }

    /// Places an empty window at `position` (the reader's first step).
    fn place(&self, position: Position) {
        let mut window = self.lock();
        window.start = Some(position);
        window.last = position;
        window.events.clear();
        drop(window);
        self.tip.send_replace(Some(position));
    }

    /// Reads everything readable after the window, page by page.
    async fn extend(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        loop {
            let after = self.lock().last;
            let page = feed::read_page(conn, after, READ_PAGE, &[]).await?;
            let Some(last) = page.last else { break };
            let full = page.full;
            {
                let mut window = self.lock();
                window.events.extend(page.events);
                window.last = last;
                window.trim();
            }
            self.tip.send_replace(Some(last));
            if !full {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Settings of the process' feed task.
#[derive(Debug, Clone, Copy)]
pub struct ReaderSettings {
    /// Fallback when no notification comes (another process wrote, a notification was lost).
    pub poll_interval: Duration,
    /// Retry delay when events exist but a transaction still in flight hides them.
    pub in_flight_retry: Duration,
    /// Shortest time between two reads: under load every append would wake the reader, so
    /// it read one event per statement; waiting this long lets one read take them all.
    pub min_read_interval: Duration,
}

impl Default for ReaderSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            in_flight_retry: Duration::from_millis(5),
            min_read_interval: Duration::from_millis(2),
        }
    }
}

/// The process' feed task: on its own connection, keeps the leases of `names` and the
/// window of the log, woken by notifications (`subscriptions`) and this process' appends.
pub async fn run(
    pool: PgPool,
    live: Live,
    names: Vec<&'static str>,
    subscriptions: Subscriptions,
    mut appends: Option<watch::Receiver<u64>>,
    settings: ReaderSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    let Live { feed, leases, .. } = live;
    let mut new_events = subscriptions.new_events();
    let mut next_refresh = tokio::time::Instant::now();
    let mut conn: Option<PgConnection> = None;
    let mut placed = false;
    let mut wait = Duration::ZERO;
    let mut last_read: Option<tokio::time::Instant> = None;
    while !*shutdown.borrow() {
        if wait > Duration::ZERO {
            tokio::select! {
                _ = new_events.changed() => {}
                Some(_) = async { match appends.as_mut() {
                    Some(appends) => appends.changed().await.ok(),
                    None => std::future::pending().await,
                } } => {}
                _ = tokio::time::sleep_until(next_refresh) => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => continue,
            }
        }
        if let Some(read_at) = last_read {
            let ready = read_at + settings.min_read_interval;
            if tokio::time::Instant::now() < ready {
                tokio::select! {
                    _ = tokio::time::sleep_until(ready) => {}
                    _ = shutdown.changed() => continue,
                }
            }
        }
        last_read = Some(tokio::time::Instant::now());
        let mut refresh_due = tokio::time::Instant::now() >= next_refresh;
        new_events.borrow_and_update();
        if let Some(appends) = appends.as_mut() {
            appends.borrow_and_update();
        }
        let connection = match conn.as_mut() {
            Some(connection) => connection,
            None => match pool.acquire().await {
                // Detached: the pool neither counts it nor hands it out, so the locks it
                // holds stay with this task.
                Ok(connection) => {
                    refresh_due = true;
                    conn.insert(connection.detach())
                }
                Err(error) => {
                    tracing::warn!(%error, "feed task cannot connect");
                    wait = Duration::from_secs(1);
                    continue;
                }
            },
        };
        let outcome = async {
            if refresh_due {
                lease::refresh(connection, &leases, &names).await?;
                next_refresh = tokio::time::Instant::now() + lease::REFRESH_EVERY;
            }
            if !placed {
                feed.place(start_of_window(connection, &names).await?);
                placed = true;
            }
            feed.extend(connection).await?;
            let last = feed.lock().last;
            // Committed events exist that a transaction in flight still hides: look again
            // soon rather than at the next notification.
            Ok::<_, sqlx::Error>(if feed::has_events_after(&mut *connection, last).await? {
                settings.in_flight_retry
            } else {
                settings.poll_interval
            })
        }
        .await;
        match outcome {
            Ok(next) => wait = next.max(Duration::from_millis(1)),
            Err(error) => {
                tracing::warn!(%error, "feed task lost its connection: leases released");
                leases.lost();
                if let Some(broken) = conn.take() {
                    let _ = broken.close().await;
                }
                wait = Duration::from_secs(1);
            }
        }
    }
    leases.lost();
    if let Some(connection) = conn.take() {
        let _ = connection.close().await;
    }
}

/// The window starts at the furthest checkpoint of this process' subscribers: the ones
/// behind read the log until they reach it, nobody waits for the reader to read old pages.
async fn start_of_window(
    conn: &mut PgConnection,
    names: &[&'static str],
) -> Result<Position, sqlx::Error> {
    let checkpoints = crate::engine::checkpoints(&mut *conn, names).await?;
    Ok(checkpoints
        .into_iter()
        .map(|(_, position)| position)
        .max()
        .unwrap_or_default())
}
