//! Getting paid and invoicing (spec §7.2): what a client owes on a signed quote, the
//! payments that settle it, the invoices that record it — deposit invoices as deposits come
//! in (CGI art. 289), one final invoice deducting them, credit notes to correct — and the
//! accounting entries (FEC) an accountant imports.

pub mod billing;
pub mod document;
pub mod einvoice;
pub mod fec;
pub mod payment_policy;
pub mod settings;
pub mod vat;

#[cfg(test)]
mod tests;
