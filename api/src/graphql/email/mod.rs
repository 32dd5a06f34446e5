//! Email: the workshop's templates (list, save, reset, preview), its delivery log, and its
//! own mail server (SMTP or OAuth2) with the test button.

mod mutation;
mod query;
mod types;

pub(super) use mutation::{EmailMutation, EmailSettingsMutation};
pub(super) use query::{EmailQuery, EmailSettingsQuery};
