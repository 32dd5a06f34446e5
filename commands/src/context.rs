//! What the write side reads of the read models before it decides, and the only module of
//! `commands` that reads them. Each function returns typed facts (domain enums and values,
//! never a row's strings), so a decision cannot drift with a column's spelling, and a
//! newcomer finds here every read a command leans on. The aggregates decide again on the
//! log wherever it matters: these reads give early, precise refusals and the inputs the log
//! does not hold (a client's file, the workshop's template).

use chrono::{DateTime, Utc};
use domain::client::Address;
use domain::powder::catalogue::Format;
use domain::quote::lifecycle::{PricedContent, Status};
use domain::quote::template::TemplateConfig;
use rust_decimal::Decimal;
use sqlx::PgExecutor;
use uuid::Uuid;

/// A quote as the read model holds it.
#[derive(Debug, Clone)]
pub struct QuoteFacts {
    pub quote_id: Uuid,
    pub number: String,
    pub version: u32,
    pub status: Status,
    pub client_id: Uuid,
    pub content: PricedContent,
    pub created_at: DateTime<Utc>,
    /// The exact PDF the client received for the current version.
    pub sent_pdf_sha256: Option<String>,
}

/// A value the read model holds that does not read as its type: a fault, never a refusal.
fn unreadable(what: &str, cause: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("{what} illisible : {cause}").into())
}

fn status(stored: &str) -> Result<Status, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|error| unreadable("statut de devis", error))
}

pub async fn quote(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<Option<QuoteFacts>, sqlx::Error> {
    let Some(row) = projections::quote::find(executor, workspace_id, quote_id).await? else {
        return Ok(None);
    };
    Ok(Some(QuoteFacts {
        status: status(&row.status)?,
        content: serde_json::from_value(row.content)
            .map_err(|error| unreadable("contenu de devis", error))?,
        quote_id: row.quote_id,
        number: row.number,
        version: u32::try_from(row.version).map_err(|error| unreadable("version", error))?,
        client_id: row.client_id,
        created_at: row.created_at,
        sent_pdf_sha256: row.sent_pdf_sha256,
    }))
}

/// A client's file as documents and invoices show it.
#[derive(Debug, Clone)]
pub struct ClientFacts {
    pub client_id: Uuid,
    pub name: String,
    pub professional: bool,
    pub siret: Option<String>,
    pub vat_number: Option<String>,
    /// A billing address that no longer reads is left out, as if none were given.
    pub billing_address: Option<Address>,
    pub email: Option<String>,
}

pub async fn client(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Option<ClientFacts>, sqlx::Error> {
    let row = projections::client::find(executor, workspace_id, client_id).await?;
    Ok(row.map(|row| ClientFacts {
        client_id,
        billing_address: row
            .billing_address
            .and_then(|value| serde_json::from_value(value).ok()),
        name: row.display_name,
        professional: row.kind == "professional",
        siret: row.siret,
        vat_number: row.vat_number,
        email: row.email,
    }))
}

/// The workshop's name, as its documents are headed.
pub async fn workshop_name(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    Ok(projections::workspace::find(executor, workspace_id)
        .await?
        .map(|row| row.name))
}

/// The quote template the workshop draws its quotes with today.
pub async fn quote_template(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<TemplateConfig, sqlx::Error> {
    Ok(projections::quote::template(executor, workspace_id)
        .await?
        .config())
}

/// Who signed a quote, as the signed copy names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedBy {
    Client,
    StaffOnBehalf,
}

/// A version's signature, from the journal.
#[derive(Debug, Clone)]
pub struct SignatureFacts {
    pub signed_by: SignedBy,
    pub signed_at: DateTime<Utc>,
    pub pdf_sha256: String,
    pub image_sha256: String,
}

/// The signature of `version` of the quote, if the journal has it.
pub async fn signature(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
    version: u32,
) -> Result<Option<SignatureFacts>, sqlx::Error> {
    // One signature per version: the last few entries hold the current version's.
    let journal =
        projections::quote::signatures(executor, workspace_id, Some(quote_id), None, 10).await?;
    Ok(journal
        .into_iter()
        .find(|row| i64::from(row.version) == i64::from(version))
        .map(|row| SignatureFacts {
            signed_by: match row.signer.as_str() {
                "client" => SignedBy::Client,
                _ => SignedBy::StaffOnBehalf,
            },
            signed_at: row.signed_at,
            pdf_sha256: row.pdf_sha256,
            image_sha256: row.image_sha256,
        }))
}

/// A powder of the catalogue, as stock movements need it.
#[derive(Debug, Clone)]
pub struct PowderFacts {
    pub powder_key: String,
    /// Its carton formats with their tares (none when they no longer read).
    pub formats: Vec<Format>,
    pub archived: bool,
}

pub async fn powder(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_key: &str,
) -> Result<Option<PowderFacts>, sqlx::Error> {
    let row = projections::powder::find(executor, workspace_id, powder_key).await?;
    Ok(row.map(|row| PowderFacts {
        formats: serde_json::from_value(row.formats).unwrap_or_default(),
        archived: row.archived_at.is_some(),
        powder_key: row.powder_key,
    }))
}

/// Receptions minus consumptions since the last weighing, as the stock read model counts
/// them (where that figure comes from is the stock projection's).
pub async fn theoretical_stock(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_key: &str,
) -> Result<Decimal, sqlx::Error> {
    projections::powder_stock::theoretical(executor, workspace_id, powder_key).await
}
