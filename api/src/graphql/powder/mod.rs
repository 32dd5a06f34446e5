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

use super::time_cursor;

const MAX_PAGE: i64 = 100;
