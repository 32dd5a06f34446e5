//! Powders and their stock over GraphQL (spec §5.6, §5.7): the catalogue, stock levels and
//! weighings, reorders, partial inventories and supplier imports, one module each.

mod catalogue;
mod import;
mod inventory;
mod reorder;
mod settings;
mod stock;
mod weighing;

pub use catalogue::*;
pub use import::*;
pub use inventory::*;
pub use reorder::*;
pub use settings::*;
pub use stock::*;
pub use weighing::*;

use chrono::{DateTime, Utc};
use domain::Role;

use crate::ApiError;

const EDITORS: &[Role] = &[Role::Owner, Role::Admin];
const READERS: &[Role] = &[Role::Owner, Role::Admin, Role::Operator, Role::Accounting];
const HANDLERS: &[Role] = &[Role::Owner, Role::Admin, Role::Operator];
const MAX_PAGE: i64 = 100;

/// Reads a `time|uuid` keyset cursor, the shape of the lists ordered newest first.
pub(super) fn time_cursor(cursor: &str) -> Result<(DateTime<Utc>, uuid::Uuid), ApiError> {
    let invalid = || {
        ApiError::new(
            domain::ErrorKind::Validation,
            "CURSOR_INVALID",
            "curseur de pagination invalide",
        )
    };
    let (at, id) = cursor.split_once('|').ok_or_else(invalid)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| invalid())?
        .with_timezone(&Utc);
    Ok((at, uuid::Uuid::parse_str(id).map_err(|_| invalid())?))
}
