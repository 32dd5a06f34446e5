//! Accounting downloads, for owners, admins and the accountant, each of its own workshop:
//! - `GET /api/v1/invoices/{id}/invoice.pdf`: an invoice or credit note as issued;
//!   `facturx.pdf` (the PDF with its CII embedded, PDF/A-3), `facturx.xml` (CII, EN 16931)
//!   and `ubl.xml` (UBL 2.1): the same, for e-invoicing. Each the bytes stored at issue
//!   (`commands::invoice_document`), never drawn again.
//! - `GET /api/v1/exports/fec?from=AAAA-MM-JJ&to=AAAA-MM-JJ`: the FEC of the period (a fiscal
//!   year or any period), `{SIREN}FEC{AAAAMMJJ}.txt`, streamed by chunks of entries so a
//!   year of a large workshop never sits in memory.
//! - `GET /api/v1/exports/fec-archive?month=AAAA-MM`: a month's FEC as archived (checked
//!   against its SHA-256).
//! - `GET /api/v1/exports/invoices.csv?from&to&client_id` and
//!   `GET /api/v1/exports/payments.csv?from&to&client_id&method`: for spreadsheets (`;`,
//!   decimal commas, UTF-8 with BOM so Excel reads the accents).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Europe::Paris;
use domain::invoice::fec::file_name;
use domain::ErrorKind;
use projections::invoicing::Period;
use projections::tenant;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::export::spreadsheet_safe;
use super::extract::{Path, Query};
use crate::app::AppState;
use crate::auth::Actor;
use crate::permissions::Operation;
use crate::ApiError;
use commands::documents::invoice_pdf::IssuedInvoice;
use commands::invoice_document::{self, InvoiceFile};

const CSV_LIMIT: i64 = 100_000;

fn invoice_not_found() -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "INVOICE_NOT_FOUND",
        "cette facture n'existe pas",
    )
}

pub async fn invoice_file(
    State(state): State<AppState>,
    Path((invoice_id, file)): Path<(String, String)>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::InvoiceFiles)?;
    let invoice_id = Uuid::parse_str(&invoice_id).map_err(|_| invoice_not_found())?;
    let file = InvoiceFile::from_name(&file).ok_or_else(invoice_not_found)?;
    let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
    let row = projections::invoicing::find_invoice(&mut *tx, actor.workspace_id, invoice_id)
        .await?
        .ok_or_else(invoice_not_found)?;
    tx.commit().await?;
    // An invoice issued before its files were stored at issue (migration 0033) is drawn
    // here, once, from its document as the log holds it; then served as stored.
    let stored =
        invoice_document::issued_file(&state.pool, actor.workspace_id, invoice_id, file, || {
            IssuedInvoice::from_document(&row.document, row.issued_at)
        })
        .await
        .map_err(|error| ApiError::internal(error.to_string()))?;
    let number = &row.number;
    let (content_type, disposition) = match file {
        InvoiceFile::Pdf | InvoiceFile::FacturxPdf => (
            "application/pdf",
            format!("inline; filename=\"{number}.pdf\""),
        ),
        InvoiceFile::FacturxXml => (
            "application/xml; charset=utf-8",
            format!("attachment; filename=\"{number}-factur-x.xml\""),
        ),
        InvoiceFile::UblXml => (
            "application/xml; charset=utf-8",
            format!("attachment; filename=\"{number}-ubl.xml\""),
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        stored.content,
    )
        .into_response())
}

/// `GET /api/v1/receipts/{sha256}`: a payment's receipt scan, of the caller's workshop.
pub async fn receipt(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::Receipt)?;
    let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
    let found = commands::invoicing::find_receipt(&mut *tx, actor.workspace_id, &sha256).await?;
    tx.commit().await?;
    let (content_type, bytes) = found.ok_or_else(|| {
        ApiError::new(
            ErrorKind::NotFound,
            "RECEIPT_NOT_FOUND",
            "ce justificatif n'existe pas",
        )
    })?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    client_id: Option<Uuid>,
    method: Option<String>,
    /// `AAAA-MM`, for `fec-archive`.
    month: Option<String>,
}

fn period_invalid() -> ApiError {
    ApiError::new(
        ErrorKind::Validation,
        "PERIOD_INVALID",
        "la période va d'une date `from` à une date `to` (AAAA-MM-JJ), dans l'ordre",
    )
}

/// `from`..`to`, the current calendar year by default.
fn period(query: &ExportQuery) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let year = chrono::Utc::now().with_timezone(&Paris).year();
    let from = query
        .from
        .or_else(|| NaiveDate::from_ymd_opt(year, 1, 1))
        .ok_or_else(period_invalid)?;
    let to = query
        .to
        .or_else(|| NaiveDate::from_ymd_opt(year, 12, 31))
        .ok_or_else(period_invalid)?;
    if to < from {
        return Err(period_invalid());
    }
    Ok((from, to))
}

