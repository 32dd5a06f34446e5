//! Payments and invoices of a signed quote. Every step that issues an invoice takes its
//! number from the workshop's counter in the same commit (gap-free, assigned at issue), and
//! a payment received before the final invoice issues its deposit invoice with it. Right
//! after the commit, in the same request, the invoices issued are drawn once and their files
//! stored (`invoice_document`): what every download serves from then on.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use domain::invoice::billing::{
    aggregate_local_id, Billing, BillingCommand, BillingError, BillingEvent, CheckoutPaid, Payment,
    PaymentMethod, Recorder,
};
use domain::invoice::document::{
    credit_note, deposit_invoice, final_invoice, Buyer, DocumentError, InvoiceLine, Issue,
    QuoteFigures,
};
use domain::invoice::payment_policy::{self, PaymentPolicy, PaymentPolicyError};
use domain::invoice::settings::InvoiceSettings;
use domain::invoice::vat::{treatment, VatError};
use domain::quote::lifecycle::Status;
use domain::quote::numbering::NumberPattern;
use domain::{DomainError, ErrorKind};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::context;
use crate::documents::invoice_pdf::IssuedInvoice;
use crate::{
    AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands, Decision,
    Series, Taken,
};

pub const INVOICE_SERIES: &str = "invoice";
pub const CREDIT_NOTE_SERIES: &str = "credit_note";

