//! Accounts and sessions: signing up, logging in, refreshing and closing sessions, the
//! second factor, and what arrives by email (verification, password reset, invitations).

mod by_email;
mod mutation;
mod query;
mod types;

pub(super) use by_email::AccountMutation;
pub(super) use mutation::{SessionMutation, TwoFactorMutation};
pub(super) use query::SessionQuery;
