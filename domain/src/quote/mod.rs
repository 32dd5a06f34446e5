//! Quotes (spec §4.2, §5.2): priced in front of the customer, signed electronically,
//! converted into projects. This module starts with the pricing engine; the quote aggregate,
//! templates, PDF and signature build on it.

pub mod pricing;
#[cfg(test)]
mod tests;

pub use pricing::{price, Line, LinePowder, Priced, PricedLine, PricingError, Rates, Surface};
