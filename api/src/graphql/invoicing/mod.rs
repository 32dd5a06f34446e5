//! Payments and invoices over GraphQL (spec §7.2): the invoicing settings (seller identity,
//! numbering, terms, chart of accounts), what a signed quote owes and has received, manual
//! payments and refunds, final invoices and credit notes, and the lists the accountant
//! works from. Downloads (PDF, FEC, CSV) are REST: see `http::exports`.

mod mutation;
mod query;
mod settings;
mod types;

pub(super) use mutation::InvoicingMutation;
pub(super) use query::InvoicingQuery;

use async_graphql::ID;
use domain::ErrorKind;
use uuid::Uuid;

use crate::ApiError;

/// The longest page of the accountant's lists.
const MAX_PAGE: i32 = 500;

fn not_found(what: &'static str, message: &'static str) -> ApiError {
    ApiError::new(ErrorKind::NotFound, what, message)
}

/// An id that is no UUID names nothing: not found, like an unknown one.
fn uuid(id: &ID, what: &'static str, message: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found(what, message))
}

fn quote_uuid(id: &ID) -> Result<Uuid, ApiError> {
    uuid(id, "QUOTE_NOT_FOUND", "ce devis n'existe pas")
}

fn invoice_uuid(id: &ID) -> Result<Uuid, ApiError> {
    uuid(id, "INVOICE_NOT_FOUND", "cette facture n'existe pas")
}

fn payment_not_found() -> ApiError {
    not_found("PAYMENT_NOT_FOUND", "ce paiement n'existe pas")
}
