//! A quote's PDFs as the API serves them (spec §14): a draft is drawn live; sending freezes
//! the exact PDF the client receives and reads; signing adds the signed copy, drawn from the
//! very inputs of the sent PDF with the signature image and its time stamp. Every stored
//! PDF is named in the log by its SHA-256.

use commands::quote_document::{self, DocumentKind, StoredDocument};
use domain::client::Address;
use domain::quote::lifecycle::PricedContent;
use projections::quote::QuoteRow;
use projections::tenant;
use uuid::Uuid;

use crate::auth::Actor;
use crate::permissions::Operation;
use crate::ApiError;
use commands::documents::image_check::drawable_from;
use commands::documents::quote_pdf::{quote_pdf, QuoteDocument, SignatureStamp};
use sqlx::PgPool;

pub fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "QUOTE_NOT_FOUND",
        "ce devis n'existe pas",
    )
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(error.to_string())
}

/// The quote as `actor` may see it: staff see their workshop's quotes, a client in its
/// portal only its own; anything else is not found, like an unknown id.
pub async fn visible_quote(
    pool: &PgPool,
    actor: &Actor,
    quote_id: Uuid,
) -> Result<QuoteRow, ApiError> {
    let mut tx = tenant::begin(pool, actor.workspace_id).await?;
    let quote = projections::quote::find(&mut *tx, actor.workspace_id, quote_id)
        .await?
        .ok_or_else(not_found)?;
    // A client reads only what was sent to it: a draft (a revision included) is not found.
    let visible = if actor.role == domain::Role::Client {
        quote.status != "draft"
            && projections::client::of_portal_account(
                &mut *tx,
                actor.workspace_id,
                actor.account_id,
            )
            .await?
            .contains(&quote.client_id)
    } else {
        // Staff: those the table lets read a quote, the client aside.
        Operation::Quote.allows(actor.role)
    };
    tx.commit().await?;
    if !visible {
        return Err(if actor.role == domain::Role::Client {
            not_found()
        } else {
            ApiError::new(
                domain::ErrorKind::Forbidden,
                "ROLE_NOT_ALLOWED",
                "votre rôle ne permet pas cette action",
            )
        });
    }
    Ok(quote)
}

/// What the quote's PDF shows today: the workshop, the client's file, the current version.
pub async fn live_document(
    pool: &PgPool,
    workspace_id: Uuid,
    quote: &QuoteRow,
) -> Result<QuoteDocument, ApiError> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let client = projections::client::find(&mut *tx, workspace_id, quote.client_id).await?;
    let workshop = projections::workspace::find(&mut *tx, workspace_id).await?;
    let template = projections::quote::template(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    let content: PricedContent = serde_json::from_value(quote.content.clone()).map_err(internal)?;
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
    Ok(QuoteDocument {
        workshop: workshop.map(|row| row.name).unwrap_or_default(),
        number: quote.number.clone(),
        version: quote.version,
        created_at: quote.created_at,
        client_name,
        client_lines,
        content,
        template: template.config(),
    })
}

