//! The billing of one signed quote (`billing/{quote id}`): the payments received and
//! refunded, and the invoices issued — a deposit invoice for each payment received before
//! the final invoice, one final invoice (again only after a credit note cancels it), credit
//! notes. Payments never exceed what is due, a Stripe event counts once, a Stripe payment
//! is one of our payment links (its session, the workshop's account, in euros, for the link's
//! amount, once), an issued invoice never changes: corrections go through a credit note.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::document::{Deduction, Invoice, InvoiceKind, QuoteFigures};
use crate::limits::{self, OutOfBounds};
use crate::{DomainError, ErrorKind, Role, Stamped};

pub fn aggregate_local_id(quote_id: Uuid) -> String {
    format!("billing/{quote_id}")
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    Cash,
    Transfer,
    Cheque,
    /// Through a Stripe payment link (the webhook records it).
    Stripe,
}

impl PaymentMethod {
    pub fn label(self) -> &'static str {
        match self {
            Self::Card => "carte bancaire",
            Self::Cash => "espèces",
            Self::Transfer => "virement",
            Self::Cheque => "chèque",
            Self::Stripe => "paiement en ligne (Stripe)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Payment {
    pub payment_id: Uuid,
    /// € TTC.
    pub amount: Decimal,
    pub method: PaymentMethod,
    /// Cheque number, transfer reference, Stripe payment intent…
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    /// The Stripe event that reported it: a replayed webhook finds it here.
    pub stripe_event_id: Option<String>,
    /// A scanned receipt, stored by its digest.
    pub receipt_sha256: Option<String>,
    /// The Checkout session it paid, one of this billing's payment links (set by the
    /// billing from the matched session). Absent from payments recorded before it was kept.
    #[serde(default)]
    pub stripe_session_id: Option<String>,
}

/// Who records a payment, from the command's metadata (never from the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorder {
    pub account_id: Option<Uuid>,
    pub role: Role,
}

/// A payment recorded by a shop-floor role, which accounting reviews (segregation of
/// duties): its deposit invoice is issued at once, as the law wants, and the review list
/// shows it until an accountant, the owner or an admin marks it reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReviewDue {
    /// The member who recorded it: they may not review it themselves.
    pub recorded_by: Option<Uuid>,
    pub role: Role,
}

/// What a signed Stripe event says was paid, and the account the platform registry gives
/// the workshop: the facts a Stripe payment is matched against the payment links with
/// ([`Billing::match_checkout`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutPaid {
    /// The Checkout session (`cs_…`).
    pub session_id: String,
    /// The event's `account`: the connected account the session lives on; `None` for the
    /// platform's own account.
    pub account: Option<String>,
    /// As Stripe writes it (`eur`).
    pub currency: String,
    /// € TTC: the session's `amount_total` in cents, over 100.
    pub amount: Decimal,
    /// The workshop's connected account in the platform registry (ADR 0012), `None` when it
    /// has none: the event must come from it.
    pub workshop_account: Option<String>,
}

/// What an online payment link asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    Deposit,
    Balance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Unpaid,
    DepositPaid,
    Paid,
    Refunded,
}

