//! `GET /api/v1/quotes/{id}.pdf`: a quote's PDF as it stands (live draft, the PDF sent, or
//! its signed copy, both stored when sending and signing froze them), for its workshop and for the client in its portal; the
//! `x-content-sha256` header gives the digest a signature must name.
//! `GET /api/v1/quotes/{id}/documents/{sha256}.pdf`: any stored PDF of the quote, byte for
//! byte (auditors, disputes). Another workshop's ids are not found, like unknown ones.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::extract::Path;
use crate::app::AppState;
use crate::auth::Actor;
use crate::permissions::Operation;
use crate::quote_access::{self, not_found};
use crate::ApiError;

fn pdf_response(filename: &str, sha256: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}.pdf\""),
            ),
            (
                header::HeaderName::from_static("x-content-sha256"),
                sha256.to_owned(),
            ),
        ],
        pdf,
    )
        .into_response()
}

pub async fn quote_pdf_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::QuotePdf)?;
    let quote_id = file
        .strip_suffix(".pdf")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(not_found)?;
    let quote = quote_access::visible_quote(&state.pool, &actor, quote_id).await?;
    let (pdf, sha256) =
        commands::quote_sending::shown_pdf(&state.pool, actor.workspace_id, quote_id).await?;
    Ok(pdf_response(&quote.number, &sha256, pdf))
}

pub async fn stored_document(
    State(state): State<AppState>,
    Path((quote_id, file)): Path<(String, String)>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::QuoteDocument)?;
    let quote_id = Uuid::parse_str(&quote_id).map_err(|_| not_found())?;
    let sha256 = file.strip_suffix(".pdf").ok_or_else(not_found)?;
    let quote = quote_access::visible_quote(&state.pool, &actor, quote_id).await?;
    let document =
        commands::quote_sending::stored_pdf(&state.pool, actor.workspace_id, quote_id, sha256)
            .await?
            .ok_or_else(not_found)?;
    let filename = format!("{}-v{}-{}", quote.number, document.version, document.kind);
    Ok(pdf_response(&filename, &document.sha256, document.pdf))
}
