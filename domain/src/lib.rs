//! The business of a powder-coating workshop, as pure decisions.
//!
//! Nothing in this crate does I/O: aggregates decide events from their state and a
//! [`Stamped`] command, and `apply` only copies event data into state.

pub mod batch;
pub mod client;
pub mod counter;
pub mod digest;
pub mod email;
pub mod email_template;
pub mod error;
pub mod identity;
pub mod invoice;
pub mod limits;
pub mod meta;
pub mod money;
pub mod platform;
pub mod position;
pub mod powder;
pub mod project;
pub mod quote;
pub mod role;
pub mod stamped;
pub mod workspace;

pub use error::{DomainError, ErrorKind, Never};
pub use position::Position;
pub use role::Role;
pub use stamped::Stamped;

/// JSON Schemas of every event payload, by aggregate type: the contract of the log, checked
/// in under `schemas/events/` (a test fails when they drift).
pub fn event_schemas() -> Vec<(&'static str, schemars::schema::RootSchema)> {
    use cqrs_es::Aggregate;
    vec![
        (
            workspace::Workspace::TYPE,
            schemars::schema_for!(workspace::WorkspaceEvent),
        ),
        (email::Email::TYPE, schemars::schema_for!(email::EmailEvent)),
        (
            platform::catalogue::PlanCatalogue::TYPE,
            schemars::schema_for!(platform::catalogue::CatalogueEvent),
        ),
        (
            powder::inventory::Inventory::TYPE,
            schemars::schema_for!(powder::inventory::InventoryEvent),
        ),
        (
            powder::movement::PowderMovements::TYPE,
            schemars::schema_for!(powder::movement::MovementEvent),
        ),
        (
            powder::catalogue::Powder::TYPE,
            schemars::schema_for!(powder::catalogue::PowderEvent),
        ),
        (
            powder::settings::StockPolicy::TYPE,
            schemars::schema_for!(powder::settings::StockSettingsEvent),
        ),
        (
            powder::alert::StockAlerts::TYPE,
            schemars::schema_for!(powder::alert::AlertEvent),
        ),
        (
            client::Client::TYPE,
            schemars::schema_for!(client::ClientEvent),
        ),
        (
            quote::lifecycle::Quote::TYPE,
            schemars::schema_for!(quote::lifecycle::QuoteEvent),
        ),
        (
            quote::settings::QuotePolicy::TYPE,
            schemars::schema_for!(quote::settings::QuoteSettingsEvent),
        ),
        (
            quote::template::QuoteTemplate::TYPE,
            schemars::schema_for!(quote::template::QuoteTemplateEvent),
        ),
        (
            quote::numbering::QuoteNumbering::TYPE,
            schemars::schema_for!(quote::numbering::NumberingEvent),
        ),
        (
            project::lifecycle::Project::TYPE,
            schemars::schema_for!(project::lifecycle::ProjectEvent),
        ),
        (
            project::numbering::ProjectNumbering::TYPE,
            schemars::schema_for!(project::numbering::ProjectNumberingEvent),
        ),
        (
            project::workflow::Workflow::TYPE,
            schemars::schema_for!(project::workflow::WorkflowEvent),
        ),
        (
            batch::oven::OvenConfiguration::TYPE,
            schemars::schema_for!(batch::oven::OvenEvent),
        ),
        (
            batch::lifecycle::OvenBatch::TYPE,
            schemars::schema_for!(batch::lifecycle::BatchEvent),
        ),
        (
            counter::Counter::TYPE,
            schemars::schema_for!(counter::CounterEvent),
        ),
        (
            invoice::billing::Billing::TYPE,
            schemars::schema_for!(invoice::billing::BillingEvent),
        ),
        (
            invoice::settings::InvoicePolicy::TYPE,
            schemars::schema_for!(invoice::settings::InvoiceSettingsEvent),
        ),
        (
            invoice::payment_policy::PaymentPolicy::TYPE,
            schemars::schema_for!(invoice::payment_policy::PaymentPolicyEvent),
        ),
        (
            client::import::ClientImport::TYPE,
            schemars::schema_for!(client::import::ImportEvent),
        ),
        (
            client::settings::CrmSettings::TYPE,
            schemars::schema_for!(client::settings::CrmSettingsEvent),
        ),
        (
            email_template::EmailTemplates::TYPE,
            schemars::schema_for!(email_template::EmailTemplateEvent),
        ),
    ]
}
