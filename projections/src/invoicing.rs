//! The `invoicing` read model: invoices as issued, payments and refunds, each quote's
//! billing summary, the workshop's invoicing settings, and the accounting ledger — one
//! journal entry per invoice, payment and refund, numbered in the order of the log, with
//! the chart of accounts in force when it was written.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use domain::invoice::billing::{status, BillingEvent, PaymentMethod, PaymentStatus};
use domain::invoice::document::{Invoice, InvoiceKind};
use domain::invoice::fec::{invoice_entry, settlement_entry, Entry, Settlement};
use domain::invoice::payment_policy::{PaymentMethodRules, PaymentPolicyEvent};
use domain::invoice::settings::{InvoiceSettings, InvoiceSettingsEvent};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::RecordedEvent;

pub const NAME: &str = "invoicing";

pub struct InvoicingProjection;

fn text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn kind_text(kind: &InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Deposit => "deposit",
        InvoiceKind::Final => "final",
        InvoiceKind::CreditNote { .. } => "credit_note",
    }
}

fn quote_id_of(event: &RecordedEvent) -> Result<Uuid, ProjectionError> {
    event
        .local_id()
        .strip_prefix("billing/")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| {
            ProjectionError::Reactor(format!("not a billing id: {}", event.aggregate_id))
        })
}

async fn append_entry(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    entry: &Entry,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "insert into ledger_entry (workspace_id, seq, entry_date, entry)
         select $1, coalesce(max(seq), 0) + 1, $2, $3 from ledger_entry where workspace_id = $1",
    )
    .bind(workspace_id)
    .bind(entry.date)
    .bind(serde_json::to_value(entry).unwrap_or_default())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The client and the latest invoice of a quote: what a payment's entry names.
