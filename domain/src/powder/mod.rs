//! Powders and their stock (spec §5.6, §5.7, §4.3): the pure calculations the catalogue,
//! the weighings and the daily to-weigh list stand on. Quantities are exact decimals.

pub mod alert;
pub mod catalogue;
mod identity;
pub mod inventory;
pub mod movement;
pub mod settings;
mod stock;
#[cfg(test)]
mod tests;

pub use identity::{Finish, PowderIdentity, PowderKind};
pub use stock::{
    consumption_kg_per_m2, draw_first_in_first_out, net_weight, reliability_score, reorder,
    to_weigh_list, Candidate, Reorder, WeighingError, RELIABILITY_TOLERANCE, RELIABILITY_WINDOW,
};
