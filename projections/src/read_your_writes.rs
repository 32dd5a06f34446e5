//! Lets a mutation answer only once the read models the client reads next contain its
//! events, so a screen never shows stale data right after a save.

use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::engine::{checkpoints, Subscriptions};
use crate::feed::Position;

/// How long a mutation waits at most; beyond it the answer is served from a read model that
/// may lag, and a warning is logged (the projection is stuck or far behind).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Cross-process fallback: the in-process progress signal does not see other processes.
const POLL: Duration = Duration::from_millis(20);

/// Waits until every projection in `names` has a checkpoint at or past `target`.
pub async fn wait_until(
    pool: &PgPool,
    subscriptions: &Subscriptions,
    target: Position,
    names: &[&str],
    timeout: Duration,
) -> Result<bool, sqlx::Error> {
    let deadline = Instant::now() + timeout;
    let mut progress = subscriptions.progress();
    loop {
        progress.borrow_and_update();
        let reached = checkpoints(pool, names).await?;
        let all_reached = names.iter().all(|name| {
            reached
                .iter()
                .any(|(projection, position)| projection == name && *position >= target)
        });
        if all_reached {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        let _ = tokio::time::timeout(POLL.min(deadline - now), progress.changed()).await;
    }
}