async fn latest_invoice(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<Option<(Uuid, String, String)>, ProjectionError> {
    Ok(sqlx::query_as(
        "select client_id, client_name, number from invoice
         where workspace_id = $1 and quote_id = $2 order by issued_at desc, number desc limit 1",
    )
    .bind(workspace_id)
    .bind(quote_id)
    .fetch_optional(&mut *conn)
    .await?)
}

async fn add_to_summary(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    quote_id: Uuid,
    totals: Option<(Decimal, Decimal)>,
    paid: Decimal,
    refunded: Decimal,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let current: Option<(Decimal, Decimal, Decimal, Decimal)> = sqlx::query_as(
        "select total_ttc, deposit_due, paid, refunded from billing_summary
         where workspace_id = $1 and quote_id = $2",
    )
    .bind(workspace_id)
    .bind(quote_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (mut total, mut deposit, mut sum_paid, mut sum_refunded) =
        current.unwrap_or((Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO));
    if let Some((new_total, new_deposit)) = totals {
        total = new_total;
        deposit = new_deposit;
    }
    sum_paid += paid;
    sum_refunded += refunded;
    let state = text(&status(total, deposit, sum_paid, sum_refunded));
    sqlx::query(
        "insert into billing_summary (workspace_id, quote_id, total_ttc, deposit_due, paid, refunded, status, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (workspace_id, quote_id) do update set total_ttc = $3, deposit_due = $4,
           paid = $5, refunded = $6, status = $7, updated_at = $8",
    )
    .bind(workspace_id)
    .bind(quote_id)
    .bind(total)
    .bind(deposit)
    .bind(sum_paid)
    .bind(sum_refunded)
    .bind(state)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn paris_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

#[async_trait]
impl Projection for InvoicingProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "invoice_settings",
            "invoice",
            "payment",
            "billing_summary",
            "ledger_entry",
            "payment_link",
            "payment_policy",
        ]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            InvoiceSettingsEvent::CHANGED,
            BillingEvent::INVOICE_ISSUED,
            BillingEvent::PAYMENT_RECORDED,
            BillingEvent::REFUND_RECORDED,
            BillingEvent::PAYMENT_LINK_CREATED,
            BillingEvent::PAYMENT_REVIEWED,
            PaymentPolicyEvent::PAYMENT_METHODS_SET,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let workspace_id = event.workspace_id;
            if event.event_type == InvoiceSettingsEvent::CHANGED {
                let InvoiceSettingsEvent::Changed {
                    settings,
                    changed_at,
                } = event.payload()?;
                crate::workshop_settings::save(
                    conn,
                    "invoice_settings",
                    "settings",
                    workspace_id,
                    &settings,
                    changed_at,
                )
                .await?;
                continue;
            }
            if event.event_type == PaymentPolicyEvent::PAYMENT_METHODS_SET {
                let changed: PaymentPolicyEvent = event.payload()?;
                let mut rules = payment_method_rules(&mut *conn, workspace_id).await?;
                rules.apply(&changed);
                let PaymentPolicyEvent::PaymentMethodsSet { set_at, .. } = changed;
                crate::workshop_settings::save(
                    conn,
                    "payment_policy",
                    "rules",
                    workspace_id,
                    &rules,
                    set_at,
                )
                .await?;
                continue;
            }
            let quote_id = quote_id_of(event)?;
            let chart = settings(&mut *conn, workspace_id).await?.chart;
            match event.payload()? {
                BillingEvent::InvoiceIssued { invoice, issued_at } => {
                    insert_invoice(conn, workspace_id, &invoice, issued_at).await?;
                    if let InvoiceKind::CreditNote { of_invoice, .. } = &invoice.kind {
                        sqlx::query(
                            "update invoice set credited_by = $3 where workspace_id = $1 and invoice_id = $2",
                        )
                        .bind(workspace_id)
                        .bind(of_invoice)
                        .bind(&invoice.number)
                        .execute(&mut *conn)
                        .await?;
                    }
                    if invoice.kind == InvoiceKind::Final {
                        add_to_summary(
                            conn,
                            workspace_id,
                            quote_id,
                            None,
                            Decimal::ZERO,
                            Decimal::ZERO,
                            issued_at,
                        )
                        .await?;
                    }
                    let entry = invoice_entry(&invoice, &chart, invoice.issued_on);
                    append_entry(conn, workspace_id, &entry).await?;
                }
                BillingEvent::PaymentRecorded {
                    payment,
                    total_ttc,
                    deposit_due,
                    recorded_at,
                    review,
                } => {
                    let (client_id, client_name, piece) =
                        latest_invoice(conn, workspace_id, quote_id)
                            .await?
                            .unwrap_or((Uuid::nil(), String::new(), String::new()));
                    record(
                        conn,
                        workspace_id,
                        quote_id,
                        (client_id, &client_name),
                        payment.payment_id,
                        "payment",
                        payment.method,
                        payment.amount,
                        payment.reference.as_deref(),
                        payment.received_on,
                        payment.stripe_event_id.as_deref(),
                        payment.receipt_sha256.as_deref(),
                        recorded_at,
                    )
                    .await?;
                    // Who recorded it, from the event's metadata; to review when the
                    // billing said so.
                    sqlx::query(
                        "update payment set recorded_by = $3, recorded_by_role = $4, review_due = $5
                         where workspace_id = $1 and payment_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(payment.payment_id)
                    .bind(
                        event
                            .meta(domain::meta::ACTOR_ID)
                            .and_then(|id| Uuid::parse_str(&id).ok()),
                    )
                    .bind(event.meta(domain::meta::ACTOR_ROLE))
                    .bind(review.is_some())
                    .execute(&mut *conn)
                    .await?;
                    add_to_summary(
                        conn,
                        workspace_id,
                        quote_id,
                        Some((total_ttc, deposit_due)),
                        payment.amount,
                        Decimal::ZERO,
                        recorded_at,
                    )
                    .await?;
                    let label = format!("Règlement {} {client_name}", payment.method.label());
                    let entry = settlement_entry(
                        &Settlement {
                            client_id,
                            client_name: &client_name,
                            amount: payment.amount,
                            method: payment.method,
                            piece_ref: &piece,
                            piece_date: payment.received_on,
                            label: &label,
                        },
                        &chart,
                        paris_day(recorded_at),
                    );
                    append_entry(conn, workspace_id, &entry).await?;
                }
                BillingEvent::PaymentLinkCreated {
                    purpose,
                    amount,
                    session_id,
                    url,
                    expires_at,
                    created_at,
                } => {
                    sqlx::query(
                        "insert into payment_link (workspace_id, session_id, quote_id, purpose, amount, url,
                                                   expires_at, created_at)
                         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing",
                    )
                    .bind(workspace_id)
                    .bind(&session_id)
                    .bind(quote_id)
                    .bind(text(&purpose))
                    .bind(amount)
                    .bind(&url)
                    .bind(expires_at)
                    .bind(created_at)
                    .execute(&mut *conn)
                    .await?;
                }
                BillingEvent::PaymentReviewed {
                    payment_id,
                    reviewed_by,
                    reviewed_at,
                } => {
                    sqlx::query(
                        "update payment set reviewed_by = $3, reviewed_at = $4
                         where workspace_id = $1 and payment_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(payment_id)
                    .bind(reviewed_by)
                    .bind(reviewed_at)
                    .execute(&mut *conn)
                    .await?;
                }
                BillingEvent::RefundRecorded {
                    refund_id,
                    amount,
                    method,
                    reason,
                    refunded_on,
                    recorded_at,
                } => {
                    let (client_id, client_name, piece) =
                        latest_invoice(conn, workspace_id, quote_id)
                            .await?
                            .unwrap_or((Uuid::nil(), String::new(), String::new()));
                    record(
                        conn,
                        workspace_id,
                        quote_id,
                        (client_id, &client_name),
                        refund_id,
                        "refund",
                        method,
                        amount,
                        Some(reason.as_str()).filter(|text| !text.is_empty()),
                        refunded_on,
                        None,
                        None,
                        recorded_at,
                    )
                    .await?;
                    add_to_summary(
                        conn,
                        workspace_id,
                        quote_id,
                        None,
                        Decimal::ZERO,
                        amount,
                        recorded_at,
                    )
                    .await?;
                    let label = format!("Remboursement {} {client_name}", method.label());
                    let entry = settlement_entry(
                        &Settlement {
                            client_id,
                            client_name: &client_name,
                            amount: -amount,
                            method,
                            piece_ref: &piece,
                            piece_date: refunded_on,
                            label: &label,
                        },
                        &chart,
                        paris_day(recorded_at),
                    );
                    append_entry(conn, workspace_id, &entry).await?;
                }
            }
        }
        Ok(())
    }
}

