//! The write side: the one place that appends to the event log.
//!
//! A [`CommandGateway`] loads an aggregate through postgres-es' plain event store, lets the
//! pure domain decide, and commits with metadata; it retries optimistic-concurrency conflicts
//! a bounded number of times and returns a [`CommandReceipt`] that read-your-writes resolves.

pub mod account;
mod append;
mod atomic_append;
pub mod bench;
pub mod catalogue;
pub mod client;
pub mod client_import;
pub mod client_key;
pub mod context;
pub mod database;
pub mod documents;
pub mod editor;
pub mod email_token;
mod error;
pub mod file_store;
mod gateway;
pub mod invitation;
pub mod invoice_document;
pub mod invoice_settings;
pub mod invoicing;
pub mod joining;
pub mod mail;
pub mod mail_settings;
mod meta;
pub mod numbered;
pub mod onboarding;
pub mod oven_batch;
pub mod payment_links;
pub mod pennylane;
pub mod photo_upload;
pub mod portal;
pub mod powder_import;
pub mod powder_stock;
pub mod project;
pub mod quote;
pub mod quote_document;
pub mod quote_sending;
pub mod secret_box;
pub mod session;
pub mod two_factor;

pub use atomic_append::{AppendError, AppendReceipt, AtomicAppend};
pub use error::CommandError;
pub use gateway::{
    scoped_aggregate_id, CommandGateway, CommandReceipt, Decision, CACHE_CAPACITY, MAX_ATTEMPTS,
};
pub use meta::CommandMeta;
pub use numbered::{Number, NumberingError, Series, Taken};

use domain::batch::lifecycle::OvenBatch;
use domain::batch::oven::OvenConfiguration;
use domain::client::import::ClientImport;
use domain::client::settings::CrmSettings;
use domain::client::Client;
use domain::counter::Counter as NumberCounter;
use domain::email::Email;
use domain::email_template::EmailTemplates;
use domain::invoice::billing::Billing;
use domain::invoice::payment_policy::PaymentPolicy;
use domain::invoice::settings::InvoicePolicy;
use domain::platform::catalogue::PlanCatalogue;
use domain::powder::alert::StockAlerts;
use domain::powder::catalogue::Powder;
use domain::powder::inventory::Inventory;
use domain::powder::movement::PowderMovements;
use domain::powder::settings::StockPolicy;
use domain::project::lifecycle::Project;
use domain::project::numbering::ProjectNumbering;
use domain::project::workflow::Workflow;
use domain::quote::lifecycle::Quote;
use domain::quote::numbering::QuoteNumbering;
use domain::quote::settings::QuotePolicy;
use domain::quote::template::QuoteTemplate;
use domain::workspace::Workspace;
use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use sqlx::PgPool;
use tokio::sync::watch;

/// What a gateway tells the rest of the process after each append.
#[derive(Clone, Default)]
pub struct Signals {
    pub events_appended: Counter,
    pub appends: Arc<watch::Sender<u64>>,
}

impl Signals {
    /// After a commit of `event_count` events (none: nothing to tell).
    pub(crate) fn announce(&self, event_count: usize) {
        if event_count > 0 {
            self.events_appended.inc_by(event_count as u64);
            self.appends.send_modify(|count| *count += 1);
        }
    }
}

/// Every gateway of the application, built once and shared by the API and workers.
#[derive(Clone)]
pub struct Commands {
    pub workspaces: CommandGateway<Workspace>,
    pub email_templates: CommandGateway<EmailTemplates>,
    pub emails: CommandGateway<Email>,
    pub powders: CommandGateway<Powder>,
    pub powder_movements: CommandGateway<PowderMovements>,
    pub inventories: CommandGateway<Inventory>,
    pub stock_settings: CommandGateway<StockPolicy>,
    pub stock_alerts: CommandGateway<StockAlerts>,
    pub clients: CommandGateway<Client>,
    pub crm_settings: CommandGateway<CrmSettings>,
    pub client_imports: CommandGateway<ClientImport>,
    pub quotes: CommandGateway<Quote>,
    pub quote_numbering: CommandGateway<QuoteNumbering>,
    pub quote_settings: CommandGateway<QuotePolicy>,
    pub quote_templates: CommandGateway<QuoteTemplate>,
    pub projects: CommandGateway<Project>,
    pub project_numbering: CommandGateway<ProjectNumbering>,
    pub workflows: CommandGateway<Workflow>,
    pub ovens: CommandGateway<OvenConfiguration>,
    pub batches: CommandGateway<OvenBatch>,
    /// Yearly numbers of batches (and what comes next).
    pub counters: CommandGateway<NumberCounter>,
    pub billing: CommandGateway<Billing>,
    /// Which methods each role records by hand.
    pub payment_policy: CommandGateway<PaymentPolicy>,
    /// Only through [`invoice_settings::save_invoice_settings`], which keeps the Stripe
    /// account registry in step with the settings.
    pub(crate) invoice_settings: CommandGateway<InvoicePolicy>,
    /// The platform's plans and features: only through [`catalogue`].
    pub(crate) catalogue: CommandGateway<PlanCatalogue>,
    pool: PgPool,
    signals: Signals,
}

