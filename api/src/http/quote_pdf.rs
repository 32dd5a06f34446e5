//! `GET /api/v1/quotes/{id}.pdf`: a quote's PDF for its workshop (another workshop's id is
//! not found, like any unknown one).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use domain::client::Address;
use domain::quote::lifecycle::PricedContent;
use projections::tenant;
use uuid::Uuid;

use crate::app::AppState;
use crate::pdf::{quote_pdf, QuoteDocument};
use crate::{auth, ApiError};

const READERS: &[domain::Role] = &[
    domain::Role::Owner,
    domain::Role::Admin,
    domain::Role::Operator,
    domain::Role::Accounting,
];

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "QUOTE_NOT_FOUND",
        "ce devis n'existe pas",
    )
}

pub async fn quote_pdf_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let authentication = auth::authenticate(&state.pool, &state.keys, authorization).await;
    let actor = *authentication.actor()?;
    actor.require(READERS)?;
    let quote_id = file
        .strip_suffix(".pdf")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(not_found)?;
    let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
    let quote = projections::quote::find(&mut *tx, actor.workspace_id, quote_id)
        .await?
        .ok_or_else(not_found)?;
    let client = projections::client::find(&mut *tx, actor.workspace_id, quote.client_id).await?;
    let workshop = projections::workspace::find(&mut *tx, actor.workspace_id).await?;
    tx.commit().await?;
    let content: PricedContent = serde_json::from_value(quote.content.clone())
        .map_err(|error| ApiError::internal(error.to_string()))?;
    let (client_name, client_lines) = match &client {
        Some(client) => {
            let mut lines = Vec::new();
            if let Some(address) = client
                .billing_address
                .clone()
                .and_then(|value| serde_json::from_value::<Address>(value).ok())
            {
                lines.push(address.line1);
                lines.extend(address.line2);
                lines.push(format!("{} {}", address.postcode, address.city));
            }
            lines.extend(client.email.clone());
            (client.display_name.clone(), lines)
        }
        None => ("Client effacé".to_owned(), vec![]),
    };
    let workshop_name = workshop.map(|row| row.name).unwrap_or_default();
    let (number, version, created_at) = (quote.number.clone(), quote.version, quote.created_at);
    // Rendering is CPU work: off the async workers.
    let bytes = tokio::task::spawn_blocking(move || {
        quote_pdf(&QuoteDocument {
            workshop: &workshop_name,
            number: &number,
            version,
            created_at,
            client_name: &client_name,
            client_lines,
            content: &content,
        })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|error| ApiError::internal(error.to_string()))?;
    let disposition = format!("inline; filename=\"{}.pdf\"", quote.number);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
