//! Sending and signing a quote (spec §14), with the PDFs each step freezes. Sending draws
//! and stores the exact PDF the client receives and reads; signing checks the signature
//! image, commits the signature and draws the signed copy from the very inputs of the sent
//! PDF with the image and the signature's time stamp. A quote's PDF as it stands is then only
//! read: a draft drawn live, a sent quote its stored PDF, an accepted one its stored signed
//! copy. Every stored PDF is named in the log by its SHA-256 (ADR 0006).

use domain::quote::lifecycle::{
    aggregate_local_id, QuoteCommand, QuoteError, QuoteEvent, Signature, Signer, Status,
};
use domain::{DomainError, ErrorKind};
use sqlx::PgPool;
use uuid::Uuid;

use crate::context::{self, QuoteFacts, SignedBy};
use crate::documents::image_check::{self, drawable_from, ImageCheckError, Upload};
use crate::documents::quote_pdf::{quote_pdf, QuoteDocument, SignatureStamp};
use crate::quote_document::{self, DocumentKind, StoredDocument};
use crate::{CommandError, CommandMeta, CommandReceipt, Commands};

#[derive(Debug, thiserror::Error)]
pub enum QuoteSendingError {
    #[error("ce devis n'existe pas")]
    NotFound,
    #[error(transparent)]
    Image(#[from] ImageCheckError),
    #[error(transparent)]
    Quote(#[from] CommandError<QuoteError>),
    /// A PDF could not be drawn: a fault, never the caller's.
    #[error("quote PDF not drawn: {0}")]
    Drawing(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DomainError for QuoteSendingError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "QUOTE_NOT_FOUND",
            Self::Image(error) => error.code(),
            Self::Quote(error) => error.code(),
            Self::Drawing(_) | Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound => ErrorKind::NotFound,
            Self::Image(error) => error.kind(),
            Self::Quote(error) => error.kind(),
            Self::Drawing(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }
}

fn drawing(error: impl std::fmt::Display) -> QuoteSendingError {
    QuoteSendingError::Drawing(error.to_string())
}

async fn facts(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<QuoteFacts, QuoteSendingError> {
    context::quote(pool, workspace_id, quote_id)
        .await?
        .ok_or(QuoteSendingError::NotFound)
}

/// Sends the quote: freezes the PDF of its current version, then records the sending.
/// Sending again is harmless: the quote names the PDF it was sent with.
pub async fn send(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
) -> Result<CommandReceipt, QuoteSendingError> {
    let quote = facts(pool, meta.workspace_id, quote_id).await?;
    let pdf_sha256 = match (quote.status, quote.sent_pdf_sha256.clone()) {
        (Status::Draft, _) | (_, None) => {
            freeze_for_sending(pool, meta.workspace_id, &quote).await?
        }
        (_, Some(sent)) => sent,
    };
    Ok(commands
        .quotes
        .execute(
            meta,
            &aggregate_local_id(quote_id),
            QuoteCommand::Send { pdf_sha256 },
        )
        .await?)
}

/// A signature as the signer gives it.
pub struct SignatureRequest {
    pub signer: Signer,
    /// The version shown to the signer.
    pub version: u32,
    /// The digest of the PDF shown.
    pub pdf_sha256: String,
    pub terms_accepted: bool,
    /// PNG or JPEG in base64 (or a `data:image/…;base64,` URL).
    pub image: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Signs the quote, which accepts it, and stores its signed copy before returning: the
/// signer is shown a copy that already exists, and reading it later writes nothing.
pub async fn sign(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    request: SignatureRequest,
) -> Result<CommandReceipt, QuoteSendingError> {
    let workspace_id = meta.workspace_id;
    // Checked before anything is written.
    let image = image_check::from_base64(&request.image, Upload::Signature).await?;
    let (image_sha256, fresh) =
        quote_document::store_image(pool, workspace_id, image.content_type, &image.bytes).await?;
    let signature = Signature {
        signer: request.signer,
        version: request.version,
        pdf_sha256: request.pdf_sha256.trim().to_ascii_lowercase(),
        image_sha256: image_sha256.clone(),
        ip: request.ip,
        user_agent: request.user_agent,
        terms_accepted: request.terms_accepted,
    };
    let decided = commands
        .quotes
        .execute_returning(
            meta,
            &aggregate_local_id(quote_id),
            QuoteCommand::Sign { signature },
        )
        .await;
    let (receipt, events) = match decided {
        Ok(decided) => decided,
        Err(error) => {
            // A refused command leaves nothing behind.
            if fresh {
                quote_document::forget_image(pool, workspace_id, &image_sha256).await?;
            }
            return Err(error.into());
        }
    };
    let signed = events.into_iter().find_map(|event| match event {
        QuoteEvent::Signed {
            signature,
            signed_at,
        } => Some(context::SignatureFacts {
            signed_by: match signature.signer {
                Signer::Client { .. } => SignedBy::Client,
                Signer::StaffOnBehalf { .. } => SignedBy::StaffOnBehalf,
            },
            signed_at,
            pdf_sha256: signature.pdf_sha256,
            image_sha256: signature.image_sha256,
        }),
        _ => None,
    });
    if let Some(signed) = signed {
        // The signature is committed whatever happens here: a copy that fails to draw now
        // is drawn at its first reading instead (see `signed_copy`), so the error is logged,
        // not returned as if the signature had failed.
        if let Err(error) = draw_signed_copy(
            pool,
            workspace_id,
            quote_id,
            request.version,
            &signed,
            image.bytes,
        )
        .await
        {
            tracing::error!(%quote_id, %error, "signed copy not stored at signing");
        }
    }
    Ok(receipt)
}

/// The PDF of the quote as it stands: `(bytes, SHA-256)`. A draft is drawn live (nothing is
/// stored); a sent quote is the frozen PDF sent; an accepted one its signed copy.
pub async fn shown_pdf(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<(Vec<u8>, String), QuoteSendingError> {
    let quote = facts(pool, workspace_id, quote_id).await?;
    if quote.status == Status::Accepted {
        if let Some(signed) = signed_copy(pool, workspace_id, &quote).await? {
            return Ok((signed.pdf, signed.sha256));
        }
    }
    if quote.status != Status::Draft {
        if let Some(sha256) = &quote.sent_pdf_sha256 {
            if let Some(sent) = stored_pdf(pool, workspace_id, quote_id, sha256).await? {
                return Ok((sent.pdf, sent.sha256));
            }
        }
    }
    let document = live_document(pool, workspace_id, &quote).await?;
    let pdf = render(pool, workspace_id, document, None).await?;
    let sha256 = domain::digest::sha256_hex(&pdf);
    Ok((pdf, sha256))
}

/// Any stored PDF of the quote by its digest (the auditor's exact bytes).
pub async fn stored_pdf(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
    sha256: &str,
) -> Result<Option<StoredDocument>, QuoteSendingError> {
    let mut tx = crate::scoped(pool, workspace_id).await?;
    let document = quote_document::find(&mut *tx, workspace_id, quote_id, sha256).await?;
    tx.commit().await?;
    Ok(document)
}

/// What the quote's PDF shows today: the workshop, the client's file, the current version.
async fn live_document(
    pool: &PgPool,
    workspace_id: Uuid,
    quote: &QuoteFacts,
) -> Result<QuoteDocument, QuoteSendingError> {
    let mut tx = crate::scoped(pool, workspace_id).await?;
    let client = context::client(&mut *tx, workspace_id, quote.client_id).await?;
    let workshop = context::workshop_name(&mut *tx, workspace_id).await?;
    let template = context::quote_template(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    let (client_name, client_lines) = match client {
        Some(client) => {
            let mut lines = Vec::new();
            if let Some(address) = client.billing_address {
                lines.push(address.line1);
                lines.extend(address.line2);
                lines.push(format!("{} {}", address.postcode, address.city));
            }
            lines.extend(client.email);
            (client.name, lines)
        }
        None => ("Client effacé".to_owned(), vec![]),
    };
    Ok(QuoteDocument {
        workshop: workshop.unwrap_or_default(),
        number: quote.number.clone(),
        version: quote.version as i32,
        created_at: quote.created_at,
        client_name,
        client_lines,
        content: quote.content.clone(),
        template,
    })
}

/// Draws off the async workers (rendering is CPU work), with the template's logo.
async fn render(
    pool: &PgPool,
    workspace_id: Uuid,
    document: QuoteDocument,
    stamp: Option<SignatureStamp>,
) -> Result<Vec<u8>, QuoteSendingError> {
    let logo = match &document.template.header.logo_sha256 {
        Some(sha256) => {
            let mut tx = crate::scoped(pool, workspace_id).await?;
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
    .map_err(drawing)?
    .map_err(drawing)
}

/// Draws and stores the PDF the client will receive for the current version; its digest
/// goes in `QuoteSent`.
async fn freeze_for_sending(
    pool: &PgPool,
    workspace_id: Uuid,
    quote: &QuoteFacts,
) -> Result<String, QuoteSendingError> {
    let document = live_document(pool, workspace_id, quote).await?;
    let inputs = serde_json::to_value(&document).map_err(drawing)?;
    let pdf = render(pool, workspace_id, document, None).await?;
    Ok(quote_document::store(
        pool,
        workspace_id,
        quote.quote_id,
        quote.version,
        DocumentKind::Sent,
        &inputs,
        &pdf,
    )
    .await?)
}

/// The signed copy of the accepted version as stored at signing. A quote signed before
/// signing stored it, or whose drawing failed once its signature was committed, has none:
/// it is drawn now, once, from the sent PDF's inputs, the journal entry and the stored
/// image, stored, and from then on read like any other.
async fn signed_copy(
    pool: &PgPool,
    workspace_id: Uuid,
    quote: &QuoteFacts,
) -> Result<Option<StoredDocument>, QuoteSendingError> {
    let mut tx = crate::scoped(pool, workspace_id).await?;
    let existing =
        quote_document::find_signed(&mut *tx, workspace_id, quote.quote_id, quote.version).await?;
    tx.commit().await?;
    if existing.is_some() {
        return Ok(existing);
    }
    let mut tx = crate::scoped(pool, workspace_id).await?;
    let signature =
        context::signature(&mut *tx, workspace_id, quote.quote_id, quote.version).await?;
    tx.commit().await?;
    let Some(signature) = signature else {
        return Ok(None);
    };
    let mut tx = crate::scoped(pool, workspace_id).await?;
    let image = quote_document::find_image(&mut *tx, workspace_id, &signature.image_sha256).await?;
    tx.commit().await?;
    let Some((_, image)) = image else {
        return Ok(None);
    };
    draw_signed_copy(
        pool,
        workspace_id,
        quote.quote_id,
        quote.version,
        &signature,
        image,
    )
    .await
}

/// Draws the sent PDF of `version` again with the signature block, and stores it. `None`
/// when the sent PDF the signature names is not stored (a quote sent before PDFs were).
async fn draw_signed_copy(
    pool: &PgPool,
    workspace_id: Uuid,
    quote_id: Uuid,
    version: u32,
    signature: &context::SignatureFacts,
    image: Vec<u8>,
) -> Result<Option<StoredDocument>, QuoteSendingError> {
    let Some(sent) = stored_pdf(pool, workspace_id, quote_id, &signature.pdf_sha256).await? else {
        return Ok(None);
    };
    let document: QuoteDocument = serde_json::from_value(sent.inputs.clone()).map_err(drawing)?;
    let signed_by = match signature.signed_by {
        SignedBy::Client => format!("le client ({})", document.client_name),
        SignedBy::StaffOnBehalf => format!(
            "l'atelier pour le client ({}), d'après sa signature manuscrite numérisée",
            document.client_name
        ),
    };
    let stamp = SignatureStamp {
        image: drawable_from(&image).map_err(drawing)?,
        signed_at: signature.signed_at,
        signed_by,
        pdf_sha256: signature.pdf_sha256.clone(),
    };
    let pdf = render(pool, workspace_id, document, Some(stamp)).await?;
    let sha256 = quote_document::store(
        pool,
        workspace_id,
        quote_id,
        version,
        DocumentKind::Signed,
        &sent.inputs,
        &pdf,
    )
    .await?;
    Ok(Some(StoredDocument {
        sha256,
        quote_id,
        version: version as i32,
        kind: "signed".to_owned(),
        inputs: sent.inputs,
        pdf,
    }))
}
