//! A quote's billing as its screen shows it: what is due, paid and refunded, the balance,
//! the payments, the invoices and the payment links sent.

use domain::quote::pricing::cents;
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::invoicing::{self, InvoiceRow, PaymentLinkRow, PaymentRow, Period};
use crate::{quote, tenant};

/// The most payments or invoices one quote's billing lists: far beyond a deposit, a
/// balance and a few refunds.
const LISTED: i64 = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct BillingView {
    pub quote_id: Uuid,
    pub quote_number: String,
    /// Amounts in euros, to the cent.
    pub total_ttc: Decimal,
    pub deposit_due: Decimal,
    pub paid: Decimal,
    pub refunded: Decimal,
    /// What remains to pay: the total less what was paid and not refunded.
    pub balance: Decimal,
    /// The stored payment status (`unpaid`, `deposit_paid`…).
    pub status: String,
    pub payments: Vec<PaymentRow>,
    pub invoices: Vec<InvoiceRow>,
    /// Newest first.
    pub payment_links: Vec<PaymentLinkRow>,
}

/// The billing of `quote_id`, if the workshop has the quote. Before any payment the quote's
/// own totals stand, unpaid.
pub async fn billing(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<Option<BillingView>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let Some(quote) = quote::find(&mut *tx, workspace_id, quote_id).await? else {
        tx.commit().await?;
        return Ok(None);
    };
    let summary = invoicing::summary(&mut *tx, workspace_id, quote_id).await?;
    let period = Period {
        quote_id: Some(quote_id),
        ..Period::default()
    };
    let payments = invoicing::payments(&mut *tx, workspace_id, &period, None, LISTED, 0).await?;
    let invoices = invoicing::invoices(&mut *tx, workspace_id, &period, LISTED, 0).await?;
    let payment_links = invoicing::payment_links(&mut *tx, workspace_id, quote_id).await?;
    tx.commit().await?;
    let (total_ttc, deposit_due, paid, refunded, status) = match summary {
        Some(summary) => (
            summary.total_ttc,
            summary.deposit_due,
            summary.paid,
            summary.refunded,
            summary.status,
        ),
        None => (
            quote.total_ttc,
            quote.deposit_due,
            Decimal::ZERO,
            Decimal::ZERO,
            invoicing::unpaid(),
        ),
    };
    Ok(Some(BillingView {
        quote_id,
        quote_number: quote.number,
        balance: cents(total_ttc - (paid - refunded)),
        total_ttc: cents(total_ttc),
        deposit_due: cents(deposit_due),
        paid: cents(paid),
        refunded: cents(refunded),
        status,
        payments,
        invoices,
        payment_links,
    }))
}