/// A transaction scoped to `workspace_id` for a request's own write of a read model:
/// row-level security checks the rows it reads, deletes and writes against that workspace
/// (migration 0032, ADR 0013). No role change: the caller's role writes.
pub async fn scoped(
    pool: &PgPool,
    workspace_id: uuid::Uuid,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select thermogestion_scope($1)")
        .bind(workspace_id)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

impl Commands {
    pub fn new(pool: PgPool) -> Self {
        Self::with_signals(pool, Signals::default())
    }

    /// The same gateways on another pool (the projector's, for reactors and jobs), sharing
    /// this instance's signals: their appends are announced and counted with the others.
    pub fn on_pool(&self, pool: PgPool) -> Self {
        Self::with_signals(pool, self.signals.clone())
    }

    fn with_signals(pool: PgPool, signals: Signals) -> Self {
        Self {
            workspaces: CommandGateway::new(pool.clone(), (), signals.clone()),
            email_templates: CommandGateway::new(pool.clone(), (), signals.clone()),
            emails: CommandGateway::new(pool.clone(), (), signals.clone()),
            powders: CommandGateway::new(pool.clone(), (), signals.clone()),
            powder_movements: CommandGateway::new(pool.clone(), (), signals.clone()),
            inventories: CommandGateway::new(pool.clone(), (), signals.clone()),
            stock_settings: CommandGateway::new(pool.clone(), (), signals.clone()),
            stock_alerts: CommandGateway::new(pool.clone(), (), signals.clone()),
            clients: CommandGateway::new(pool.clone(), (), signals.clone()),
            crm_settings: CommandGateway::new(pool.clone(), (), signals.clone()),
            client_imports: CommandGateway::new(pool.clone(), (), signals.clone()),
            quotes: CommandGateway::new(pool.clone(), (), signals.clone()),
            quote_numbering: CommandGateway::new(pool.clone(), (), signals.clone()),
            quote_settings: CommandGateway::new(pool.clone(), (), signals.clone()),
            quote_templates: CommandGateway::new(pool.clone(), (), signals.clone()),
            projects: CommandGateway::new(pool.clone(), (), signals.clone()),
            project_numbering: CommandGateway::new(pool.clone(), (), signals.clone()),
            workflows: CommandGateway::new(pool.clone(), (), signals.clone()),
            ovens: CommandGateway::new(pool.clone(), (), signals.clone()),
            batches: CommandGateway::new(pool.clone(), (), signals.clone()),
            counters: CommandGateway::new(pool.clone(), (), signals.clone()),
            billing: CommandGateway::new(pool.clone(), (), signals.clone()),
            payment_policy: CommandGateway::new(pool.clone(), (), signals.clone()),
            invoice_settings: CommandGateway::new(pool.clone(), (), signals.clone()),
            catalogue: CommandGateway::new(pool.clone(), (), signals.clone()),
            pool,
            signals,
        }
    }

    /// Changes after each successful append of this process: the announcer turns it into a
    /// `pg_notify` so subscribers of every process wake up.
    pub fn appends(&self) -> watch::Receiver<u64> {
        self.signals.appends.subscribe()
    }

    /// Appends every decision of `append` in one statement: all or nothing.
    pub async fn commit(
        &self,
        meta: &CommandMeta,
        append: AtomicAppend,
    ) -> Result<AppendReceipt, AppendError> {
        append.commit(&self.pool, &self.signals, meta).await
    }

    /// Decides with `attempt_once` and commits, again from a fresh decision while other
    /// writers win the race on one of its aggregates (a bounded number of times).
    pub async fn commit_retrying<E, F, Fut>(
        &self,
        meta: &CommandMeta,
        mut attempt_once: F,
    ) -> Result<AppendReceipt, E>
    where
        E: From<AppendError>,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<AtomicAppend, E>>,
    {
        let mut attempt = 1;
        loop {
            let append = attempt_once().await?;
            match self.commit(meta, append).await {
                Err(AppendError::Conflict) if attempt < MAX_ATTEMPTS * 2 => attempt += 1,
                result => return Ok(result?),
            }
        }
    }

    /// Events appended by this process since start, for `/metrics`.
    pub fn events_appended(&self) -> Counter {
        self.signals.events_appended.clone()
    }
}
