//! `GET /api/v1/audit-log.csv`: the audit log as a spreadsheet, for auditors and accountants.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono_tz::Europe::Paris;
use domain::meta;

use super::extract::Query;
use crate::app::AppState;
use crate::audit::{self, RawFilter};
use crate::auth::Actor;
use crate::permissions::Operation;
use crate::ApiError;

/// Rows per database page while building the file.
const PAGE: i64 = 1_000;
/// A workshop's history over years fits; beyond, narrow the period.
pub const MAX_ROWS: usize = 200_000;

pub async fn audit_log_csv(
    State(state): State<AppState>,
    Query(filter): Query<RawFilter>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::AuditLogCsv)?;
    let filter = filter.parse()?;

    // French spreadsheets expect `;` and read UTF-8 only with a byte-order mark.
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    writer
        .write_record([
            "date (Europe/Paris)",
            "date_utc",
            "auteur",
            "auteur_email",
            "role",
            "ip",
            "requete",
            "type_element",
            "element",
            "evenement",
            "contenu",
            "evenement_id",
            // Last, so the columns that were there keep their places in existing sheets.
            "libelle",
        ])
        .map_err(ApiError::internal)?;
    let mut before = None;
    let mut rows = 0;
    loop {
        let lines = audit::page(&state, &actor, &filter, before, PAGE).await?;
        let Some(last) = lines.last() else { break };
        before = Some(last.entry.global_position);
        for line in &lines {
            let entry = &line.entry;
            let local = entry.recorded_at.with_timezone(&Paris);
            writer
                .write_record(
                    [
                        local.format("%d/%m/%Y %H:%M:%S").to_string(),
                        entry.recorded_at.to_rfc3339(),
                        line.actor_id().unwrap_or_default().to_owned(),
                        line.actor_email.clone().unwrap_or_default(),
                        entry.meta(meta::ACTOR_ROLE).unwrap_or_default().to_owned(),
                        entry.meta(meta::IP).unwrap_or_default().to_owned(),
                        entry.meta(meta::REQUEST_ID).unwrap_or_default().to_owned(),
                        entry.aggregate_type.clone(),
                        entry.local_aggregate_id().to_owned(),
                        entry.event_type.clone(),
                        entry.payload.to_string(),
                        entry.event_id.to_string(),
                        line.label.clone().unwrap_or_default(),
                    ]
                    .map(|cell| spreadsheet_safe(&cell)),
                )
                .map_err(ApiError::internal)?;
        }
        rows += lines.len();
        if rows > MAX_ROWS {
            // A silently cut export would mislead an auditor: refuse and say how to narrow it.
            return Err(ApiError::new(
                domain::ErrorKind::Validation,
                "EXPORT_TOO_LARGE",
                format!("plus de {MAX_ROWS} lignes : réduisez la période (paramètres from et to)"),
            ));
        }
        if (lines.len() as i64) < PAGE {
            break;
        }
    }
    let body = writer
        .into_inner()
        .map_err(|error| ApiError::internal(error.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"journal-audit.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return)
/// is prefixed with `'` (OWASP, CSV injection): every CSV export holds text typed by users
/// (emails, names, payment references, invoice labels). A plain number stays as it is: a
/// refund of `-12,50` must still add up in the accountant's sheet.
pub(crate) fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !plain_number(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// `-12,50`, `-3`, `-0.5`: digits with one optional sign and decimal separator, which no
/// spreadsheet reads as a formula.
fn plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits
        .split_once([',', '.'])
        .map_or((digits, None), |(whole, fraction)| (whole, Some(fraction)));
    let all_digits =
        |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_defused() {
        for (cell, safe) in [
            (
                "=HYPERLINK(\"http://x\")@x.fr",
                "'=HYPERLINK(\"http://x\")@x.fr",
            ),
            ("+33 6 12", "'+33 6 12"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("gerant@atelier.fr", "gerant@atelier.fr"),
            ("{\"Renamed\":{}}", "{\"Renamed\":{}}"),
            ("-12,50", "-12,50"),
            ("-3", "-3"),
            ("-1+2", "'-1+2"),
            ("-12,50,3", "'-12,50,3"),
            ("-", "'-"),
            ("\t12", "'\t12"),
        ] {
            assert_eq!(super::spreadsheet_safe(cell), safe, "{cell}");
        }
    }
}
