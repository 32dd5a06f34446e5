use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use domain::{DomainError, Position, Stamped};
use lru::LruCache;
use sqlx::PgPool;
use uuid::Uuid;

use crate::append::{append, AppendError, NewEvent};
use crate::{CommandError, CommandMeta, Signals};

/// Aggregate ids are `<workspace_id>/<local id>`: the workspace part comes from the caller's
/// metadata, so a command built from one tenant's token cannot address another's aggregate.
pub fn scoped_aggregate_id(workspace_id: Uuid, local_id: &str) -> String {
    format!("{workspace_id}/{local_id}")
}

/// What a committed command leaves behind: enough to find its events in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandReceipt {
    pub command_id: Uuid,
    pub aggregate_type: &'static str,
    pub aggregate_id: String,
    /// Sequence of the last event written; `None` when the decision produced no event.
    pub last_sequence: Option<i64>,
    /// Feed position of the last event written, what read-your-writes waits for.
    pub position: Option<Position>,
    pub event_count: usize,
    /// The types of the events written, in order: what the caller can report of a write
    /// whose read model is unavailable.
    pub event_types: Vec<String>,
}

/// Sends commands of one aggregate type to the event log.
pub struct CommandGateway<A: Aggregate> {
    inner: Arc<Inner<A>>,
}

struct Inner<A: Aggregate> {
    pool: PgPool,
    services: A::Services,
    /// Recently used aggregates with their last sequence. A stale entry cannot commit
    /// anything wrong: its next sequence is already taken, so the append conflicts, the
    /// entry is dropped and the command is decided again on freshly loaded state. Hot
    /// aggregates (a project during a shift) then cost one round trip per command.
    cache: Mutex<LruCache<String, (A, usize)>>,
    signals: Signals,
}

impl<A: Aggregate> Clone for CommandGateway<A> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

/// Attempts per command, the first included. Conflicts only happen between writers of the
/// same aggregate at the same instant; five attempts with jittered backoff absorb bursts of
/// a whole workshop validating steps of one project together.
pub const MAX_ATTEMPTS: u32 = 5;

/// Aggregates kept in memory per aggregate type and process.
pub const CACHE_CAPACITY: usize = 10_000;

