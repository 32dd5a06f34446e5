//! The optional Pennylane connector (spec §7.2 « Connexion Pennylane »): each invoice and
//! credit note a connected workshop issues is pushed to Pennylane as its Factur-X PDF
//! (`POST /api/external/v2/customer_invoices/e_invoices/imports`, multipart `file` and
//! `invoice_options` with the ledger account of each line from the workshop's mapping).
//! The PDF pushed is the one stored at issue (`commands::invoice_document`), byte for byte.
//! A failure is retried with a growing delay (1 min, 2, 4… at most 6 h); each invoice's
//! status is kept in `pennylane_push`. Payments are not pushed: Pennylane reconciles them
//! from the bank feed, but each invoice settled here is marked paid there
//! (`PUT …/customer_invoices/{id}/mark_as_paid`): a deposit invoice at once (it is issued
//! for money received), the final invoice once the quote is paid in full.
//!
//! The token is sealed at rest with the platform key (ADR 0003) and never leaves the
//! server. The base URL is configurable (`PENNYLANE_API_BASE`; tests: a local stand-in).
//! The connection itself is written by `commands::pennylane` and read by
//! `projections::pennylane`; this job only pushes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use commands::secret_box::SecretBox;
use domain::invoice::document::{Invoice, InvoiceKind};
use domain::invoice::settings::Chart;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

pub const CHECK_EVERY: Duration = Duration::from_secs(60);
const LONGEST_WAIT_MINUTES: i64 = 6 * 60;
const PER_ROUND: i64 = 20;

/// What the push needs, and nothing of the server's state: the projector's pool (every
/// connected workshop at once; the stored invoice files are read through it, see
/// `commands::invoice_document`), the platform key that opens the tokens, and Pennylane.
#[derive(Clone)]
pub struct Pennylane {
    pub pool: PgPool,
    pub secrets: SecretBox,
    /// `PENNYLANE_API_BASE`, without its trailing slash.
    api_base: Arc<str>,
    http: reqwest::Client,
}

impl Pennylane {
    pub fn new(pool: PgPool, secrets: SecretBox, api_base: &str) -> Self {
        Self {
            pool,
            secrets,
            api_base: api_base.trim_end_matches('/').into(),
            http: reqwest::Client::new(),
        }
    }
}

/// The ledger account each line of the invoice goes to, in our chart.
fn line_account(invoice: &Invoice, chart: &Chart) -> String {
    let deposit = matches!(
        invoice.kind,
        InvoiceKind::Deposit
            | InvoiceKind::CreditNote {
                of_deposit: true,
                ..
            }
    );
    if deposit {
        chart.deposits.clone()
    } else if invoice.treatment.charges_vat() {
        chart.sales.clone()
    } else {
        chart.sales_without_vat.clone()
    }
}

/// Invoices of connected workshops not pushed yet, or whose retry is due; claimed for
/// this round (a concurrent process skips them).
async fn claim(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    let mut claimed: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "insert into pennylane_push (workspace_id, invoice_id, status, updated_at)
         select i.workspace_id, i.invoice_id, 'sending', $1
         from invoice i join pennylane_connection c on c.workspace_id = i.workspace_id
         where i.issued_at >= c.connected_at
           and not exists (select 1 from pennylane_push p
                           where p.workspace_id = i.workspace_id and p.invoice_id = i.invoice_id)
         order by i.issued_at limit $2
         on conflict do nothing
         returning workspace_id, invoice_id",
    )
    .bind(now)
    .bind(PER_ROUND)
    .fetch_all(pool)
    .await?;
    let retries: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "update pennylane_push set status = 'sending', updated_at = $1
         where (workspace_id, invoice_id) in (
           select workspace_id, invoice_id from pennylane_push
           where (status = 'failed' and next_attempt_at <= $1)
              or (status = 'sending' and updated_at < $1 - interval '10 minutes')
           order by next_attempt_at nulls first limit $2 for update skip locked)
         returning workspace_id, invoice_id",
    )
    .bind(now)
    .bind(PER_ROUND)
    .fetch_all(pool)
    .await?;
    claimed.extend(retries);
    Ok(claimed)
}

/// Marks paid in Pennylane the pushed invoices settled here; returns how many.
pub async fn mark_paid(state: &Pennylane, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let pool = &state.pool;
    let due: Vec<(Uuid, Uuid, String, String)> = sqlx::query_as(
        "select p.workspace_id, p.invoice_id, p.remote_url, c.token_sealed
         from pennylane_push p
         join pennylane_connection c on c.workspace_id = p.workspace_id
         join invoice i on i.workspace_id = p.workspace_id and i.invoice_id = p.invoice_id
         left join billing_summary b on b.workspace_id = i.workspace_id and b.quote_id = i.quote_id
         where p.status = 'sent' and not p.paid_marked and p.remote_url is not null
           and i.credited_by is null
           and (i.kind = 'deposit' or (i.kind = 'final' and b.status = 'paid'))
         limit $1",
    )
    .bind(PER_ROUND)
    .fetch_all(pool)
    .await?;
    let mut marked = 0;
    for (workspace_id, invoice_id, url, sealed) in due {
        let Some(remote_id) = url.rsplit('/').next().filter(|id| !id.is_empty()) else {
            continue;
        };
        let Ok(token) = state.secrets.open(&sealed) else {
            continue;
        };
        let response = state
            .http
            .put(format!(
                "{}/api/external/v2/customer_invoices/{remote_id}/mark_as_paid",
                state.api_base
            ))
            .bearer_auth(token)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => {
                marked += 1;
                sqlx::query(
                    "update pennylane_push set paid_marked = true, updated_at = $3
                     where workspace_id = $1 and invoice_id = $2",
                )
                .bind(workspace_id)
                .bind(invoice_id)
                .bind(now)
                .execute(pool)
                .await?;
            }
            // Tried again next round.
            Ok(response) => {
                tracing::warn!(%workspace_id, %invoice_id, status = %response.status(), "Pennylane mark_as_paid refused")
            }
            Err(error) => {
                tracing::warn!(%workspace_id, %invoice_id, %error, "Pennylane unreachable")
            }
        }
    }
    Ok(marked)
}

