//! Oven batches (spec §2.3, §5.5): parts go into one load only when everything that shows on
//! the finished surface is identical. The strict key is here; the batch aggregate, oven
//! packing and cure ordering build on it.

pub mod cure_order;
pub mod key;
pub mod lifecycle;
pub mod oven;
pub mod packing;
pub mod recommend;
