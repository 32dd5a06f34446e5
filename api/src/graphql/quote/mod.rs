//! Quotes over GraphQL: priced drafts with their explained figures, numbers, versions and
//! statuses, the workshop's quote settings, signing and the signature journal
//! (`signature`), and the look of the PDFs (`template`).

mod mutation;
mod query;
mod signature;
mod template;
mod types;

pub(super) use mutation::{QuoteMutation, QuoteSettingsMutation};
pub(super) use query::{QuoteQuery, QuoteSettingsQuery};
pub(super) use signature::{QuoteSignatureMutation, QuoteSignatureQuery};
pub(super) use template::{QuoteTemplateMutation, QuoteTemplateQuery};
// A project's lines are typed like a quote's.
pub(super) use types::{line_drafts, QuoteLineInput};

use async_graphql::ID;
use uuid::Uuid;

use crate::{quote_access, ApiError};

/// The longest page of the quotes list and of the signature journal.
const MAX_PAGE: i64 = 100;

/// An id that is no UUID names no quote: not found, like an unknown one.
fn quote_uuid(id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| quote_access::not_found())
}
