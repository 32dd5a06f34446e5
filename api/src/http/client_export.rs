//! `GET /api/v1/clients.csv`: the client file in the import's own format (schemas/csv/
//! clients.md), so an export re-imports unchanged.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use commands::client_import::export_headers;
use domain::client::Address;
use projections::client::ClientRow;
use projections::views::client_file::client_file;
use serde::Deserialize;

use super::extract::Query;
use crate::app::AppState;
use crate::auth::Actor;
use crate::http::export::spreadsheet_safe;
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Deserialize)]
pub struct ExportQuery {
    /// `true` to include archived clients.
    #[serde(default)]
    archives: bool,
}

/// French numbers as people write them (a leading 0, which spreadsheets leave alone);
/// foreign ones in international form.
fn readable_phone(e164: &str) -> String {
    match e164.strip_prefix("+33") {
        Some(national) if national.len() == 9 => {
            let digits = format!("0{national}");
            digits
                .as_bytes()
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(pair).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => e164.to_owned(),
    }
}

fn record(row: &ClientRow) -> Vec<String> {
    let address = |value: &Option<serde_json::Value>| -> [String; 5] {
        match value
            .clone()
            .and_then(|value| serde_json::from_value::<Address>(value).ok())
        {
            Some(address) => [
                address.line1,
                address.line2.unwrap_or_default(),
                address.postcode,
                address.city,
                address.country,
            ],
            None => Default::default(),
        }
    };
    let [line1, line2, postcode, city, country] = address(&row.billing_address);
    let [d_line1, d_line2, d_postcode, d_city, d_country] = address(&row.delivery_address);
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    vec![
        if row.kind == "professional" {
            "professionnel".to_owned()
        } else {
            "particulier".to_owned()
        },
        text(&row.company_name),
        text(&row.siret),
        text(&row.vat_number),
        text(&row.first_name),
        text(&row.last_name),
        text(&row.email),
        row.phones
            .iter()
            .map(|phone| readable_phone(phone))
            .collect::<Vec<_>>()
            .join(" | "),
        line1,
        line2,
        postcode,
        city,
        country,
        d_line1,
        d_line2,
        d_postcode,
        d_city,
        d_country,
        row.tags.join(" | "),
        text(&row.notes),
    ]
}

pub async fn clients_csv(
    State(state): State<AppState>,
    Query(query): Query<ExportQuery>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::ClientsCsv)?;
    // French spreadsheets expect `;` and read UTF-8 only with a byte-order mark.
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    writer
        .write_record(export_headers())
        .map_err(ApiError::internal)?;
    let clients = client_file(&state.pool, actor.workspace_id, query.archives).await?;
    for row in &clients {
        writer
            .write_record(record(row).iter().map(|cell| spreadsheet_safe(cell)))
            .map_err(ApiError::internal)?;
    }
    let body = writer
        .into_inner()
        .map_err(|error| ApiError::internal(error.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"clients.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_phones_read_as_people_write_them() {
        assert_eq!(readable_phone("+33612345678"), "06 12 34 56 78");
        assert_eq!(readable_phone("+4930901820"), "+4930901820");
    }
}
