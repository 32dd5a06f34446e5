//! Read models: plain PostgreSQL tables fed by catch-up subscribers of the event log.
//!
//! [`feed`] reads the log in a safe global order, [`engine`] applies it to a [`Projection`]
//! with its checkpoint in the same transaction, [`read_your_writes`] lets a mutation wait for
//! its own events, and each read model lives in a module named after it.

pub mod audit;
pub mod bench;
pub mod client;
pub mod client_key;
pub mod database;
pub mod email_delivery;
pub mod email_template;
pub mod engine;
pub mod fec_archive;
pub mod feed;
pub mod inventory;
pub mod invitation;
pub mod invoicing;
pub mod lease;
pub mod member;
pub mod oven_batch;
pub mod parking;
pub mod pennylane;
pub mod plan_catalogue;
pub mod platform_workspace;
pub mod powder;
pub mod powder_lot;
pub mod powder_stock;
pub mod project;
pub mod quote;
pub mod read_your_writes;
pub mod reorder;
pub mod shared_feed;
pub mod tenant;
pub mod views;
mod workshop_settings;
pub mod workspace;

pub use engine::{Projection, ProjectionError, Subscriptions};
pub use feed::{Position, RecordedEvent};

use std::sync::Arc;

/// Every projection of the application, in the order they are started.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(workspace::WorkspaceProjection),
        Arc::new(member::MemberProjection),
        Arc::new(email_template::EmailTemplateProjection),
        Arc::new(powder::PowderProjection),
        Arc::new(powder_stock::PowderStockProjection),
        Arc::new(inventory::InventoryProjection),
        Arc::new(client::ClientProjection),
        Arc::new(quote::QuoteProjection),
        Arc::new(project::ProjectProjection),
        Arc::new(oven_batch::OvenBatchProjection),
        Arc::new(invoicing::InvoicingProjection),
        Arc::new(invitation::InvitationProjection),
        Arc::new(plan_catalogue::PlanCatalogueProjection),
        Arc::new(platform_workspace::PlatformWorkspaceProjection),
    ]
}

/// The projection called `name`, for `thermogestion replay NAME`.
pub fn by_name(name: &str) -> Option<Arc<dyn Projection>> {
    all()
        .into_iter()
        .find(|projection| projection.name() == name)
}
