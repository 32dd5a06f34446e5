//! The powder catalogue: register, update, archive, search.

mod mutation;
mod query;
mod types;

pub use mutation::PowderMutation;
pub use query::PowderQuery;
pub use types::*;
