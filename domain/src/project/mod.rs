//! Projects in the shop (spec §5.3, §5.4): from an accepted quote or the counter, through
//! the workshop's steps, quality control and non-conformities, to pickup.

pub mod lifecycle;
pub mod numbering;
pub mod photo;
#[cfg(test)]
mod tests;
pub mod workflow;
