//! The write side: the one place that appends to the event log.
//!
//! A [`CommandGateway`] loads an aggregate through postgres-es' plain event store, lets the
//! pure domain decide, and commits with metadata; it retries optimistic-concurrency conflicts
//! a bounded number of times and returns a [`CommandReceipt`] that read-your-writes resolves.

mod error;
mod gateway;
mod meta;

pub use error::CommandError;
pub use gateway::{scoped_aggregate_id, CommandGateway, CommandReceipt};
pub use meta::CommandMeta;

use domain::workspace::Workspace;
use prometheus_client::metrics::counter::Counter;
use sqlx::PgPool;

/// Every gateway of the application, built once and shared by the API and workers.
#[derive(Clone)]
pub struct Commands {
    pub workspaces: CommandGateway<Workspace>,
    events_appended: Counter,
}

impl Commands {
    pub fn new(pool: PgPool) -> Self {
        let events_appended = Counter::default();
        Self {
            workspaces: CommandGateway::new(pool, (), events_appended.clone()),
            events_appended,
        }
    }

    /// Events appended by this process since start, for `/metrics`.
    pub fn events_appended(&self) -> Counter {
        self.events_appended.clone()
    }
}