async fn insert_invoice(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    invoice: &Invoice,
    issued_at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "insert into invoice (workspace_id, invoice_id, quote_id, number, kind, client_id, client_name,
                              issued_on, due_on, total_ht, total_vat, total_ttc, due_ttc, document, issued_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         on conflict do nothing",
    )
    .bind(workspace_id)
    .bind(invoice.invoice_id)
    .bind(invoice.quote_id)
    .bind(&invoice.number)
    .bind(kind_text(&invoice.kind))
    .bind(invoice.buyer.client_id)
    .bind(&invoice.buyer.name)
    .bind(invoice.issued_on)
    .bind(invoice.due_on)
    .bind(invoice.total_ht)
    .bind(invoice.total_vat)
    .bind(invoice.total_ttc)
    .bind(invoice.due_ttc)
    .bind(serde_json::to_value(invoice).unwrap_or_default())
    .bind(issued_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn record(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    quote_id: Uuid,
    (client_id, client_name): (Uuid, &str),
    payment_id: Uuid,
    kind: &str,
    method: PaymentMethod,
    amount: Decimal,
    reference: Option<&str>,
    received_on: NaiveDate,
    stripe_event_id: Option<&str>,
    receipt_sha256: Option<&str>,
    recorded_at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "insert into payment (workspace_id, payment_id, quote_id, client_id, client_name, kind, method,
                              amount, reference, received_on, stripe_event_id, receipt_sha256, recorded_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         on conflict do nothing",
    )
    .bind(workspace_id)
    .bind(payment_id)
    .bind(quote_id)
    .bind(client_id)
    .bind(client_name)
    .bind(kind)
    .bind(text(&method))
    .bind(amount)
    .bind(reference)
    .bind(received_on)
    .bind(stripe_event_id)
    .bind(receipt_sha256)
    .bind(recorded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which methods each role records by hand: the defaults until the workshop chose.
pub async fn payment_method_rules(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<PaymentMethodRules, sqlx::Error> {
    crate::workshop_settings::load(executor, "payment_policy", "rules", workspace_id).await
}

/// The workshop's invoicing settings, the defaults (no seller yet) until it set them.
pub async fn settings(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<InvoiceSettings, sqlx::Error> {
    crate::workshop_settings::load(executor, "invoice_settings", "settings", workspace_id).await
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InvoiceRow {
    pub invoice_id: Uuid,
    pub quote_id: Uuid,
    pub number: String,
    pub kind: String,
    pub client_id: Uuid,
    pub client_name: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub total_ht: Decimal,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    pub due_ttc: Decimal,
    pub document: serde_json::Value,
    pub credited_by: Option<String>,
    pub issued_at: DateTime<Utc>,
}

impl InvoiceRow {
    pub fn document(&self) -> Option<Invoice> {
        serde_json::from_value(self.document.clone()).ok()
    }
}

const INVOICE_COLUMNS: &str =
    "invoice_id, quote_id, number, kind, client_id, client_name, issued_on,
    due_on, total_ht, total_vat, total_ttc, due_ttc, document, credited_by, issued_at";

pub async fn find_invoice(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    invoice_id: Uuid,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {INVOICE_COLUMNS} from invoice where workspace_id = $1 and invoice_id = $2"
    ))
    .bind(workspace_id)
    .bind(invoice_id)
    .fetch_optional(executor)
    .await
}

/// Filters of the invoice and payment lists and exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub client_id: Option<Uuid>,
    pub quote_id: Option<Uuid>,
}

/// Invoices by issue date then number, `limit` after `offset`.
pub async fn invoices(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    period: &Period,
    limit: i64,
    offset: i64,
) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {INVOICE_COLUMNS} from invoice
         where workspace_id = $1 and ($2::date is null or issued_on >= $2)
           and ($3::date is null or issued_on <= $3) and ($4::uuid is null or client_id = $4)
           and ($5::uuid is null or quote_id = $5)
         order by issued_on, issued_at, number limit $6 offset $7"
    ))
    .bind(workspace_id)
    .bind(period.from)
    .bind(period.to)
    .bind(period.client_id)
    .bind(period.quote_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(executor)
    .await
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PaymentRow {
    pub payment_id: Uuid,
    pub quote_id: Uuid,
    pub client_id: Uuid,
    pub client_name: String,
    pub kind: String,
    pub method: String,
    pub amount: Decimal,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    pub receipt_sha256: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// Absent for payments recorded before migration 0031 was projected.
    pub recorded_by: Option<Uuid>,
    pub recorded_by_role: Option<String>,
    /// Recorded by a shop-floor role: on the review list until reviewed.
    pub review_due: bool,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

const PAYMENT_COLUMNS: &str = "payment_id, quote_id, client_id, client_name, kind, method, amount,
    reference, received_on, receipt_sha256, recorded_at, recorded_by, recorded_by_role, review_due,
    reviewed_by, reviewed_at";

/// The payments a shop-floor role recorded that nobody has reviewed yet, oldest first.
pub async fn payments_to_review(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {PAYMENT_COLUMNS} from payment
         where workspace_id = $1 and review_due and reviewed_at is null
         order by recorded_at, payment_id limit $2 offset $3"
    ))
    .bind(workspace_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(executor)
    .await
}

/// One payment (or refund) of the workshop.
pub async fn find_payment(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    payment_id: Uuid,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {PAYMENT_COLUMNS} from payment where workspace_id = $1 and payment_id = $2"
    ))
    .bind(workspace_id)
    .bind(payment_id)
    .fetch_optional(executor)
    .await
}