/// Draws off the async workers (rendering is CPU work), with the template's logo.
pub async fn render(
    pool: &PgPool,
    workspace_id: Uuid,
    document: QuoteDocument,
    stamp: Option<SignatureStamp>,
) -> Result<Vec<u8>, ApiError> {
    let logo = match &document.template.header.logo_sha256 {
        Some(sha256) => {
            let mut tx = tenant::begin(pool, workspace_id).await?;
            let logo = quote_document::find_logo(&mut *tx, workspace_id, sha256).await?;
            tx.commit().await?;
            logo
        }
        None => None,
    };
    tokio::task::spawn_blocking(move || {
        // A logo is checked when uploaded; one that no longer reads is left out.
        let logo = logo.and_then(|bytes| drawable_from(&bytes).ok());
        quote_pdf(&document, logo.as_ref(), stamp.as_ref())
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

/// Draws and stores the PDF the client will receive for the current version; its digest
/// goes in `QuoteSent`.
pub async fn freeze_for_sending(
    pool: &PgPool,
    workspace_id: Uuid,
    quote: &QuoteRow,
) -> Result<String, ApiError> {
    let document = live_document(pool, workspace_id, quote).await?;
    let inputs = serde_json::to_value(&document).map_err(internal)?;
    let pdf = render(pool, workspace_id, document, None).await?;
    Ok(quote_document::store(
        pool,
        workspace_id,
        quote.quote_id,
        quote.version as u32,
        DocumentKind::Sent,
        &inputs,
        &pdf,
    )
    .await?)
}

async fn stored(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
    sha256: &str,
) -> Result<Option<StoredDocument>, ApiError> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let document = quote_document::find(&mut *tx, workspace_id, quote_id, sha256).await?;
    tx.commit().await?;
    Ok(document)
}

/// The PDF of the quote as it stands: `(bytes, SHA-256)`. A draft is drawn live; a sent
/// quote is the frozen PDF sent; an accepted one its signed copy.
pub async fn current_pdf(
    pool: &PgPool,
    workspace_id: Uuid,
    quote: &QuoteRow,
) -> Result<(Vec<u8>, String), ApiError> {
    if quote.status == "accepted" {
        if let Some(signed) = signed_copy(pool, workspace_id, quote).await? {
            return Ok((signed.pdf, signed.sha256));
        }
    }
    if quote.status != "draft" {
        if let Some(sha256) = &quote.sent_pdf_sha256 {
            if let Some(sent) = stored(pool, workspace_id, quote.quote_id, sha256).await? {
                return Ok((sent.pdf, sent.sha256));
            }
        }
    }
    let document = live_document(pool, workspace_id, quote).await?;
    let pdf = render(pool, workspace_id, document, None).await?;
    let sha256 = domain::digest::sha256_hex(&pdf);
    Ok((pdf, sha256))
}

/// Any stored PDF of the quote by its digest (the auditor's exact bytes).
pub async fn document(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
    sha256: &str,
) -> Result<Option<StoredDocument>, ApiError> {
    stored(pool, workspace_id, quote_id, sha256).await
}

/// The signed copy of the accepted version: stored, or drawn now from the sent PDF's inputs,
/// the journal entry and the image (a crash right after signing loses nothing).
pub async fn signed_copy(
    pool: &PgPool,
    workspace_id: Uuid,
    quote: &QuoteRow,
) -> Result<Option<StoredDocument>, ApiError> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let existing =
        quote_document::find_signed(&mut *tx, workspace_id, quote.quote_id, quote.version as u32)
            .await?;
    let journal =
        projections::quote::signatures(&mut *tx, workspace_id, Some(quote.quote_id), None, 10)
            .await?;
    tx.commit().await?;
    if existing.is_some() {
        return Ok(existing);
    }
    let Some(signature) = journal.into_iter().find(|row| row.version == quote.version) else {
        return Ok(None);
    };
    let Some(sent) = stored(pool, workspace_id, quote.quote_id, &signature.pdf_sha256).await?
    else {
        return Ok(None);
    };
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let image = quote_document::find_image(&mut *tx, workspace_id, &signature.image_sha256).await?;
    tx.commit().await?;
    let Some((_, image)) = image else {
        return Ok(None);
    };
    let document: QuoteDocument = serde_json::from_value(sent.inputs.clone()).map_err(internal)?;
    let drawn = drawable_from(&image).map_err(internal)?;
    let signed_by = match signature.signer.as_str() {
        "client" => format!("le client ({})", document.client_name),
        _ => format!(
            "l'atelier pour le client ({}), d'après sa signature manuscrite numérisée",
            document.client_name
        ),
    };
    let stamp = SignatureStamp {
        image: drawn,
        signed_at: signature.signed_at,
        signed_by,
        pdf_sha256: signature.pdf_sha256.clone(),
    };
    let pdf = render(pool, workspace_id, document, Some(stamp)).await?;
    let sha256 = quote_document::store(
        pool,
        workspace_id,
        quote.quote_id,
        quote.version as u32,
        DocumentKind::Signed,
        &sent.inputs,
        &pdf,
    )
    .await?;
    Ok(Some(StoredDocument {
        sha256,
        quote_id: quote.quote_id,
        version: quote.version,
        kind: "signed".to_owned(),
        inputs: sent.inputs,
        pdf,
    }))
}
