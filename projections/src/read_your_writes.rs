//! Lets a mutation answer only once the read models the client reads next contain its
//! events, so a screen never shows stale data right after a save.
//!
//! A read model parked for the writing workspace (or halted) will not show the event until
//! an operator acts: the wait ends at once with [`Caught::Blocked`] instead of timing out,
//! so the mutation can report its success without its read-back.

use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::engine::Subscriptions;
use crate::feed::{self, Position};

/// How long a mutation waits at most; beyond it the answer is served from a read model that
/// may lag, and a warning is logged (the projection is stuck or far behind).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Cross-process fallback: the in-process progress signal does not see other processes.
/// A runner of this process that reaches the position wakes the request at once.
const POLL: Duration = Duration::from_millis(20);

/// How a wait for read models ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caught {
    /// Every read model shows the event.
    Up,
    /// These read models are parked for the event's workspace, or halted: they will not
    /// show it until an operator retries.
    Blocked(Vec<String>),
    /// Still behind at the deadline.
    TimedOut,
}

/// Waits until every projection in `names` has applied the event at `target`.
pub async fn wait_until(
    pool: &PgPool,
    subscriptions: &Subscriptions,
    target: Position,
    workspace_id: uuid::Uuid,
    names: &[&str],
    timeout: Duration,
) -> Result<Caught, sqlx::Error> {
    let deadline = Instant::now() + timeout;
    let mut progress = subscriptions.progress();
    // Our runners apply at once while we wait instead of gathering a larger page.
    let _awaiting = subscriptions.awaiting(names);
    loop {
        // What this process' runners reached, read *before* the statement: a runner marks a
        // position reached only after committing its page, parkings included, so the
        // statement then sees any parking of the event. Read after it, a parking committed
        // in between would pass for an applied event.
        let reached: Vec<bool> = names
            .iter()
            .map(|name| reached_here(subscriptions, name, target))
            .collect();
        // One statement: each checkpoint, and whether the event's workspace (the caller's:
        // it wrote the event) is parked there (a parked event is behind the checkpoint, yet
        // not applied). Not read from the log: the request role sees no event outside a
        // transaction of its workspace (ADR 0013).
        let rows: Vec<(String, String, i64, bool)> = sqlx::query_as(
            "select c.projection, c.transaction_id::text, c.global_position,
                    exists(select 1 from projection_parked p
                           where p.projection = c.projection and p.workspace_id = $2)
                    or exists(select 1 from projection_halted h where h.projection = c.projection)
             from projection_checkpoint c
             where c.projection = any($1)",
        )
        .bind(names)
        .bind(workspace_id)
        .fetch_all(pool)
        .await?;
        let blocked: Vec<String> = rows
            .iter()
            .filter(|(_, _, _, blocked)| *blocked)
            .map(|(name, ..)| name.clone())
            .collect();
        if !blocked.is_empty() {
            return Ok(Caught::Blocked(blocked));
        }
        let mut all_reached = true;
        for (name, reached) in names.iter().zip(reached) {
            let stored = match rows.iter().find(|(projection, ..)| projection == name) {
                Some((_, xid, position, _)) => feed::position(xid, *position)? >= target,
                None => false,
            };
            all_reached &= stored || reached;
        }
        if all_reached {
            return Ok(Caught::Up);
        }
        // Look again when this process' runners say they all reached it (the statement
        // above still checks for a parking), or after POLL for runners of other processes.
        let poll_until = Instant::now() + POLL;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Caught::TimedOut);
            }
            let wake = poll_until.min(deadline);
            if now >= wake
                || tokio::time::timeout(wake - now, progress.changed())
                    .await
                    .is_err()
            {
                break;
            }
            progress.borrow_and_update();
            if names
                .iter()
                .all(|name| reached_here(subscriptions, name, target))
            {
                break;
            }
        }
    }
}

fn reached_here(subscriptions: &Subscriptions, name: &str, target: Position) -> bool {
    subscriptions
        .reached(name)
        .is_some_and(|reached| reached >= target)
}
