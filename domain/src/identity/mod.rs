//! Who people are: email addresses and password rules.
//!
//! Identities and secrets are not event data: they live in the `account` table, which can be
//! erased (ADR 0003). Events refer to people by `account_id` only.

mod email;
mod password;

pub use email::{Email, EmailError};
pub use password::{check_password, PasswordError, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
