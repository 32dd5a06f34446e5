//! The files of a quote's signature (spec §14): the exact PDF sent, its signed copy and the
//! signature images, kept byte for byte beside the log and addressed by the SHA-256 the log
//! records. Content addressing makes every store idempotent and never overwrites: a PDF
//! stored by a send that then failed is simply never named by an event.

use domain::digest::sha256_hex;
use sqlx::PgExecutor;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// The PDF sent to the client: what it reads and signs.
    Sent,
    /// The sent PDF with the signature image and its time stamp.
    Signed,
}

impl DocumentKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Signed => "signed",
        }
    }
}

/// A stored PDF and what it was drawn from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredDocument {
    pub sha256: String,
    pub quote_id: Uuid,
    pub version: i32,
    pub kind: String,
    pub inputs: serde_json::Value,
    pub pdf: Vec<u8>,
}

/// Stores `pdf` for the quote's `version`; returns its digest.
pub async fn store(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
    version: u32,
    kind: DocumentKind,
    inputs: &serde_json::Value,
    pdf: &[u8],
) -> Result<String, sqlx::Error> {
    let sha256 = sha256_hex(pdf);
    sqlx::query(
        "insert into quote_document (workspace_id, sha256, quote_id, version, kind, inputs, pdf)
         values (thermogestion_scope($1), $2, $3, $4, $5, $6, $7)
         on conflict do nothing",
    )
    .bind(workspace_id)
    .bind(&sha256)
    .bind(quote_id)
    .bind(version as i32)
    .bind(kind.as_str())
    .bind(inputs)
    .bind(pdf)
    .execute(executor)
    .await?;
    Ok(sha256)
}

/// The document of this quote with this digest.
pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
    sha256: &str,
) -> Result<Option<StoredDocument>, sqlx::Error> {
    sqlx::query_as(
        "select sha256, quote_id, version, kind, inputs, pdf from quote_document
         where workspace_id = $1 and quote_id = $2 and sha256 = $3",
    )
    .bind(workspace_id)
    .bind(quote_id)
    .bind(sha256.to_ascii_lowercase())
    .fetch_optional(executor)
    .await
}

/// The signed copy of a version, once drawn.
pub async fn find_signed(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
    version: u32,
) -> Result<Option<StoredDocument>, sqlx::Error> {
    sqlx::query_as(
        "select sha256, quote_id, version, kind, inputs, pdf from quote_document
         where workspace_id = $1 and quote_id = $2 and version = $3 and kind = 'signed'
         order by created_at limit 1",
    )
    .bind(workspace_id)
    .bind(quote_id)
    .bind(version as i32)
    .fetch_optional(executor)
    .await
}

/// Stores a signature image (already checked) before the signature that names it; returns
/// its digest and whether this call stored it (then [`forget_image`] undoes it if the
/// signature is refused).
pub async fn store_image(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    content_type: &str,
    image: &[u8],
) -> Result<(String, bool), sqlx::Error> {
    let sha256 = sha256_hex(image);
    let stored = sqlx::query(
        "insert into signature_image (workspace_id, sha256, content_type, image)
         values (thermogestion_scope($1), $2, $3, $4) on conflict do nothing",
    )
    .bind(workspace_id)
    .bind(&sha256)
    .bind(content_type)
    .bind(image)
    .execute(executor)
    .await?
    .rows_affected()
        == 1;
    Ok((sha256, stored))
}

/// Removes an image stored for a signature the quote refused: a refused command leaves
/// nothing behind.
pub async fn forget_image(
    pool: &sqlx::PgPool,
    workspace_id: Uuid,
    sha256: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = crate::scoped(pool, workspace_id).await?;
    sqlx::query("delete from signature_image where workspace_id = $1 and sha256 = $2")
        .bind(workspace_id)
        .bind(sha256)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Stores a logo for the quote templates (already checked); returns its digest.
pub async fn store_logo(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    content_type: &str,
    image: &[u8],
) -> Result<String, sqlx::Error> {
    let sha256 = sha256_hex(image);
    sqlx::query(
        "insert into template_logo (workspace_id, sha256, content_type, image)
         values (thermogestion_scope($1), $2, $3, $4) on conflict do nothing",
    )
    .bind(workspace_id)
    .bind(&sha256)
    .bind(content_type)
    .bind(image)
    .execute(executor)
    .await?;
    Ok(sha256)
}

/// A logo of this workshop by its digest.
pub async fn find_logo(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    sha256: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("select image from template_logo where workspace_id = $1 and sha256 = $2")
        .bind(workspace_id)
        .bind(sha256.to_ascii_lowercase())
        .fetch_optional(executor)
        .await
}

/// A signature image by its digest: `(content type, bytes)`.
pub async fn find_image(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    sha256: &str,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "select content_type, image from signature_image where workspace_id = $1 and sha256 = $2",
    )
    .bind(workspace_id)
    .bind(sha256)
    .fetch_optional(executor)
    .await
}
