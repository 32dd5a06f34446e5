//! The invoice as issued: pure figures and mentions, built from a signed quote. A deposit
//! invoice splits the amount received over the quote's VAT rates in the quote's proportions;
//! the final invoice bills every line and deducts each deposit with its VAT split, so the
//! client is never billed more than the quote; a credit note reverses an invoice whole.
//! Every amount is in cents, VAT computed per rate on the rate's base, as on the quote.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::settings::Seller;
use super::vat::VatTreatment;
use crate::client::Address;
use crate::quote::pricing::{cents, VatTotal};
use crate::{DomainError, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum InvoiceKind {
    /// Facture d'acompte: a deposit received before the work is done (CGI art. 289).
    Deposit,
    Final,
    /// Avoir: reverses the invoice it names.
    CreditNote {
        of_invoice: Uuid,
        of_number: String,
        /// It reverses a deposit invoice (the accounts differ).
        of_deposit: bool,
    },
}

/// The client as the invoice names it, copied at issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Buyer {
    pub client_id: Uuid,
    pub name: String,
    pub professional: bool,
    pub siret: Option<String>,
    pub vat_number: Option<String>,
    pub address: Option<Address>,
    pub email: Option<String>,
}

impl Buyer {
    pub fn country(&self) -> &str {
        self.address
            .as_ref()
            .map_or("FR", |address| address.country.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: Decimal,
    pub unit_price_ht: Decimal,
    pub total_ht: Decimal,
    pub vat_rate: Decimal,
}

/// A deposit invoice deducted by the final invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deduction {
    pub invoice_id: Uuid,
    pub number: String,
    pub issued_on: NaiveDate,
    pub vat: Vec<VatTotal>,
    pub total_ttc: Decimal,
}

/// The quote being invoiced, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QuoteFigures {
    pub quote_id: Uuid,
    pub number: String,
    pub lines: Vec<InvoiceLine>,
    pub vat: Vec<VatTotal>,
    pub total_ht: Decimal,
    pub total_ttc: Decimal,
    pub deposit_due: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Invoice {
    pub invoice_id: Uuid,
    pub number: String,
    pub kind: InvoiceKind,
    pub quote_id: Uuid,
    pub quote_number: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub seller: Seller,
    pub buyer: Buyer,
    pub treatment: VatTreatment,
    pub lines: Vec<InvoiceLine>,
    /// One entry per rate, highest first.
    pub vat: Vec<VatTotal>,
    pub total_ht: Decimal,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    pub deductions: Vec<Deduction>,
    /// What remains to pay: the total less the deposits deducted.
    pub due_ttc: Decimal,
    /// Legal mentions printed at the foot, in order.
    pub mentions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("l'acompte doit être positif et ne pas dépasser le total du devis ({total} €)")]
    DepositAmount { total: Decimal },
}

impl DomainError for DocumentError {
    fn code(&self) -> &'static str {
        "DEPOSIT_AMOUNT_INVALID"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// What an invoice is issued with, besides its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub invoice_id: Uuid,
    pub number: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub seller: Seller,
    pub buyer: Buyer,
    pub treatment: VatTreatment,
    pub late_penalty: String,
}

/// VAT per rate on each rate's base, highest rate first; all at 0 when no VAT is charged.
pub fn vat_totals(lines: &[InvoiceLine], charges_vat: bool) -> Vec<VatTotal> {
    let mut totals: Vec<VatTotal> = Vec::new();
    for line in lines {
        let rate = if charges_vat {
            line.vat_rate
        } else {
            Decimal::ZERO
        };
        match totals.iter_mut().find(|total| total.rate == rate) {
            Some(total) => total.base_ht += line.total_ht,
            None => totals.push(VatTotal {
                rate,
                base_ht: line.total_ht,
                vat: Decimal::ZERO,
            }),
        }
    }
    totals.sort_by_key(|total| std::cmp::Reverse(total.rate));
    for total in &mut totals {
        total.vat = cents(total.base_ht * total.rate / Decimal::ONE_HUNDRED);
    }
    totals
}

/// `amount_ttc` split over the quote's rates in the proportions of their TTC, each part to
/// the cent and the last taking the rounding, so the parts add up to the amount exactly.
pub fn deposit_split(
    quote_vat: &[VatTotal],
    amount_ttc: Decimal,
    charges_vat: bool,
) -> Vec<VatTotal> {
    let ttc = |total: &VatTotal| total.base_ht + total.vat;
    let quote_ttc: Decimal = quote_vat.iter().map(ttc).sum();
    if !charges_vat || quote_ttc <= Decimal::ZERO {
        return vec![VatTotal {
            rate: Decimal::ZERO,
            base_ht: amount_ttc,
            vat: Decimal::ZERO,
        }];
    }
    let mut split = Vec::new();
    let mut left = amount_ttc;
    for (index, total) in quote_vat.iter().enumerate() {
        let part = if index + 1 == quote_vat.len() {
            left
        } else {
            cents(amount_ttc * ttc(total) / quote_ttc)
        };
        left -= part;
        let base = cents(part * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED + total.rate));
        split.push(VatTotal {
            rate: total.rate,
            base_ht: base,
            vat: part - base,
        });
    }
    split
}

