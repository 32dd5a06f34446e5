//! An issued invoice's files (its PDF, its Factur-X PDF, its CII and UBL XML), drawn once
//! right after the issue is committed and kept byte for byte beside the log (ADR 0006).
//! French law wants an invoice archived in its original form: downloads and the Pennylane
//! push serve these bytes, checked against their SHA-256, never a new drawing, so a later
//! change of code or settings cannot alter an issued invoice.

use domain::digest::sha256_hex;
use sqlx::PgPool;
use uuid::Uuid;

use crate::documents::invoice_pdf::{invoice_files, InvoiceFilesError, IssuedInvoice};

/// One file of an issued invoice, by the name its download has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceFile {
    Pdf,
    /// The PDF with its CII embedded (PDF/A-3).
    FacturxPdf,
    /// The CII (UN/CEFACT), profile EN 16931.
    FacturxXml,
    /// UBL 2.1.
    UblXml,
}

impl InvoiceFile {
    pub const ALL: [Self; 4] = [Self::Pdf, Self::FacturxPdf, Self::FacturxXml, Self::UblXml];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|file| file.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Pdf => "invoice.pdf",
            Self::FacturxPdf => "facturx.pdf",
            Self::FacturxXml => "facturx.xml",
            Self::UblXml => "ubl.xml",
        }
    }
}

/// A file as stored, with the digest recorded when it was.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredInvoiceFile {
    pub sha256: String,
    pub content: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum InvoiceDocumentError {
    #[error("invoice {0}: its document does not read as an invoice")]
    Unreadable(Uuid),
    #[error("invoice {invoice_id}: {file} no longer matches its SHA-256")]
    Altered {
        invoice_id: Uuid,
        file: &'static str,
    },
    #[error("invoice {invoice_id}: {file} missing after it was stored")]
    Missing {
        invoice_id: Uuid,
        file: &'static str,
    },
    #[error("invoice files not drawn: {0}")]
    Drawing(#[from] InvoiceFilesError),
    #[error("invoice drawing interrupted: {0}")]
    Interrupted(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Draws every file of `issued` off the async threads and stores them. A file already
/// stored is kept, never overwritten: of two first drawings at once, the one that stores
/// first wins (both insert in the same order, so the loser keeps none of its own).
pub async fn draw_and_store(
    pool: &PgPool,
    workspace_id: Uuid,
    issued: IssuedInvoice,
) -> Result<(), InvoiceDocumentError> {
    let invoice_id = issued.invoice.invoice_id;
    let files = tokio::task::spawn_blocking(move || invoice_files(&issued))
        .await
        .map_err(|error| InvoiceDocumentError::Interrupted(error.to_string()))??;
    let mut tx = crate::scoped(pool, workspace_id).await?;
    for (file, content) in [
        (InvoiceFile::Pdf, &files.pdf[..]),
        (InvoiceFile::FacturxPdf, &files.facturx_pdf[..]),
        (InvoiceFile::FacturxXml, files.cii.as_bytes()),
        (InvoiceFile::UblXml, files.ubl.as_bytes()),
    ] {
        sqlx::query(
            "insert into invoice_document (workspace_id, invoice_id, file, sha256, content)
             values ($1, $2, $3, $4, $5) on conflict do nothing",
        )
        .bind(workspace_id)
        .bind(invoice_id)
        .bind(file.name())
        .bind(sha256_hex(content))
        .bind(content)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The file as stored, if it is.
pub async fn find(
    pool: &PgPool,
    workspace_id: Uuid,
    invoice_id: Uuid,
    file: InvoiceFile,
) -> Result<Option<StoredInvoiceFile>, InvoiceDocumentError> {
    let mut tx = crate::scoped(pool, workspace_id).await?;
    let stored: Option<StoredInvoiceFile> = sqlx::query_as(
        "select sha256, content from invoice_document
         where workspace_id = $1 and invoice_id = $2 and file = $3",
    )
    .bind(workspace_id)
    .bind(invoice_id)
    .bind(file.name())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    match stored {
        Some(stored) if sha256_hex(&stored.content) != stored.sha256 => {
            Err(InvoiceDocumentError::Altered {
                invoice_id,
                file: file.name(),
            })
        }
        stored => Ok(stored),
    }
}

/// The file of an issued invoice as stored at its issue. An invoice issued before migration
/// 0033, or whose drawing failed once its issue was committed, has none: it is drawn now,
/// once, from `issued` (its document as the log holds it), stored, and from then on served
/// as stored like any other.
pub async fn issued_file(
    pool: &PgPool,
    workspace_id: Uuid,
    invoice_id: Uuid,
    file: InvoiceFile,
    issued: impl FnOnce() -> Option<IssuedInvoice>,
) -> Result<StoredInvoiceFile, InvoiceDocumentError> {
    if let Some(stored) = find(pool, workspace_id, invoice_id, file).await? {
        return Ok(stored);
    }
    let issued = issued().ok_or(InvoiceDocumentError::Unreadable(invoice_id))?;
    draw_and_store(pool, workspace_id, issued).await?;
    find(pool, workspace_id, invoice_id, file)
        .await?
        .ok_or(InvoiceDocumentError::Missing {
            invoice_id,
            file: file.name(),
        })
}