/// Payments and refunds by date received, filtered by method when given.
pub async fn payments(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    period: &Period,
    method: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {PAYMENT_COLUMNS} from payment
         where workspace_id = $1 and ($2::date is null or received_on >= $2)
           and ($3::date is null or received_on <= $3) and ($4::uuid is null or client_id = $4)
           and ($5::uuid is null or quote_id = $5) and ($6::text is null or method = $6)
         order by received_on, recorded_at limit $7 offset $8"
    ))
    .bind(workspace_id)
    .bind(period.from)
    .bind(period.to)
    .bind(period.client_id)
    .bind(period.quote_id)
    .bind(method)
    .bind(limit)
    .bind(offset)
    .fetch_all(executor)
    .await
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SummaryRow {
    pub total_ttc: Decimal,
    pub deposit_due: Decimal,
    pub paid: Decimal,
    pub refunded: Decimal,
    pub status: String,
}

pub async fn summary(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<Option<SummaryRow>, sqlx::Error> {
    sqlx::query_as(
        "select total_ttc, deposit_due, paid, refunded, status from billing_summary
         where workspace_id = $1 and quote_id = $2",
    )
    .bind(workspace_id)
    .bind(quote_id)
    .fetch_optional(executor)
    .await
}

/// The status of a quote nothing was paid on yet.
pub fn unpaid() -> String {
    text(&PaymentStatus::Unpaid)
}

/// Up to `limit` ledger entries dated in the period, after entry `after` (keyset paging:
/// an export reads a year in bounded chunks).
pub async fn ledger(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Entry)>, sqlx::Error> {
    let rows: Vec<(i64, serde_json::Value)> = sqlx::query_as(
        "select seq, entry from ledger_entry
         where workspace_id = $1 and entry_date between $2 and $3 and seq > $4
         order by seq limit $5",
    )
    .bind(workspace_id)
    .bind(from)
    .bind(to)
    .bind(after)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(seq, entry)| Some((seq, serde_json::from_value(entry).ok()?)))
        .collect())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PaymentLinkRow {
    pub session_id: String,
    pub purpose: String,
    pub amount: Decimal,
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// The payment links of a quote, newest first.
pub async fn payment_links(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<Vec<PaymentLinkRow>, sqlx::Error> {
    sqlx::query_as(
        "select session_id, purpose, amount, url, expires_at, created_at from payment_link
         where workspace_id = $1 and quote_id = $2 order by created_at desc",
    )
    .bind(workspace_id)
    .bind(quote_id)
    .fetch_all(executor)
    .await
}
