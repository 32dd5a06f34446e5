//! Which process runs which subscriber: one session advisory lock per subscriber, all held
//! on the one connection of the process' feed task (`shared_feed`), not one pinned
//! connection each.
//!
//! Session locks fail over by themselves: when a process dies, even by SIGKILL, PostgreSQL
//! ends its backend and releases its locks, and the next [`refresh`] of a surviving process
//! (every [`REFRESH_EVERY`]) takes them. A runner acts only while its lease is held; should
//! the lease connection be lost while a page is in flight, the conditional checkpoint
//! update still keeps each page applied once.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgConnection;
use tokio::sync::watch;

/// How often a process checks its leases and tries to take the free ones: the bound on a
/// fail-over after a crash.
pub const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// The key of a subscriber's lock; the same as when each runner held its own connection,
/// so an older process and a newer one never run one subscriber together during a deploy.
fn lock_key(name: &str) -> String {
    format!("thermogestion.projection.{name}")
}

/// The subscribers whose lease this process holds, watched by their runners.
#[derive(Clone)]
pub struct Leases {
    held: Arc<watch::Sender<BTreeSet<&'static str>>>,
}

impl Default for Leases {
    fn default() -> Self {
        Self {
            held: Arc::new(watch::Sender::new(BTreeSet::new())),
        }
    }
}

impl Leases {
    pub fn holds(&self, name: &str) -> bool {
        self.held.borrow().contains(name)
    }

    pub fn watch(&self) -> watch::Receiver<BTreeSet<&'static str>> {
        self.held.subscribe()
    }

    /// The connection holding the locks is gone: so are they.
    pub fn lost(&self) {
        self.held.send_if_modified(|held| {
            let had = !held.is_empty();
            held.clear();
            had
        });
    }

    fn set(&self, now: BTreeSet<&'static str>) {
        self.held.send_if_modified(|held| {
            let changed = *held != now;
            *held = now;
            changed
        });
    }
}

/// Takes the free leases among `names` on `conn` and checks that the connection (hence
/// every lock already held) is alive. On error the caller drops the connection and calls
/// [`Leases::lost`].
pub async fn refresh(
    conn: &mut PgConnection,
    leases: &Leases,
    names: &[&'static str],
) -> Result<(), sqlx::Error> {
    let mut held = leases.held.borrow().clone();
    let missing: Vec<&'static str> = names
        .iter()
        .copied()
        .filter(|name| !held.contains(name))
        .collect();
    // Locking a key this session already holds would stack it: ask only for the others.
    // With none missing the statement still runs, as the liveness check of the held ones.
    let keys: Vec<String> = missing.iter().map(|name| lock_key(name)).collect();
    let taken: Vec<bool> = sqlx::query_scalar(
        "select pg_try_advisory_lock(hashtext(key)) from unnest($1::text[]) with ordinality k(key, n)
         order by n",
    )
    .bind(&keys)
    .fetch_all(&mut *conn)
    .await?;
    if keys.is_empty() {
        sqlx::query("select 1").execute(&mut *conn).await?;
    }
    for (name, taken) in missing.into_iter().zip(taken) {
        if taken {
            tracing::info!(projection = name, "lease taken: this process runs it");
            held.insert(name);
        }
    }
    leases.set(held);
    Ok(())
}