/// The status the recorded amounts give: never stored apart from them.
pub fn status(
    total_ttc: Decimal,
    deposit_due: Decimal,
    paid: Decimal,
    refunded: Decimal,
) -> PaymentStatus {
    let net = paid - refunded;
    if refunded > Decimal::ZERO && net <= Decimal::ZERO {
        PaymentStatus::Refunded
    } else if total_ttc > Decimal::ZERO && net >= total_ttc {
        PaymentStatus::Paid
    } else if net > Decimal::ZERO && net >= deposit_due {
        PaymentStatus::DepositPaid
    } else {
        PaymentStatus::Unpaid
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    #[error("le montant doit être positif, au centime")]
    Amount,
    #[error("le paiement ({amount} €) dépasse le reste dû ({remaining} €)")]
    ExceedsDue { amount: Decimal, remaining: Decimal },
    #[error("le remboursement ({amount} €) dépasse ce qui a été payé ({paid} €)")]
    ExceedsPaid { amount: Decimal, paid: Decimal },
    #[error("la facture finale {number} est déjà émise : annulez-la par un avoir pour en émettre une autre")]
    FinalAlreadyIssued { number: String },
    #[error("cette facture n'existe pas")]
    InvoiceNotFound,
    #[error("la facture {number} a déjà un avoir")]
    AlreadyCredited { number: String },
    #[error("la facture ne correspond pas à l'opération (montant ou nature)")]
    InvoiceMismatch,
    #[error("{what} : rien à payer")]
    NothingDue { what: &'static str },
    #[error("ce paiement Stripe ne vient d'aucun lien de paiement créé pour ce devis")]
    StripeSessionUnknown,
    #[error("ce paiement Stripe vient d'un autre compte Stripe que celui de l'atelier")]
    StripeAccountMismatch,
    #[error("ce paiement Stripe n'est pas en euros")]
    StripeCurrencyMismatch,
    #[error("ce paiement Stripe ({paid} €) n'est pas le montant du lien de paiement ({asked} €)")]
    StripeAmountMismatch { paid: Decimal, asked: Decimal },
    #[error("ce lien de paiement Stripe est déjà encaissé")]
    StripeSessionAlreadyPaid,
    #[error("ce paiement n'existe pas")]
    PaymentNotFound,
    #[error("ce paiement n'attend pas de vérification : seuls ceux saisis par un opérateur en attendent une")]
    NotUnderReview,
    #[error("un paiement est vérifié par quelqu'un d'autre que la personne qui l'a saisi")]
    ReviewByRecorder,
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for BillingError {
    fn code(&self) -> &'static str {
        match self {
            Self::Amount => "PAYMENT_AMOUNT_INVALID",
            Self::ExceedsDue { .. } => "PAYMENT_EXCEEDS_DUE",
            Self::ExceedsPaid { .. } => "REFUND_EXCEEDS_PAID",
            Self::FinalAlreadyIssued { .. } => "INVOICE_ALREADY_ISSUED",
            Self::InvoiceNotFound => "INVOICE_NOT_FOUND",
            Self::AlreadyCredited { .. } => "INVOICE_ALREADY_CREDITED",
            Self::InvoiceMismatch => "INVOICE_MISMATCH",
            Self::NothingDue { .. } => "NOTHING_DUE",
            Self::StripeSessionUnknown => "STRIPE_SESSION_UNKNOWN",
            Self::StripeAccountMismatch => "STRIPE_ACCOUNT_MISMATCH",
            Self::StripeCurrencyMismatch => "STRIPE_CURRENCY_MISMATCH",
            Self::StripeAmountMismatch { .. } => "STRIPE_AMOUNT_MISMATCH",
            Self::StripeSessionAlreadyPaid => "STRIPE_SESSION_ALREADY_PAID",
            Self::PaymentNotFound => "PAYMENT_NOT_FOUND",
            Self::NotUnderReview => "PAYMENT_NOT_UNDER_REVIEW",
            Self::ReviewByRecorder => "PAYMENT_REVIEW_BY_RECORDER",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Amount
            | Self::ExceedsDue { .. }
            | Self::ExceedsPaid { .. }
            | Self::Bound(_)
            | Self::StripeAccountMismatch
            | Self::StripeCurrencyMismatch
            | Self::StripeAmountMismatch { .. } => ErrorKind::Validation,
            Self::InvoiceNotFound | Self::StripeSessionUnknown | Self::PaymentNotFound => {
                ErrorKind::NotFound
            }
            Self::ReviewByRecorder => ErrorKind::Forbidden,
            Self::InvoiceMismatch => ErrorKind::Internal,
            _ => ErrorKind::Conflict,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BillingCommand {
    /// `deposit_invoice` is required before the final invoice (for this amount), refused after.
    /// A Stripe payment (method `Stripe`, or a Stripe event id) comes with its `checkout`,
    /// which must match one of this billing's payment links; any other payment without.
    RecordPayment {
        quote: QuoteFigures,
        payment: Payment,
        deposit_invoice: Option<Invoice>,
        checkout: Option<Box<CheckoutPaid>>,
        recorder: Recorder,
    },
    /// An accountant, the owner or an admin checked a payment a shop-floor role recorded.
    ReviewPayment {
        payment_id: Uuid,
        reviewer: Uuid,
    },
    RecordRefund {
        refund_id: Uuid,
        amount: Decimal,
        method: PaymentMethod,
        reason: String,
        refunded_on: NaiveDate,
    },
    IssueFinal {
        quote: QuoteFigures,
        invoice: Invoice,
    },
    IssueCreditNote {
        invoice: Invoice,
    },
    /// A Stripe Checkout session was opened for `amount`.
    RecordPaymentLink {
        quote: QuoteFigures,
        purpose: LinkPurpose,
        amount: Decimal,
        session_id: String,
        url: String,
        expires_at: DateTime<Utc>,
    },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum BillingEvent {
    PaymentRecorded {
        payment: Payment,
        /// The quote's totals, as signed: what the payments settle.
        total_ttc: Decimal,
        deposit_due: Decimal,
        recorded_at: DateTime<Utc>,
        /// Recorded by a shop-floor role: to review. Absent before reviews existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        review: Option<ReviewDue>,
    },
    /// Taken off the review list; the reviewer is also the event's actor.
    PaymentReviewed {
        payment_id: Uuid,
        reviewed_by: Uuid,
        reviewed_at: DateTime<Utc>,
    },
    RefundRecorded {
        refund_id: Uuid,
        amount: Decimal,
        method: PaymentMethod,
        reason: String,
        refunded_on: NaiveDate,
        recorded_at: DateTime<Utc>,
    },
    InvoiceIssued {
        invoice: Box<Invoice>,
        issued_at: DateTime<Utc>,
    },
    /// The client can pay `amount` online at `url` until `expires_at`; it is emailed.
    PaymentLinkCreated {
        purpose: LinkPurpose,
        amount: Decimal,
        session_id: String,
        url: String,
        expires_at: DateTime<Utc>,
        created_at: DateTime<Utc>,
    },
}

impl BillingEvent {
    pub const PAYMENT_RECORDED: &'static str = "PaymentRecorded";
    pub const REFUND_RECORDED: &'static str = "RefundRecorded";
    pub const INVOICE_ISSUED: &'static str = "InvoiceIssued";
    pub const PAYMENT_LINK_CREATED: &'static str = "PaymentLinkCreated";
    pub const PAYMENT_REVIEWED: &'static str = "PaymentReviewed";
}

impl DomainEvent for BillingEvent {
    fn event_type(&self) -> String {
        match self {
            Self::PaymentRecorded { .. } => Self::PAYMENT_RECORDED,
            Self::RefundRecorded { .. } => Self::REFUND_RECORDED,
            Self::InvoiceIssued { .. } => Self::INVOICE_ISSUED,
            Self::PaymentLinkCreated { .. } => Self::PAYMENT_LINK_CREATED,
            Self::PaymentReviewed { .. } => Self::PAYMENT_REVIEWED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// A Checkout session this billing opened (`PaymentLinkCreated`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OpenedLink {
    amount: Decimal,
    /// A payment named it: a session pays once.
    paid: bool,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Billing {
    total_ttc: Decimal,
    deposit_due: Decimal,
    paid: Decimal,
    refunded: Decimal,
    stripe_events: BTreeSet<String>,
    /// By session id.
    links: BTreeMap<String, OpenedLink>,
    invoices: Vec<Invoice>,
    credited: BTreeSet<Uuid>,
    payments: BTreeSet<Uuid>,
    reviewed_payments: BTreeSet<Uuid>,
    /// Payments to review, with who recorded them.
    to_review: BTreeMap<Uuid, Option<Uuid>>,
}

impl Billing {
    pub fn paid(&self) -> Decimal {
        self.paid - self.refunded
    }

    pub fn status(&self) -> PaymentStatus {
        status(self.total_ttc, self.deposit_due, self.paid, self.refunded)
    }

    pub fn has_stripe_event(&self, event_id: &str) -> bool {
        self.stripe_events.contains(event_id)
    }

    /// Whether a paid Checkout session is one of ours: a session this billing opened, on the
    /// workshop's account (the platform's when it has none), in euros, for the link's amount,
    /// not paid yet. The signature only proves Stripe sent the event; any account connected
    /// to the platform can have Stripe send one, with whatever metadata it likes.
    pub fn match_checkout(&self, checkout: &CheckoutPaid) -> Result<(), BillingError> {
        let link = self
            .links
            .get(&checkout.session_id)
            .ok_or(BillingError::StripeSessionUnknown)?;
        if checkout.account != checkout.workshop_account {
            return Err(BillingError::StripeAccountMismatch);
        }
        if !checkout.currency.eq_ignore_ascii_case("eur") {
            return Err(BillingError::StripeCurrencyMismatch);
        }
        if checkout.amount != link.amount {
            return Err(BillingError::StripeAmountMismatch {
                paid: checkout.amount,
                asked: link.amount,
            });
        }
        if link.paid {
            return Err(BillingError::StripeSessionAlreadyPaid);
        }
        Ok(())
    }

    /// Whether the payment was to review and has been reviewed.
    fn reviewed(&self, payment_id: Uuid) -> bool {
        self.reviewed_payments.contains(&payment_id)
    }

    pub fn is_credited(&self, invoice_id: Uuid) -> bool {
        self.credited.contains(&invoice_id)
    }

    /// The final invoice in force (issued and not credited).
    pub fn final_invoice(&self) -> Option<&Invoice> {
        self.invoices.iter().find(|invoice| {
            invoice.kind == InvoiceKind::Final && !self.credited.contains(&invoice.invoice_id)
        })
    }

    pub fn invoice(&self, invoice_id: Uuid) -> Option<&Invoice> {
        self.invoices
            .iter()
            .find(|invoice| invoice.invoice_id == invoice_id)
    }

    /// The deposit invoices in force, for the final invoice to deduct.
    pub fn deductions(&self) -> Vec<Deduction> {
        self.invoices
            .iter()
            .filter(|invoice| {
                invoice.kind == InvoiceKind::Deposit && !self.credited.contains(&invoice.invoice_id)
            })
            .map(|invoice| Deduction {
                invoice_id: invoice.invoice_id,
                number: invoice.number.clone(),
                issued_on: invoice.issued_on,
                vat: invoice.vat.clone(),
                total_ttc: invoice.total_ttc,
            })
            .collect()
    }

    /// What a payment link for `purpose` asks: the deposit still unpaid, or the balance.
    pub fn amount_for(
        &self,
        quote: &QuoteFigures,
        purpose: LinkPurpose,
    ) -> Result<Decimal, BillingError> {
        let (amount, what) = match purpose {
            LinkPurpose::Deposit => (quote.deposit_due - self.paid(), "l'acompte est réglé"),
            LinkPurpose::Balance => (quote.total_ttc - self.paid(), "le devis est soldé"),
        };
        if amount <= Decimal::ZERO {
            return Err(BillingError::NothingDue { what });
        }
        Ok(amount)
    }

    pub fn decide(
        &self,
        command: Stamped<BillingCommand>,
    ) -> Result<Vec<BillingEvent>, BillingError> {
        let now = command.now;
        let today = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        match command.body {
            BillingCommand::RecordPayment {
                quote,
                mut payment,
                deposit_invoice,
                checkout,
                recorder,
            } => {
                if let Some(event_id) = &payment.stripe_event_id {
                    if self.stripe_events.contains(event_id) {
                        return Ok(vec![]);
                    }
                }
                match checkout {
                    Some(checkout) => {
                        self.match_checkout(&checkout)?;
                        // The webhook builds both from the one event: a difference is ours.
                        if payment.method != PaymentMethod::Stripe
                            || payment.stripe_event_id.is_none()
                            || payment.amount != checkout.amount
                        {
                            return Err(BillingError::InvoiceMismatch);
                        }
                        payment.stripe_session_id = Some(checkout.session_id.clone());
                    }
                    // Money through Stripe only ever comes from a session we opened.
                    None if payment.method == PaymentMethod::Stripe
                        || payment.stripe_event_id.is_some()
                        || payment.stripe_session_id.is_some() =>
                    {
                        return Err(BillingError::StripeSessionUnknown);
                    }
                    None => {}
                }
                if payment.amount <= Decimal::ZERO || payment.amount != payment.amount.round_dp(2) {
                    return Err(BillingError::Amount);
                }
                limits::billing::PAYMENT_AMOUNT.check(payment.amount)?;
                limits::billing::PAYMENT_REFERENCE.check_optional(payment.reference.as_deref())?;
                limits::billing::RECEIVED_ON.check(payment.received_on, today)?;
                let remaining = quote.total_ttc - self.paid();
                if payment.amount > remaining {
                    return Err(BillingError::ExceedsDue {
                        amount: payment.amount,
                        remaining,
                    });
                }
                // The deposit invoice first: the payment's entry then finds its client on it.
                let mut events = Vec::new();
                match (self.final_invoice(), deposit_invoice) {
                    (None, Some(invoice))
                        if invoice.kind == InvoiceKind::Deposit
                            && invoice.total_ttc == payment.amount =>
                    {
                        events.push(BillingEvent::InvoiceIssued {
                            invoice: Box::new(invoice),
                            issued_at: now,
                        });
                    }
                    (Some(_), None) => {}
                    _ => return Err(BillingError::InvoiceMismatch),
                }
                let review = recorder.role.is_shop_floor().then_some(ReviewDue {
                    recorded_by: recorder.account_id,
                    role: recorder.role,
                });
                events.push(BillingEvent::PaymentRecorded {
                    total_ttc: quote.total_ttc,
                    deposit_due: quote.deposit_due,
                    payment,
                    recorded_at: now,
                    review,
                });
                Ok(events)
            }
            BillingCommand::ReviewPayment {
                payment_id,
                reviewer,
            } => {
                if !self.payments.contains(&payment_id) {
                    return Err(BillingError::PaymentNotFound);
                }
                let Some(recorded_by) = self.to_review.get(&payment_id) else {
                    // Reviewed already (twice is once), or never to review.
                    return if self.reviewed(payment_id) {
                        Ok(vec![])
                    } else {
                        Err(BillingError::NotUnderReview)
                    };
                };
                if *recorded_by == Some(reviewer) {
                    return Err(BillingError::ReviewByRecorder);
                }
                Ok(vec![BillingEvent::PaymentReviewed {
                    payment_id,
                    reviewed_by: reviewer,
                    reviewed_at: now,
                }])
            }
            BillingCommand::RecordRefund {
                refund_id,
                amount,
                method,
                reason,
                refunded_on,
            } => {
                if amount <= Decimal::ZERO || amount != amount.round_dp(2) {
                    return Err(BillingError::Amount);
                }
                limits::billing::REFUND_AMOUNT.check(amount)?;
                limits::billing::REFUND_REASON.check(reason.trim())?;
                if amount > self.paid() {
                    return Err(BillingError::ExceedsPaid {
                        amount,
                        paid: self.paid(),
                    });
                }
                Ok(vec![BillingEvent::RefundRecorded {
                    refund_id,
                    amount,
                    method,
                    reason: reason.trim().to_owned(),
                    refunded_on,
                    recorded_at: now,
                }])
            }
            BillingCommand::IssueFinal { invoice, .. } => {
                if let Some(issued) = self.final_invoice() {
                    return Err(BillingError::FinalAlreadyIssued {
                        number: issued.number.clone(),
                    });
                }
                if invoice.kind != InvoiceKind::Final || invoice.due_ttc.is_sign_negative() {
                    return Err(BillingError::InvoiceMismatch);
                }
                Ok(vec![BillingEvent::InvoiceIssued {
                    invoice: Box::new(invoice),
                    issued_at: now,
                }])
            }
            BillingCommand::RecordPaymentLink {
                quote,
                purpose,
                amount,
                session_id,
                url,
                expires_at,
            } => {
                if amount != self.amount_for(&quote, purpose)? {
                    return Err(BillingError::InvoiceMismatch);
                }
                Ok(vec![BillingEvent::PaymentLinkCreated {
                    purpose,
                    amount,
                    session_id,
                    url,
                    expires_at,
                    created_at: now,
                }])
            }
            BillingCommand::IssueCreditNote { invoice } => {
                let InvoiceKind::CreditNote { of_invoice, .. } = &invoice.kind else {
                    return Err(BillingError::InvoiceMismatch);
                };
                let of = self
                    .invoice(*of_invoice)
                    .ok_or(BillingError::InvoiceNotFound)?;
                if self.credited.contains(of_invoice)
                    || matches!(of.kind, InvoiceKind::CreditNote { .. })
                {
                    return Err(BillingError::AlreadyCredited {
                        number: of.number.clone(),
                    });
                }
                Ok(vec![BillingEvent::InvoiceIssued {
                    invoice: Box::new(invoice),
                    issued_at: now,
                }])
            }
        }
    }
}

impl Aggregate for Billing {
    const TYPE: &'static str = "billing";
    type Command = Stamped<BillingCommand>;
    type Event = BillingEvent;
    type Error = BillingError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            BillingEvent::PaymentRecorded {
                payment,
                total_ttc,
                deposit_due,
                review,
                ..
            } => {
                self.payments.insert(payment.payment_id);
                if let Some(review) = review {
                    self.to_review
                        .insert(payment.payment_id, review.recorded_by);
                }
                self.total_ttc = total_ttc;
                self.deposit_due = deposit_due;
                self.paid += payment.amount;
                if let Some(event_id) = payment.stripe_event_id {
                    self.stripe_events.insert(event_id);
                }
                if let Some(link) = payment
                    .stripe_session_id
                    .and_then(|session_id| self.links.get_mut(&session_id))
                {
                    link.paid = true;
                }
            }
            BillingEvent::RefundRecorded { amount, .. } => self.refunded += amount,
            BillingEvent::PaymentReviewed { payment_id, .. } => {
                self.to_review.remove(&payment_id);
                self.reviewed_payments.insert(payment_id);
            }
            BillingEvent::PaymentLinkCreated {
                session_id, amount, ..
            } => {
                self.links.insert(
                    session_id,
                    OpenedLink {
                        amount,
                        paid: false,
                    },
                );
            }
            BillingEvent::InvoiceIssued { invoice, .. } => {
                if let InvoiceKind::CreditNote { of_invoice, .. } = &invoice.kind {
                    self.credited.insert(*of_invoice);
                }
                if invoice.kind == InvoiceKind::Final && self.total_ttc.is_zero() {
                    self.total_ttc = invoice.total_ttc;
                }
                self.invoices.push(*invoice);
            }
        }
    }
}
