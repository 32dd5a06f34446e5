//! Invoices, payments and a quote's billing as GraphQL shows them, and the payment input as
//! the write side takes it.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::NaiveDate;
use commands::invoicing::PaymentDraft;
use domain::invoice::billing::PaymentMethod;
use domain::invoice::document::InvoiceKind;
use domain::quote::pricing::VatTotal;
use domain::ErrorKind;
use projections::invoicing::{InvoiceRow, PaymentLinkRow, PaymentRow};
use projections::views::billing::BillingView;
use rust_decimal::Decimal;

use crate::graphql::types::RoleValue;
use crate::ApiError;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::invoice::billing::PaymentMethod")]
pub enum PaymentMethodValue {
    Card,
    Cash,
    Transfer,
    Cheque,
    Stripe,
}

impl PaymentMethodValue {
    /// The method as the read model stores it (its serde name).
    pub fn stored(self) -> String {
        serde_json::to_value(PaymentMethod::from(self))
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

#[derive(SimpleObject)]
pub struct VatLineNode {
    pub rate: Decimal,
    pub base_ht: Decimal,
    pub vat: Decimal,
}

impl From<&VatTotal> for VatLineNode {
    fn from(total: &VatTotal) -> Self {
        Self {
            rate: total.rate,
            base_ht: total.base_ht,
            vat: total.vat,
        }
    }
}

#[derive(SimpleObject)]
pub struct InvoiceLineNode {
    pub description: String,
    pub quantity: Decimal,
    pub unit_price_ht: Decimal,
    pub total_ht: Decimal,
    pub vat_rate: Decimal,
}

#[derive(SimpleObject)]
pub struct DeductionNode {
    pub number: String,
    pub issued_on: NaiveDate,
    pub total_ttc: Decimal,
    pub vat: Vec<VatLineNode>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKindValue {
    /// Facture d'acompte.
    Deposit,
    /// Facture finale (solde).
    Final,
    /// Avoir.
    CreditNote,
}

/// Une facture émise : immuable, corrigée seulement par un avoir.
#[derive(SimpleObject)]
pub struct InvoiceNode {
    pub id: ID,
    pub number: String,
    pub kind: InvoiceKindValue,
    pub quote_id: ID,
    pub quote_number: String,
    pub client_id: ID,
    pub client_name: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub lines: Vec<InvoiceLineNode>,
    pub vat: Vec<VatLineNode>,
    pub total_ht: Decimal,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    pub deductions: Vec<DeductionNode>,
    /// Reste à payer : total moins les acomptes déduits.
    pub due_ttc: Decimal,
    pub mentions: Vec<String>,
    /// L'avoir qui l'annule, le cas échéant.
    pub credited_by: Option<String>,
    /// L'avoir annule cette facture.
    pub credit_note_of: Option<String>,
    pub pdf_url: String,
}

/// A row whose document no longer reads back is an internal error, not an empty invoice.
impl TryFrom<InvoiceRow> for InvoiceNode {
    type Error = ApiError;

    fn try_from(row: InvoiceRow) -> Result<Self, ApiError> {
        let document = row
            .document()
            .ok_or_else(|| ApiError::internal(format!("invoice {} unreadable", row.invoice_id)))?;
        let vat = |totals: &[VatTotal]| totals.iter().map(VatLineNode::from).collect::<Vec<_>>();
        let (kind, credit_note_of) = match &document.kind {
            InvoiceKind::Deposit => (InvoiceKindValue::Deposit, None),
            InvoiceKind::Final => (InvoiceKindValue::Final, None),
            InvoiceKind::CreditNote { of_number, .. } => {
                (InvoiceKindValue::CreditNote, Some(of_number.clone()))
            }
        };
        Ok(Self {
            pdf_url: format!("/api/v1/invoices/{}/invoice.pdf", row.invoice_id),
            id: ID(row.invoice_id.to_string()),
            number: row.number,
            kind,
            quote_id: ID(row.quote_id.to_string()),
            quote_number: document.quote_number.clone(),
            client_id: ID(row.client_id.to_string()),
            client_name: row.client_name,
            issued_on: row.issued_on,
            due_on: row.due_on,
            lines: document
                .lines
                .iter()
                .map(|line| InvoiceLineNode {
                    description: line.description.clone(),
                    quantity: line.quantity,
                    unit_price_ht: line.unit_price_ht,
                    total_ht: line.total_ht,
                    vat_rate: line.vat_rate,
                })
                .collect(),
            vat: vat(&document.vat),
            total_ht: document.total_ht,
            total_vat: document.total_vat,
            total_ttc: document.total_ttc,
            deductions: document
                .deductions
                .iter()
                .map(|deduction| DeductionNode {
                    number: deduction.number.clone(),
                    issued_on: deduction.issued_on,
                    total_ttc: deduction.total_ttc,
                    vat: vat(&deduction.vat),
                })
                .collect(),
            due_ttc: document.due_ttc,
            mentions: document.mentions.clone(),
            credited_by: row.credited_by,
            credit_note_of,
        })
    }
}

/// Invoice rows as nodes; one unreadable row fails the list.
pub fn invoice_nodes(rows: Vec<InvoiceRow>) -> Result<Vec<InvoiceNode>, ApiError> {
    rows.into_iter().map(InvoiceNode::try_from).collect()
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKindValue {
    Payment,
    Refund,
}

#[derive(SimpleObject)]
pub struct PaymentNode {
    pub id: ID,
    pub kind: PaymentKindValue,
    pub quote_id: ID,
    pub client_id: ID,
    pub client_name: String,
    pub method: String,
    pub amount: Decimal,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    /// Le justificatif scanné, s'il y en a un.
    pub receipt_url: Option<String>,
    /// Qui l'a saisi (absent pour les paiements d'avant la vérification).
    pub recorded_by: Option<ID>,
    pub recorded_by_role: Option<RoleValue>,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Saisi par un opérateur : la compta le vérifie.
    pub review_due: bool,
    pub reviewed_by: Option<ID>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<PaymentRow> for PaymentNode {
    fn from(row: PaymentRow) -> Self {
        Self {
            id: ID(row.payment_id.to_string()),
            kind: if row.kind == "refund" {
                PaymentKindValue::Refund
            } else {
                PaymentKindValue::Payment
            },
            quote_id: ID(row.quote_id.to_string()),
            client_id: ID(row.client_id.to_string()),
            client_name: row.client_name,
            method: row.method,
            amount: row.amount,
            reference: row.reference,
            received_on: row.received_on,
            receipt_url: row
                .receipt_sha256
                .map(|sha256| format!("/api/v1/receipts/{sha256}")),
            recorded_by: row.recorded_by.map(|id| ID(id.to_string())),
            recorded_by_role: row
                .recorded_by_role
                .as_deref()
                .and_then(RoleValue::from_stored),
            recorded_at: row.recorded_at,
            review_due: row.review_due,
            reviewed_by: row.reviewed_by.map(|id| ID(id.to_string())),
            reviewed_at: row.reviewed_at,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatusValue {
    Unpaid,
    DepositPaid,
    Paid,
    Refunded,
}

impl PaymentStatusValue {
    fn of(stored: &str) -> Self {
        match stored {
            "deposit_paid" => Self::DepositPaid,
            "paid" => Self::Paid,
            "refunded" => Self::Refunded,
            _ => Self::Unpaid,
        }
    }
}

/// Ce que doit un devis signé et ce qu'il a reçu.
#[derive(SimpleObject)]
pub struct BillingNode {
    pub quote_id: ID,
    pub quote_number: String,
    pub total_ttc: Decimal,
    pub deposit_due: Decimal,
    pub paid: Decimal,
    pub refunded: Decimal,
    /// Reste à payer.
    pub balance: Decimal,
    pub status: PaymentStatusValue,
    pub payments: Vec<PaymentNode>,
    pub invoices: Vec<InvoiceNode>,
    /// Liens de paiement en ligne envoyés, du plus récent au plus ancien.
    pub payment_links: Vec<PaymentLinkNode>,
}

impl TryFrom<BillingView> for BillingNode {
    type Error = ApiError;

    fn try_from(billing: BillingView) -> Result<Self, ApiError> {
        Ok(Self {
            quote_id: ID(billing.quote_id.to_string()),
            quote_number: billing.quote_number,
            balance: billing.balance,
            total_ttc: billing.total_ttc,
            deposit_due: billing.deposit_due,
            paid: billing.paid,
            refunded: billing.refunded,
            status: PaymentStatusValue::of(&billing.status),
            payments: billing
                .payments
                .into_iter()
                .map(PaymentNode::from)
                .collect(),
            invoices: invoice_nodes(billing.invoices)?,
            payment_links: billing
                .payment_links
                .into_iter()
                .map(PaymentLinkNode::from)
                .collect(),
        })
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::invoice::billing::LinkPurpose")]
pub enum LinkPurposeValue {
    /// L'acompte restant.
    Deposit,
    /// Le solde.
    Balance,
}

#[derive(SimpleObject)]
pub struct PaymentLinkNode {
    pub url: String,
    pub amount: Decimal,
    /// `deposit` ou `balance`.
    pub purpose: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl From<PaymentLinkRow> for PaymentLinkNode {
    fn from(link: PaymentLinkRow) -> Self {
        Self {
            url: link.url,
            amount: link.amount,
            purpose: link.purpose,
            expires_at: link.expires_at,
        }
    }
}

#[derive(InputObject)]
pub struct PaymentInput {
    /// € TTC, au centime.
    pub amount: Decimal,
    pub method: PaymentMethodValue,
    /// N° de chèque, référence de virement…
    pub reference: Option<String>,
    /// Aujourd'hui si absent.
    pub received_on: Option<NaiveDate>,
    /// Le justificatif scanné (chèque, ticket CB) : PNG ou JPEG en base64 (URL `data:`),
    /// 1 Mo au plus.
    pub receipt: Option<String>,
}

impl PaymentInput {
    /// The payment as the write side records it, and the scan to store before it (its
    /// SHA-256 goes into the draft once stored).
    pub fn draft(self) -> Result<(PaymentDraft, Option<String>), ApiError> {
        if self.method == PaymentMethodValue::Stripe {
            return Err(ApiError::new(
                ErrorKind::Validation,
                "PAYMENT_METHOD_INVALID",
                "les paiements Stripe arrivent par le webhook, pas par une saisie",
            ));
        }
        let draft = PaymentDraft {
            amount: self.amount,
            method: self.method.into(),
            reference: self.reference,
            received_on: self.received_on.unwrap_or_else(today),
            stripe_event_id: None,
            receipt_sha256: None,
        };
        Ok((draft, self.receipt))
    }
}

/// Today in Paris, the day a payment is received when none is given.
fn today() -> NaiveDate {
    commands::invoicing::paris_day(chrono::Utc::now())
}

#[derive(InputObject)]
pub struct RefundInput {
    pub amount: Decimal,
    pub method: PaymentMethodValue,
    pub reason: String,
}

/// Une archive mensuelle du FEC, conservée au moins jusqu'à `keepUntil`.
#[derive(SimpleObject)]
pub struct FecArchiveNode {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub bytes: i64,
    pub lines: i64,
    pub archived_at: chrono::DateTime<chrono::Utc>,
    pub keep_until: NaiveDate,
}

impl From<projections::fec_archive::Archive> for FecArchiveNode {
    fn from(archive: projections::fec_archive::Archive) -> Self {
        Self {
            period_start: archive.period_start,
            period_end: archive.period_end,
            file_name: archive.file_name,
            sha256: archive.sha256,
            bytes: archive.bytes,
            lines: archive.lines,
            archived_at: archive.archived_at,
            keep_until: archive.keep_until,
        }
    }
}