/// Pushes what is due at `now`; returns `(sent, failed)`.
pub async fn push_due(
    state: &Pennylane,
    now: DateTime<Utc>,
) -> Result<(usize, usize), sqlx::Error> {
    let pool = &state.pool;
    let (mut sent, mut failed) = (0, 0);
    for (workspace_id, invoice_id) in claim(pool, now).await? {
        let outcome = push_one(state, workspace_id, invoice_id).await;
        match outcome {
            Ok(url) => {
                sent += 1;
                sqlx::query(
                    "update pennylane_push set status = 'sent', remote_url = $3, last_error = null,
                            attempts = attempts + 1, next_attempt_at = null, updated_at = $4
                     where workspace_id = $1 and invoice_id = $2",
                )
                .bind(workspace_id)
                .bind(invoice_id)
                .bind(url)
                .bind(now)
                .execute(pool)
                .await?;
            }
            Err(error) => {
                failed += 1;
                tracing::warn!(%workspace_id, %invoice_id, %error, "Pennylane push failed");
                sqlx::query(
                    "update pennylane_push set status = 'failed', last_error = $3, attempts = attempts + 1,
                            next_attempt_at = $4 + make_interval(mins => least($5, power(2, attempts)::int)),
                            updated_at = $4
                     where workspace_id = $1 and invoice_id = $2",
                )
                .bind(workspace_id)
                .bind(invoice_id)
                .bind(error)
                .bind(now)
                .bind(LONGEST_WAIT_MINUTES as i32)
                .execute(pool)
                .await?;
            }
        }
    }
    Ok((sent, failed))
}

/// One invoice to Pennylane: its Factur-X PDF and the ledger mapping; the URL Pennylane
/// gives back, or why it failed.
async fn push_one(
    state: &Pennylane,
    workspace_id: Uuid,
    invoice_id: Uuid,
) -> Result<String, String> {
    let pool = &state.pool;
    let connection: Option<(String, serde_json::Value)> = sqlx::query_as(
        "select token_sealed, accounts from pennylane_connection where workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(pool)
    .await
    .map_err(|error| error.to_string())?;
    let (sealed, accounts) = connection.ok_or("connecteur Pennylane retiré")?;
    let token = state
        .secrets
        .open(&sealed)
        .map_err(|_| "jeton Pennylane illisible : reconnectez Pennylane".to_owned())?;
    let accounts: BTreeMap<String, i64> = serde_json::from_value(accounts).unwrap_or_default();
    let row = projections::invoicing::find_invoice(pool, workspace_id, invoice_id)
        .await
        .map_err(|error| error.to_string())?
        .ok_or("facture introuvable")?;
    let issued = commands::documents::invoice_pdf::IssuedInvoice::from_document(
        &row.document,
        row.issued_at,
    )
    .ok_or("facture illisible")?;
    let invoice = &issued.invoice;
    let chart = projections::invoicing::settings(pool, workspace_id)
        .await
        .map_err(|error| error.to_string())?
        .chart;
    let account = line_account(invoice, &chart);
    let lines: Vec<serde_json::Value> = (1..=invoice.lines.len())
        .map(|line| {
            json!({
                "e_invoice_line_id": line.to_string(),
                "ledger_account_id": accounts.get(&account),
            })
        })
        .collect();
    let options = json!({ "invoice_lines": lines });
    let number = invoice.number.clone();
    // An invoice issued before its files were stored at issue (migration 0033) is drawn
    // here, once, and stored: its download then serves the very PDF Pennylane received.
    let pdf = commands::invoice_document::issued_file(
        pool,
        workspace_id,
        invoice_id,
        commands::invoice_document::InvoiceFile::FacturxPdf,
        || Some(issued),
    )
    .await
    .map_err(|error| error.to_string())?
    .content;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf)
                .file_name(format!("{number}.pdf"))
                .mime_str("application/pdf")
                .map_err(|error| error.to_string())?,
        )
        .text("invoice_options", options.to_string());
    let response = state
        .http
        .post(format!(
            "{}/api/external/v2/customer_invoices/e_invoices/imports",
            state.api_base
        ))
        .bearer_auth(token)
        .multipart(form)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|error| format!("Pennylane injoignable : {error}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
    if !status.is_success() {
        return Err(format!("Pennylane a répondu {status} : {body}"));
    }
    Ok(body["url"].as_str().unwrap_or_default().to_owned())
}

pub async fn run(state: Pennylane, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        match push_due(&state, Utc::now()).await {
            Ok((0, 0)) => {}
            Ok((sent, failed)) => tracing::info!(sent, failed, "Pennylane pushes"),
            Err(error) => tracing::error!(%error, "Pennylane pushes failed"),
        }
        if let Err(error) = mark_paid(&state, Utc::now()).await {
            tracing::error!(%error, "Pennylane payments failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}
