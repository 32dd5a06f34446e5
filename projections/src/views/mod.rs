//! Views: what one screen reads when it needs several read models, or a domain calculation
//! over them (recommended batches with their stock, a batch's packing, the stock page with
//! its reliability and lots, a scanned part, a project's photos and the photo storage, a
//! quote's billing and the quotes list, a batch's and a project's printed documents, a
//! client export).
//!
//! Each view reads in one tenant transaction (`tenant::begin`: row-level security and the
//! parked-workspace refusal apply) and returns a plain struct; the API only maps it to its
//! GraphQL type. What the screen shows is decided here once, not in each resolver.

pub mod batch_labels;
pub mod batches;
pub mod billing;
pub mod client_file;
pub mod photos;
pub mod project_documents;
pub mod quotes;
pub mod scan;
pub mod stock;

/// A row the projection wrote but that no longer reads back (a corrupt or foreign value):
/// an internal error, reported as a decode failure like any unreadable column.
fn unreadable(what: String) -> sqlx::Error {
    sqlx::Error::Decode(what.into())
}
