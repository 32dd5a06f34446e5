//! Quotes (spec §4.2, §5.2): priced in front of the customer, signed electronically,
//! converted into projects: the pricing engine, the numbering, the quote's life cycle; the
//! templates, PDF and signature build on them.

pub mod lifecycle;
pub mod numbering;
pub mod pricing;
pub mod settings;
pub mod template;
#[cfg(test)]
mod tests;

pub use pricing::{price, Line, LinePowder, Priced, PricedLine, PricingError, Rates, Surface};
