use std::time::Duration;

use chrono::Utc;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateContext, AggregateError, EventStore};
use domain::{DomainError, Stamped};
use postgres_es::PostgresEventRepository;
use prometheus_client::metrics::counter::Counter;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

use crate::{CommandError, CommandMeta};

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
    pub event_count: usize,
}

/// Sends commands of one aggregate type to the event log.
pub struct CommandGateway<A: Aggregate> {
    inner: Arc<Inner<A>>,
}

struct Inner<A: Aggregate> {
    // The plain event store only: postgres-es 0.5.0's snapshot and aggregate stores apply
    // each event twice (EVENT-STORE.md).
    store: PersistedEventStore<PostgresEventRepository, A>,
    services: A::Services,
    max_attempts: u32,
    events_appended: Counter,
}

impl<A: Aggregate> Clone for CommandGateway<A> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<A, C> CommandGateway<A>
where
    A: Aggregate<Command = Stamped<C>>,
    A::Error: DomainError,
    C: Clone + Send + Sync,
{
    /// Attempts per command, the first included. Conflicts only happen between writers of
    /// the same aggregate at the same instant; five attempts with jittered backoff absorb
    /// bursts of a whole workshop validating steps of one project together.
    pub const MAX_ATTEMPTS: u32 = 5;

    pub fn new(pool: PgPool, services: A::Services, events_appended: Counter) -> Self {
        let repo = PostgresEventRepository::new(pool);
        Self {
            inner: Arc::new(Inner {
                store: PersistedEventStore::new_event_store(repo),
                services,
                max_attempts: Self::MAX_ATTEMPTS,
                events_appended,
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
        let inner = &*self.inner;
        let aggregate_id = scoped_aggregate_id(meta.workspace_id, local_id);
        let command_id = Uuid::now_v7();
        let mut attempt = 1;
        loop {
            let mut context = inner
                .store
                .load_aggregate(&aggregate_id)
                .await
                .map_err(store_error)?;
            let now = Utc::now();
            let sink = EventSink::<A>::default();
            context
                .aggregate()
                .handle(Stamped::at(now, body.clone()), &inner.services, &sink)
                .await
                .map_err(CommandError::Rejected)?;
            let events = sink.collect().await;
            if events.is_empty() {
                return Ok(CommandReceipt {
                    command_id,
                    aggregate_type: A::TYPE,
                    aggregate_id,
                    last_sequence: None,
                    event_count: 0,
                });
            }
            match inner
                .store
                .commit(events, context, meta.to_map(command_id, now))
                .await
            {
                Ok(committed) => {
                    inner.events_appended.inc_by(committed.len() as u64);
                    return Ok(CommandReceipt {
                        command_id,
                        aggregate_type: A::TYPE,
                        last_sequence: committed.last().map(|envelope| envelope.sequence as i64),
                        event_count: committed.len(),
                        aggregate_id,
                    });
                }
                Err(AggregateError::AggregateConflict) if attempt < inner.max_attempts => {
                    tracing::debug!(attempt, "optimistic concurrency conflict, retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(AggregateError::AggregateConflict) => {
                    tracing::info!(attempt, "optimistic concurrency conflict, giving up");
                    return Err(CommandError::Conflict);
                }
                Err(other) => return Err(store_error(other)),
            }
        }
    }
}

fn store_error<E: DomainError>(error: AggregateError<E>) -> CommandError<E> {
    match error {
        AggregateError::UserError(error) => CommandError::Rejected(error),
        AggregateError::AggregateConflict => CommandError::Conflict,
        AggregateError::DatabaseConnectionError(cause)
        | AggregateError::DeserializationError(cause)
        | AggregateError::UnexpectedError(cause) => CommandError::Store(cause),
    }
}

/// Jittered exponential backoff: 1–2 ms, 2–4 ms, 4–8 ms… so racing writers spread out.
fn backoff(attempt: u32) -> Duration {
    let base_micros = 1_000u64 << (attempt - 1).min(6);
    let jitter = (Uuid::new_v4().as_u128() % u128::from(base_micros)) as u64;
    Duration::from_micros(base_micros + jitter)
}