pub async fn export(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<ExportQuery>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::Exports)?;
    if file == "fec-archive" {
        return fec_archive(state, actor, query.month.as_deref().unwrap_or_default()).await;
    }
    let (from, to) = period(&query)?;
    match file.as_str() {
        "fec" => fec(state, actor, from, to).await,
        "invoices.csv" => invoices_csv(state, actor, from, to, query.client_id).await,
        "payments.csv" => payments_csv(state, actor, from, to, query.client_id, query.method).await,
        _ => Err(ApiError::new(
            ErrorKind::NotFound,
            "EXPORT_NOT_FOUND",
            "cet export n'existe pas",
        )),
    }
}

async fn fec(
    state: AppState,
    actor: Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Response, ApiError> {
    let settings = {
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let settings = projections::invoicing::settings(&mut *tx, actor.workspace_id).await?;
        tx.commit().await?;
        settings
    };
    let seller = settings.seller.ok_or_else(|| {
        ApiError::new(
            ErrorKind::Conflict,
            "SELLER_MISSING",
            "renseignez le SIREN de l'atelier dans les réglages de facturation : il nomme le fichier FEC",
        )
    })?;
    let name = file_name(seller.siren(), to);
    let body = workers::fec::stream(state.pool.clone(), actor.workspace_id, from, to);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// A month's archived FEC, as stored, checked against its recorded digest.
async fn fec_archive(state: AppState, actor: Actor, month: &str) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::new(
            ErrorKind::NotFound,
            "FEC_ARCHIVE_NOT_FOUND",
            "pas d'archive FEC pour ce mois (AAAA-MM, un mois terminé)",
        )
    };
    let start =
        NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| not_found())?;
    let projections::fec_archive::Stored {
        object_name,
        file_name: name,
        sha256,
    } = projections::fec_archive::stored(&state.pool, actor.workspace_id, start)
        .await?
        .ok_or_else(not_found)?;
    let bytes = state
        .files
        .get_archive(actor.workspace_id, &object_name)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal(format!("archive {object_name} missing from storage")))?;
    if domain::digest::sha256_hex(&bytes) != sha256 {
        return Err(ApiError::internal(format!("archive {object_name} altered")));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn decimal(value: Decimal) -> String {
    let mut value = value.round_dp(2);
    value.rescale(2);
    value.to_string().replace('.', ",")
}

/// Invoices and payments for a spreadsheet: every cell defused (`spreadsheet_safe`).
fn csv_response(name: &str, rows: Vec<Vec<String>>) -> Result<Response, ApiError> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| spreadsheet_safe(cell)))
            .map_err(ApiError::internal)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| ApiError::internal(error.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn invoices_csv(
    state: AppState,
    actor: Actor,
    from: NaiveDate,
    to: NaiveDate,
    client_id: Option<Uuid>,
) -> Result<Response, ApiError> {
    let period = Period {
        from: Some(from),
        to: Some(to),
        client_id,
        quote_id: None,
    };
    let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
    let rows =
        projections::invoicing::invoices(&mut *tx, actor.workspace_id, &period, CSV_LIMIT, 0)
            .await?;
    tx.commit().await?;
    let mut lines = vec![[
        "Numéro",
        "Type",
        "Date",
        "Échéance",
        "Client",
        "Total HT",
        "TVA",
        "Total TTC",
        "Acomptes déduits",
        "Net à payer",
        "Annulée par",
    ]
    .map(str::to_owned)
    .to_vec()];
    for row in rows {
        let kind = match row.kind.as_str() {
            "deposit" => "Acompte",
            "final" => "Facture",
            _ => "Avoir",
        };
        lines.push(vec![
            row.number.clone(),
            kind.to_owned(),
            row.issued_on.format("%d/%m/%Y").to_string(),
            row.due_on.format("%d/%m/%Y").to_string(),
            row.client_name.clone(),
            decimal(row.total_ht),
            decimal(row.total_vat),
            decimal(row.total_ttc),
            decimal(row.total_ttc - row.due_ttc),
            decimal(row.due_ttc),
            row.credited_by.clone().unwrap_or_default(),
        ]);
    }
    csv_response(&format!("factures-{from}-{to}.csv"), lines)
}

async fn payments_csv(
    state: AppState,
    actor: Actor,
    from: NaiveDate,
    to: NaiveDate,
    client_id: Option<Uuid>,
    method: Option<String>,
) -> Result<Response, ApiError> {
    let period = Period {
        from: Some(from),
        to: Some(to),
        client_id,
        quote_id: None,
    };
    let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
    let rows = projections::invoicing::payments(
        &mut *tx,
        actor.workspace_id,
        &period,
        method.as_deref(),
        CSV_LIMIT,
        0,
    )
    .await?;
    tx.commit().await?;
    let mut lines = vec![["Date", "Type", "Client", "Moyen", "Montant", "Référence"]
        .map(str::to_owned)
        .to_vec()];
    for row in rows {
        let signed = if row.kind == "refund" {
            -row.amount
        } else {
            row.amount
        };
        lines.push(vec![
            row.received_on.format("%d/%m/%Y").to_string(),
            if row.kind == "refund" {
                "Remboursement".to_owned()
            } else {
                "Paiement".to_owned()
            },
            row.client_name.clone(),
            row.method.clone(),
            decimal(signed),
            row.reference.clone().unwrap_or_default(),
        ]);
    }
    csv_response(&format!("paiements-{from}-{to}.csv"), lines)
}