fn mentions(issue: &Issue, kind: &InvoiceKind) -> Vec<String> {
    let mut mentions = Vec::new();
    if let InvoiceKind::Deposit = kind {
        mentions.push("Facture d'acompte (article 289 du CGI)".to_owned());
    }
    if let InvoiceKind::CreditNote { of_number, .. } = kind {
        mentions.push(format!("Avoir sur la facture {of_number}"));
    }
    if let Some(mention) = issue.treatment.mention() {
        mentions.push(mention.to_owned());
    }
    mentions.push(format!(
        "Échéance le {} ; pas d'escompte pour paiement anticipé",
        issue.due_on.format("%d/%m/%Y")
    ));
    mentions.push(format!(
        "Pénalités de retard : {}",
        issue.late_penalty.trim()
    ));
    if issue.buyer.professional {
        mentions.push(
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (article L441-10 du code de commerce)"
                .to_owned(),
        );
    }
    mentions
}

fn invoice(
    issue: Issue,
    kind: InvoiceKind,
    quote: &QuoteFigures,
    lines: Vec<InvoiceLine>,
    vat: Vec<VatTotal>,
    deductions: Vec<Deduction>,
) -> Invoice {
    // Written with two decimals, zero included: what the PDF and the exports show.
    let total_ht = cents(vat.iter().map(|total| total.base_ht).sum());
    let total_vat = cents(vat.iter().map(|total| total.vat).sum());
    let total_ttc = cents(total_ht + total_vat);
    let deducted: Decimal = deductions.iter().map(|deduction| deduction.total_ttc).sum();
    Invoice {
        mentions: mentions(&issue, &kind),
        invoice_id: issue.invoice_id,
        number: issue.number,
        kind,
        quote_id: quote.quote_id,
        quote_number: quote.number.clone(),
        issued_on: issue.issued_on,
        due_on: issue.due_on,
        seller: issue.seller,
        buyer: issue.buyer,
        treatment: issue.treatment,
        lines,
        vat,
        total_ht,
        total_vat,
        total_ttc,
        deductions,
        due_ttc: cents(total_ttc - deducted),
    }
}

/// The deposit invoice of `amount_ttc` received on `quote`.
pub fn deposit_invoice(
    issue: Issue,
    quote: &QuoteFigures,
    amount_ttc: Decimal,
) -> Result<Invoice, DocumentError> {
    if amount_ttc <= Decimal::ZERO || amount_ttc > quote.total_ttc {
        return Err(DocumentError::DepositAmount {
            total: quote.total_ttc,
        });
    }
    let vat = deposit_split(&quote.vat, cents(amount_ttc), issue.treatment.charges_vat());
    let lines = vat
        .iter()
        .map(|total| InvoiceLine {
            description: format!(
                "Acompte sur le devis {} (TVA {} %)",
                quote.number,
                total.rate.normalize()
            ),
            quantity: Decimal::ONE,
            unit_price_ht: total.base_ht,
            total_ht: total.base_ht,
            vat_rate: total.rate,
        })
        .collect();
    Ok(invoice(
        issue,
        InvoiceKind::Deposit,
        quote,
        lines,
        vat,
        vec![],
    ))
}

/// The final invoice of `quote`: every line, each deposit deducted with its VAT split.
pub fn final_invoice(issue: Issue, quote: &QuoteFigures, deposits: Vec<Deduction>) -> Invoice {
    let charges_vat = issue.treatment.charges_vat();
    let lines: Vec<InvoiceLine> = quote
        .lines
        .iter()
        .cloned()
        .map(|mut line| {
            if !charges_vat {
                line.vat_rate = Decimal::ZERO;
            }
            line
        })
        .collect();
    // The quote's own VAT figures when French VAT applies: the client pays what it signed.
    let vat = if charges_vat {
        quote.vat.clone()
    } else {
        vat_totals(&lines, false)
    };
    invoice(issue, InvoiceKind::Final, quote, lines, vat, deposits)
}

/// The credit note reversing `of` whole: every amount negated, same treatment.
pub fn credit_note(mut issue: Issue, of: &Invoice) -> Invoice {
    issue.treatment = of.treatment.clone();
    let negate_vat = |total: &VatTotal| VatTotal {
        rate: total.rate,
        base_ht: -total.base_ht,
        vat: -total.vat,
    };
    let lines = of
        .lines
        .iter()
        .map(|line| InvoiceLine {
            quantity: -line.quantity,
            total_ht: -line.total_ht,
            ..line.clone()
        })
        .collect();
    let deductions = of
        .deductions
        .iter()
        .map(|deduction| Deduction {
            vat: deduction.vat.iter().map(negate_vat).collect(),
            total_ttc: -deduction.total_ttc,
            ..deduction.clone()
        })
        .collect();
    let quote = QuoteFigures {
        quote_id: of.quote_id,
        number: of.quote_number.clone(),
        lines: vec![],
        vat: vec![],
        total_ht: Decimal::ZERO,
        total_ttc: Decimal::ZERO,
        deposit_due: Decimal::ZERO,
    };
    let kind = InvoiceKind::CreditNote {
        of_invoice: of.invoice_id,
        of_number: of.number.clone(),
        of_deposit: of.kind == InvoiceKind::Deposit,
    };
    invoice(
        issue,
        kind,
        &quote,
        lines,
        of.vat.iter().map(negate_vat).collect(),
        deductions,
    )
}