#[derive(Debug, thiserror::Error)]
pub enum BillingSaveError {
    #[error("ce devis n'existe pas")]
    QuoteNotFound,
    #[error("le devis {number} n'est pas signé : on encaisse et on facture un devis accepté")]
    QuoteNotSigned { number: String },
    #[error("renseignez l'identité de l'atelier (raison sociale, SIRET, adresse) dans les réglages de facturation : chaque facture la porte")]
    SellerMissing,
    #[error("le client de ce devis n'existe plus")]
    ClientNotFound,
    #[error(transparent)]
    MethodNotAllowed(#[from] PaymentPolicyError),
    #[error(transparent)]
    Vat(#[from] VatError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error(transparent)]
    Billing(#[from] CommandError<BillingError>),
    #[error(transparent)]
    Commit(#[from] AppendError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DomainError for BillingSaveError {
    fn code(&self) -> &'static str {
        match self {
            Self::QuoteNotFound => "QUOTE_NOT_FOUND",
            Self::QuoteNotSigned { .. } => "QUOTE_NOT_SIGNED",
            Self::SellerMissing => "SELLER_MISSING",
            Self::ClientNotFound => "CLIENT_NOT_FOUND",
            Self::MethodNotAllowed(error) => error.code(),
            Self::Vat(error) => error.code(),
            Self::Document(error) => error.code(),
            Self::Billing(error) => error.code(),
            Self::Commit(AppendError::Conflict) => "CONCURRENT_MODIFICATION",
            Self::Commit(_) | Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::QuoteNotFound | Self::ClientNotFound => ErrorKind::NotFound,
            Self::QuoteNotSigned { .. } | Self::SellerMissing => ErrorKind::Conflict,
            Self::MethodNotAllowed(error) => error.kind(),
            Self::Vat(error) => error.kind(),
            Self::Document(error) => error.kind(),
            Self::Billing(error) => error.kind(),
            Self::Commit(AppendError::Conflict) => ErrorKind::Conflict,
            Self::Commit(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }
}

fn store(cause: impl std::fmt::Display) -> BillingSaveError {
    BillingSaveError::Database(sqlx::Error::Protocol(cause.to_string()))
}

/// The signed quote's figures and its client.
pub async fn quote_figures(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<(QuoteFigures, Uuid), BillingSaveError> {
    let quote = context::quote(pool, workspace_id, quote_id)
        .await?
        .ok_or(BillingSaveError::QuoteNotFound)?;
    if quote.status != Status::Accepted {
        return Err(BillingSaveError::QuoteNotSigned {
            number: quote.number,
        });
    }
    let content = quote.content;
    let lines = content
        .content
        .lines
        .iter()
        .zip(&content.priced.lines)
        .map(|(line, priced)| InvoiceLine {
            description: line.description.clone(),
            quantity: Decimal::from(line.quantity),
            unit_price_ht: priced.unit_price_ht,
            total_ht: priced.total_ht,
            vat_rate: priced.vat_rate,
        })
        .collect();
    Ok((
        QuoteFigures {
            quote_id,
            number: quote.number,
            lines,
            vat: content.priced.vat.clone(),
            total_ht: content.priced.total_ht,
            total_ttc: content.priced.total_ttc,
            deposit_due: content.deposit_due,
        },
        quote.client_id,
    ))
}

async fn buyer(
    pool: &PgPool,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Buyer, BillingSaveError> {
    let client = context::client(pool, workspace_id, client_id)
        .await?
        .ok_or(BillingSaveError::ClientNotFound)?;
    Ok(Buyer {
        client_id,
        name: client.name,
        professional: client.professional,
        siret: client.siret,
        vat_number: client.vat_number,
        address: client.billing_address,
        email: client.email,
    })
}

/// Everything an invoice of this quote is issued with, but its id and number.
struct Context {
    settings: InvoiceSettings,
    figures: QuoteFigures,
    buyer: Buyer,
}

async fn context(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<Context, BillingSaveError> {
    let (figures, client_id) = quote_figures(pool, workspace_id, quote_id).await?;
    let settings = context::invoice_settings(pool, workspace_id).await?;
    if settings.seller.is_none() {
        return Err(BillingSaveError::SellerMissing);
    }
    let buyer = buyer(pool, workspace_id, client_id).await?;
    Ok(Context {
        settings,
        figures,
        buyer,
    })
}

impl Context {
    fn issue(
        &self,
        invoice_id: Uuid,
        number: String,
        now: DateTime<Utc>,
    ) -> Result<Issue, BillingSaveError> {
        let seller = self
            .settings
            .seller
            .clone()
            .ok_or(BillingSaveError::SellerMissing)?;
        let treatment = treatment(
            seller.vat_franchise,
            self.buyer.professional,
            self.buyer.country(),
            self.buyer.vat_number.as_deref(),
        )?;
        let issued_on = paris_day(now);
        Ok(Issue {
            invoice_id,
            number,
            issued_on,
            due_on: issued_on
                .checked_add_days(Days::new(u64::from(self.settings.payment_days)))
                .unwrap_or(issued_on),
            seller,
            buyer: self.buyer.clone(),
            treatment,
            late_penalty: self.settings.late_penalty.clone(),
        })
    }
}

pub fn paris_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

/// The invoices a decision issues, as its events hold them. Kept per attempt: a conflict
/// decides again (another number), and only the last attempt is committed.
fn keep_issued(issued: &Mutex<Vec<IssuedInvoice>>, decision: &Decision) {
    let invoices = decision
        .payloads::<BillingEvent>()
        .into_iter()
        .filter_map(|event| match event {
            BillingEvent::InvoiceIssued { invoice, issued_at } => {
                Some(IssuedInvoice::new(*invoice, issued_at))
            }
            _ => None,
        })
        .collect();
    *issued.lock().unwrap_or_else(PoisonError::into_inner) = invoices;
}

/// Draws and stores the files of the invoices just issued: the original every download
/// and the Pennylane push serve. The issue is committed by now, so a failure here must not
/// report it refused (a payment recorded again would be recorded twice): it is logged, and
/// the invoice's first download draws and stores its files instead.
async fn store_issued(pool: &PgPool, workspace_id: Uuid, issued: Mutex<Vec<IssuedInvoice>>) {
    for invoice in issued.into_inner().unwrap_or_else(PoisonError::into_inner) {
        let invoice_id = invoice.invoice.invoice_id;
        if let Err(error) =
            crate::invoice_document::draw_and_store(pool, workspace_id, invoice).await
        {
            tracing::error!(
                %workspace_id, %invoice_id, error.cause_chain = ?error,
                "issued invoice's files not stored: its first download draws them"
            );
        }
    }
}

/// The next number of `series` formatted with `pattern`, as a decision to commit.
async fn take_number(
    commands: &Commands,
    meta: &CommandMeta,
    series: &str,
    pattern: &NumberPattern,
    for_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Decision, String), BillingSaveError> {
    // Taken inside `commit_retrying`, not `Commands::numbered`: whether an issue needs a
    // number at all (a payment's deposit invoice) is known only once the billing is loaded.
    let Taken { decision, sequence } = commands
        .take_number(meta, Series::Counter(series), for_id, now)
        .await
        .map_err(store)?;
    Ok((decision, pattern.format(now, sequence)))
}

/// Stores a receipt scan (already checked) before the payment that names it; returns its
/// digest and whether this call stored it (then [`forget_receipt`] undoes it if the payment
/// is refused).
pub async fn store_receipt(
    pool: &PgPool,
    workspace_id: Uuid,
    content_type: &str,
    image: &[u8],
) -> Result<(String, bool), sqlx::Error> {
    let sha256 = domain::digest::sha256_hex(image);
    let stored = sqlx::query(
        "insert into payment_receipt (workspace_id, sha256, content_type, image)
         values (thermogestion_scope($1), $2, $3, $4) on conflict do nothing",
    )
    .bind(workspace_id)
    .bind(&sha256)
    .bind(content_type)
    .bind(image)
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    Ok((sha256, stored))
}

/// Removes a receipt stored for a payment that was refused: a refusal leaves nothing.
pub async fn forget_receipt(
    pool: &PgPool,
    workspace_id: Uuid,
    sha256: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = crate::scoped(pool, workspace_id).await?;
    sqlx::query("delete from payment_receipt where workspace_id = $1 and sha256 = $2")
        .bind(workspace_id)
        .bind(sha256)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// A receipt scan by its digest: `(content type, bytes)`.
pub async fn find_receipt(
    executor: impl sqlx::PgExecutor<'_>,
    workspace_id: Uuid,
    sha256: &str,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "select content_type, image from payment_receipt where workspace_id = $1 and sha256 = $2",
    )
    .bind(workspace_id)
    .bind(sha256)
    .fetch_optional(executor)
    .await
}

/// What a payment is recorded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDraft {
    pub amount: Decimal,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    pub stripe_event_id: Option<String>,
    pub receipt_sha256: Option<String>,
}

/// Records a payment taken by hand on a signed quote, by a method the caller's role may
/// record (the workshop's payment policy; refused before anything is decided otherwise);
/// before the final invoice, its deposit invoice is issued in the same commit. Recorded by
/// a shop-floor role, it goes on accounting's review list.
pub async fn record_payment(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    draft: PaymentDraft,
) -> Result<(Uuid, AppendReceipt), BillingSaveError> {
    let policy: PaymentPolicy = commands
        .payment_policy
        .load(meta, payment_policy::AGGREGATE_LOCAL_ID)
        .await
        .map_err(store)?;
    policy.rules().check(meta.actor_role, draft.method)?;
    record(pool, commands, meta, quote_id, draft, None).await
}

/// Takes a payment a shop-floor role recorded off the review list, the caller as reviewer
/// (never the member who recorded it). Reviewing it again writes nothing.
pub async fn review_payment(
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    payment_id: Uuid,
) -> Result<AppendReceipt, BillingSaveError> {
    let reviewer = meta
        .actor_id
        .ok_or_else(|| store("a review needs a member"))?;
    let local_id = aggregate_local_id(quote_id);
    let receipt = commands
        .commit_retrying::<BillingSaveError, _, _>(meta, || async {
            let decision = commands
                .billing
                .decide(
                    meta,
                    &local_id,
                    BillingCommand::ReviewPayment {
                        payment_id,
                        reviewer,
                    },
                    false,
                    Utc::now(),
                )
                .await?;
            let mut append = AtomicAppend::default();
            append.push(decision);
            Ok(append)
        })
        .await?;
    Ok(receipt)
}

/// What a signed Stripe event reports paid, as the webhook read it. None of it is trusted
/// until the billing matched it against its payment links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripePaymentDraft {
    pub event_id: String,
    pub session_id: String,
    /// The event's `account`; `None`: the platform's own.
    pub account: Option<String>,
    pub currency: String,
    /// € TTC (`amount_total` over 100).
    pub amount: Decimal,
    pub payment_intent: Option<String>,
    pub received_on: NaiveDate,
}

/// Records a Stripe Checkout payment on the quote the event names, if the billing finds it
/// one of its payment links on the workshop's connected account (the platform registry),
/// in euros, for the link's amount (`BillingError::Stripe…` otherwise, nothing written). An
/// event already recorded writes nothing.
pub async fn record_stripe_payment(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    draft: StripePaymentDraft,
) -> Result<(Uuid, AppendReceipt), BillingSaveError> {
    let workshop_account =
        crate::invoice_settings::connected_account(pool, meta.workspace_id).await?;
    let checkout = CheckoutPaid {
        session_id: draft.session_id,
        account: draft.account,
        currency: draft.currency,
        amount: draft.amount,
        workshop_account,
    };
    let payment = PaymentDraft {
        amount: draft.amount,
        method: PaymentMethod::Stripe,
        reference: draft.payment_intent,
        received_on: draft.received_on,
        stripe_event_id: Some(draft.event_id),
        receipt_sha256: None,
    };
    record(
        pool,
        commands,
        meta,
        quote_id,
        payment,
        Some(Box::new(checkout)),
    )
    .await
}

async fn record(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    draft: PaymentDraft,
    checkout: Option<Box<CheckoutPaid>>,
) -> Result<(Uuid, AppendReceipt), BillingSaveError> {
    let context = context(pool, meta.workspace_id, quote_id).await?;
    let payment_id = Uuid::now_v7();
    let local_id = aggregate_local_id(quote_id);
    let issued = Mutex::new(Vec::new());
    let receipt = commands
        .commit_retrying::<BillingSaveError, _, _>(meta, || async {
            let now = Utc::now();
            let billing: Billing = commands.billing.load(meta, &local_id).await?;
            let payment = Payment {
                payment_id,
                amount: draft.amount,
                method: draft.method,
                reference: draft
                    .reference
                    .clone()
                    .filter(|text| !text.trim().is_empty()),
                received_on: draft.received_on,
                stripe_event_id: draft.stripe_event_id.clone(),
                receipt_sha256: draft.receipt_sha256.clone(),
                stripe_session_id: None,
            };
            let replayed = payment
                .stripe_event_id
                .as_ref()
                .is_some_and(|event| billing.has_stripe_event(event));
            let mut append = AtomicAppend::default();
            // A refusal below writes nothing anyway; this only spares a number's decision.
            let matched = checkout
                .as_ref()
                .is_none_or(|checkout| billing.match_checkout(checkout).is_ok());
            let deposit = if billing.final_invoice().is_none()
                && !replayed
                && matched
                && billing_accepts(&billing, &context.figures, draft.amount)
            {
                let invoice_id = Uuid::now_v7();
                let (taken, number) = take_number(
                    commands,
                    meta,
                    INVOICE_SERIES,
                    &context.settings.invoice_pattern,
                    invoice_id,
                    now,
                )
                .await?;
                append.push(taken);
                Some(deposit_invoice(
                    context.issue(invoice_id, number, now)?,
                    &context.figures,
                    draft.amount,
                )?)
            } else {
                None
            };
            let decision = commands
                .billing
                .decide(
                    meta,
                    &local_id,
                    BillingCommand::RecordPayment {
                        quote: context.figures.clone(),
                        payment,
                        deposit_invoice: deposit,
                        checkout: checkout.clone(),
                        recorder: Recorder {
                            account_id: meta.actor_id,
                            role: meta.actor_role,
                        },
                    },
                    false,
                    now,
                )
                .await?;
            keep_issued(&issued, &decision);
            append.push(decision);
            Ok(append)
        })
        .await?;
    store_issued(pool, meta.workspace_id, issued).await;
    Ok((payment_id, receipt))
}

/// Whether the amount is one the billing will take (so a number is only taken for it).
fn billing_accepts(billing: &Billing, figures: &QuoteFigures, amount: Decimal) -> bool {
    amount > Decimal::ZERO
        && amount == amount.round_dp(2)
        && amount <= figures.total_ttc - billing.paid()
}

/// Issues the final invoice of a signed quote, deducting every deposit invoice in force.
pub async fn issue_final(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
) -> Result<(Uuid, AppendReceipt), BillingSaveError> {
    let context = context(pool, meta.workspace_id, quote_id).await?;
    let invoice_id = Uuid::now_v7();
    let local_id = aggregate_local_id(quote_id);
    let issued = Mutex::new(Vec::new());
    let receipt = commands
        .commit_retrying::<BillingSaveError, _, _>(meta, || async {
            let now = Utc::now();
            let billing: Billing = commands.billing.load(meta, &local_id).await?;
            if let Some(issued) = billing.final_invoice() {
                return Err(CommandError::Rejected(BillingError::FinalAlreadyIssued {
                    number: issued.number.clone(),
                })
                .into());
            }
            let (taken, number) = take_number(
                commands,
                meta,
                INVOICE_SERIES,
                &context.settings.invoice_pattern,
                invoice_id,
                now,
            )
            .await?;
            let invoice = final_invoice(
                context.issue(invoice_id, number, now)?,
                &context.figures,
                billing.deductions(),
            );
            let decision = commands
                .billing
                .decide(
                    meta,
                    &local_id,
                    BillingCommand::IssueFinal {
                        quote: context.figures.clone(),
                        invoice,
                    },
                    false,
                    now,
                )
                .await?;
            keep_issued(&issued, &decision);
            let mut append = AtomicAppend::default();
            append.push(taken);
            append.push(decision);
            Ok(append)
        })
        .await?;
    store_issued(pool, meta.workspace_id, issued).await;
    Ok((invoice_id, receipt))
}

/// Issues the credit note cancelling invoice `of` of the quote.
pub async fn issue_credit_note(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    of: Uuid,
) -> Result<(Uuid, AppendReceipt), BillingSaveError> {
    let settings = context::invoice_settings(pool, meta.workspace_id).await?;
    let seller = settings
        .seller
        .clone()
        .ok_or(BillingSaveError::SellerMissing)?;
    let invoice_id = Uuid::now_v7();
    let local_id = aggregate_local_id(quote_id);
    let issued = Mutex::new(Vec::new());
    let receipt = commands
        .commit_retrying::<BillingSaveError, _, _>(meta, || async {
            let now = Utc::now();
            let billing: Billing = commands.billing.load(meta, &local_id).await?;
            let original = billing
                .invoice(of)
                .cloned()
                .ok_or(CommandError::Rejected(BillingError::InvoiceNotFound))?;
            if billing.is_credited(of) {
                return Err(CommandError::Rejected(BillingError::AlreadyCredited {
                    number: original.number,
                })
                .into());
            }
            let (taken, number) = take_number(
                commands,
                meta,
                CREDIT_NOTE_SERIES,
                &settings.credit_note_pattern,
                invoice_id,
                now,
            )
            .await?;
            // Issued today by the workshop as it is now, to the client the invoice named.
            let issue = Issue {
                invoice_id,
                number,
                issued_on: paris_day(now),
                due_on: paris_day(now),
                seller: seller.clone(),
                buyer: original.buyer.clone(),
                treatment: original.treatment.clone(),
                late_penalty: settings.late_penalty.clone(),
            };
            let invoice = credit_note(issue, &original);
            let decision = commands
                .billing
                .decide(
                    meta,
                    &local_id,
                    BillingCommand::IssueCreditNote { invoice },
                    false,
                    now,
                )
                .await?;
            keep_issued(&issued, &decision);
            let mut append = AtomicAppend::default();
            append.push(taken);
            append.push(decision);
            Ok(append)
        })
        .await?;
    store_issued(pool, meta.workspace_id, issued).await;
    Ok((invoice_id, receipt))
}

/// Records money given back to the client.
pub async fn record_refund(
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    amount: Decimal,
    method: PaymentMethod,
    reason: String,
) -> Result<(Uuid, AppendReceipt), BillingSaveError> {
    let refund_id = Uuid::now_v7();
    let local_id = aggregate_local_id(quote_id);
    let receipt = commands
        .commit_retrying::<BillingSaveError, _, _>(meta, || async {
            let now = Utc::now();
            let decision = commands
                .billing
                .decide(
                    meta,
                    &local_id,
                    BillingCommand::RecordRefund {
                        refund_id,
                        amount,
                        method,
                        reason: reason.clone(),
                        refunded_on: paris_day(now),
                    },
                    false,
                    now,
                )
                .await?;
            let mut append = AtomicAppend::default();
            append.push(decision);
            Ok(append)
        })
        .await?;
    Ok((refund_id, receipt))
}