impl<A, C> CommandGateway<A>
where
    A: Aggregate<Command = Stamped<C>> + Clone,
    A::Error: DomainError,
    C: Clone + Send + Sync,
{
    pub fn new(pool: PgPool, services: A::Services, signals: Signals) -> Self {
        let capacity = NonZeroUsize::new(CACHE_CAPACITY).expect("non-zero capacity");
        Self {
            inner: Arc::new(Inner {
                pool,
                services,
                cache: Mutex::new(LruCache::new(capacity)),
                signals,
            }),
        }
    }

    /// Decides and commits `body` against the aggregate `local_id` of the caller's workspace.
    #[tracing::instrument(skip_all, fields(aggregate_type = A::TYPE, workspace_id = %meta.workspace_id, request_id = %meta.request_id))]
    pub async fn execute(
        &self,
        meta: &CommandMeta,
        local_id: &str,
        body: C,
    ) -> Result<CommandReceipt, CommandError<A::Error>> {
        Ok(self.run(meta, local_id, body, None, false).await?.0)
    }

    /// As [`execute`](Self::execute), with the events written: what the caller reports of
    /// the decision (a weighing's gap, a signature's time) is then the aggregate's own
    /// figures, never computed a second time.
    pub async fn execute_returning(
        &self,
        meta: &CommandMeta,
        local_id: &str,
        body: C,
    ) -> Result<(CommandReceipt, Vec<A::Event>), CommandError<A::Error>> {
        self.run(meta, local_id, body, None, false).await
    }

    /// As [`execute`](Self::execute) for an aggregate whose id the caller just generated:
    /// decided on the empty state without reading the log (one round trip fewer). A reused
    /// id still cannot commit: its first sequence is taken, the append conflicts, and the
    /// retry decides on the log.
    pub async fn execute_new(
        &self,
        meta: &CommandMeta,
        local_id: &str,
        body: C,
    ) -> Result<CommandReceipt, CommandError<A::Error>> {
        Ok(self.run(meta, local_id, body, None, true).await?.0)
    }

    /// As [`execute`](Self::execute), decided as of `as_of` instead of the clock: for
    /// schedules that act on what time has made true (expiries), so their tests can move
    /// time forward.
    pub async fn execute_as_of(
        &self,
        meta: &CommandMeta,
        local_id: &str,
        body: C,
        as_of: Option<chrono::DateTime<Utc>>,
    ) -> Result<CommandReceipt, CommandError<A::Error>> {
        Ok(self.run(meta, local_id, body, as_of, false).await?.0)
    }

    async fn run(
        &self,
        meta: &CommandMeta,
        local_id: &str,
        body: C,
        as_of: Option<chrono::DateTime<Utc>>,
        mut assumed_new: bool,
    ) -> Result<(CommandReceipt, Vec<A::Event>), CommandError<A::Error>> {
        let inner = &*self.inner;
        let aggregate_id = scoped_aggregate_id(meta.workspace_id, local_id);
        let command_id = Uuid::now_v7();
        let mut attempt = 1;
        loop {
            let cached = if std::mem::take(&mut assumed_new) {
                Some((A::default(), 0))
            } else {
                inner.cached(&aggregate_id)
            };
            // Cached or assumed new: state the log has not confirmed.
            let from_cache = cached.is_some();
            let (mut aggregate, sequence) = match cached {
                Some(entry) => entry,
                None => inner.load(meta.workspace_id, &aggregate_id).await?,
            };
            let now = as_of.unwrap_or_else(Utc::now);
            let sink = EventSink::<A>::default();
            // The sink applies each event to `aggregate` as it is written.
            let decided = aggregate
                .handle(Stamped::at(now, body.clone()), &inner.services, &sink)
                .await;
            let events = sink.collect().await;
            // A refusal or a no-op decided on cached state is never checked by the append:
            // another process may have moved the aggregate. Decide again on the log.
            if from_cache && (decided.is_err() || events.is_empty()) {
                inner.forget(&aggregate_id);
                continue;
            }
            decided.map_err(CommandError::Rejected)?;
            let event_count = events.len();
            if event_count == 0 {
                let receipt = CommandReceipt {
                    command_id,
                    aggregate_type: A::TYPE,
                    aggregate_id,
                    last_sequence: None,
                    position: None,
                    event_count,
                    event_types: vec![],
                };
                return Ok((receipt, events));
            }
            let new_events = events
                .iter()
                .map(|event| {
                    Ok(NewEvent {
                        event_type: event.event_type(),
                        event_version: event.event_version(),
                        payload: serde_json::to_value(event)?,
                    })
                })
                .collect::<Result<Vec<_>, serde_json::Error>>()
                .map_err(|error| CommandError::Store(Box::new(error)))?;
            let event_types: Vec<String> = new_events
                .iter()
                .map(|event| event.event_type.clone())
                .collect();
            let metadata = serde_json::to_value(meta.to_map(command_id, now))
                .map_err(|error| CommandError::Store(Box::new(error)))?;
            let appended = append(
                &inner.pool,
                A::TYPE,
                &aggregate_id,
                sequence as i64,
                new_events,
                &metadata,
            )
            .await;
            match appended {
                Ok(position) => {
                    inner.signals.events_appended.inc_by(event_count as u64);
                    inner.signals.appends.send_modify(|count| *count += 1);
                    let last_sequence = sequence + event_count;
                    inner.remember(&aggregate_id, aggregate, last_sequence);
                    let receipt = CommandReceipt {
                        command_id,
                        aggregate_type: A::TYPE,
                        aggregate_id,
                        last_sequence: Some(last_sequence as i64),
                        position: Some(position),
                        event_count,
                        event_types,
                    };
                    return Ok((receipt, events));
                }
                Err(AppendError::Conflict) => {
                    inner.forget(&aggregate_id);
                    if attempt >= MAX_ATTEMPTS {
                        tracing::info!(attempt, "optimistic concurrency conflict, giving up");
                        return Err(CommandError::Conflict);
                    }
                    tracing::debug!(attempt, "optimistic concurrency conflict, retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(AppendError::Database(error)) => {
                    // The commit may or may not have happened (a lost connection): reload.
                    inner.forget(&aggregate_id);
                    return Err(CommandError::Store(Box::new(error)));
                }
            }
        }
    }
}

impl<A, C> CommandGateway<A>
where
    A: Aggregate<Command = Stamped<C>> + Clone,
    A::Error: DomainError,
    C: Clone + Send + Sync,
{
    /// The aggregate's state as the log has it: for a step that must read before it knows
    /// what to decide (whether a payment needs a deposit invoice, hence a number). The
    /// decision that follows loads again, and the commit's sequence check catches a change
    /// in between.
    pub async fn load(
        &self,
        meta: &CommandMeta,
        local_id: &str,
    ) -> Result<A, CommandError<A::Error>> {
        let aggregate_id = scoped_aggregate_id(meta.workspace_id, local_id);
        let (aggregate, _) = self.inner.load(meta.workspace_id, &aggregate_id).await?;
        Ok(aggregate)
    }

    /// Decides `body` on the aggregate's state in the log without writing anything: one step
    /// of a [`crate::AtomicAppend`] that commits several aggregates at once. `known_new` skips the
    /// load for an id just generated (a conflict at commit still catches a reused one).
    pub async fn decide(
        &self,
        meta: &CommandMeta,
        local_id: &str,
        body: C,
        known_new: bool,
        now: chrono::DateTime<Utc>,
    ) -> Result<Decision, CommandError<A::Error>> {
        let inner = &*self.inner;
        let aggregate_id = scoped_aggregate_id(meta.workspace_id, local_id);
        // The batch will move the aggregate: whatever this process cached is about to be old.
        inner.forget(&aggregate_id);
        let (mut aggregate, sequence) = if known_new {
            (A::default(), 0)
        } else {
            inner.load(meta.workspace_id, &aggregate_id).await?
        };
        let sink = EventSink::<A>::default();
        let decided = aggregate
            .handle(Stamped::at(now, body), &inner.services, &sink)
            .await;
        decided.map_err(CommandError::Rejected)?;
        // JSON text, not a `Value` tree: an import holds tens of thousands of decisions,
        // and the text is a fraction of the tree's memory.
        let events = sink
            .collect()
            .await
            .iter()
            .map(|event| {
                Ok(BatchEvent {
                    event_type: event.event_type(),
                    event_version: event.event_version(),
                    payload: serde_json::to_string(event)?,
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()
            .map_err(|error| CommandError::Store(Box::new(error)))?;
        Ok(Decision {
            aggregate_type: A::TYPE,
            aggregate_id,
            after_sequence: sequence as i64,
            events,
        })
    }
}

/// The events one aggregate would append, decided but not yet written.
pub struct Decision {
    pub(crate) aggregate_type: &'static str,
    pub(crate) aggregate_id: String,
    pub(crate) after_sequence: i64,
    pub(crate) events: Vec<BatchEvent>,
}

/// An event of a batch, its payload already JSON text.
pub(crate) struct BatchEvent {
    pub event_type: String,
    pub event_version: String,
    pub payload: String,
}

impl Decision {
    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// The first decided event, read back: what a batch needs to build its next decision
    /// (the number a counter handed out).
    pub fn payload<E: serde::de::DeserializeOwned>(&self) -> Option<E> {
        serde_json::from_str(&self.events.first()?.payload).ok()
    }

    /// Every event decided that reads as `E`.
    pub fn payloads<E: serde::de::DeserializeOwned>(&self) -> Vec<E> {
        self.events
            .iter()
            .filter_map(|event| serde_json::from_str(&event.payload).ok())
            .collect()
    }
}

impl<A: Aggregate> Inner<A> {
    /// The aggregate as the log has it, with its last sequence: its events applied in order
    /// (what postgres-es' plain event store did; its snapshot and aggregate stores apply each
    /// event twice, EVENT-STORE.md). One statement scoped to the caller's workspace, which
    /// row-level security binds the request role to (migration 0032, ADR 0013).
    async fn load<E: DomainError>(
        &self,
        workspace_id: Uuid,
        aggregate_id: &str,
    ) -> Result<(A, usize), CommandError<E>> {
        let rows: Vec<(i64, serde_json::Value)> = sqlx::query_as(
            "select sequence, payload from thermogestion_load_aggregate($1, $2, $3)",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await
        .map_err(|error| CommandError::Store(Box::new(error)))?;
        let mut aggregate = A::default();
        let mut sequence = 0;
        for (at, payload) in rows {
            let event: A::Event = serde_json::from_value(payload)
                .map_err(|error| CommandError::Store(Box::new(error)))?;
            aggregate.apply(event);
            sequence = at as usize;
        }
        Ok((aggregate, sequence))
    }
}

impl<A: Aggregate + Clone> Inner<A> {
    fn cached(&self, aggregate_id: &str) -> Option<(A, usize)> {
        let mut cache = self.cache.lock().expect("aggregate cache poisoned");
        cache.get(aggregate_id).cloned()
    }

    fn remember(&self, aggregate_id: &str, aggregate: A, sequence: usize) {
        let mut cache = self.cache.lock().expect("aggregate cache poisoned");
        cache.put(aggregate_id.to_owned(), (aggregate, sequence));
    }

    fn forget(&self, aggregate_id: &str) {
        let mut cache = self.cache.lock().expect("aggregate cache poisoned");
        cache.pop(aggregate_id);
    }
}

/// Jittered exponential backoff: 1–2 ms, 2–4 ms, 4–8 ms… so racing writers spread out.
fn backoff(attempt: u32) -> Duration {
    let base_micros = 1_000u64 << (attempt - 1).min(6);
    let jitter = (Uuid::new_v4().as_u128() % u128::from(base_micros)) as u64;
    Duration::from_micros(base_micros + jitter)
}
