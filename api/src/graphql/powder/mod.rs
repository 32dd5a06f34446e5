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

use domain::Role;

use super::time_cursor;

const EDITORS: &[Role] = &[Role::Owner, Role::Admin];
const READERS: &[Role] = &[Role::Owner, Role::Admin, Role::Operator, Role::Accounting];
const HANDLERS: &[Role] = &[Role::Owner, Role::Admin, Role::Operator];
const MAX_PAGE: i64 = 100;
