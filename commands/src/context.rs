//! What the write side reads of the read models before it decides, and the only module of
//! `commands` that reads them. Each function returns typed facts (domain enums and values,
//! never a row's strings), so a decision cannot drift with a column's spelling, and a
//! newcomer finds here every read a command leans on. The aggregates decide again on the
//! log wherever it matters: these reads give early, precise refusals and the inputs the log
//! does not hold (a client's file, the workshop's template).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use domain::batch::packing::Oven;
use domain::client::import::{ImportEvent, ImportSummary};
use domain::client::{Address, ClientProfile, Criterion, DuplicateMatch, MatchKey, SubjectKey};
use domain::invoice::settings::InvoiceSettings;
use domain::powder::catalogue::Format;
use domain::powder::PowderIdentity;
use domain::project::lifecycle::{Part, Priority, Status as ProjectStatus};
use domain::project::workflow::{StepKind, WorkflowSettings};
use domain::quote::lifecycle::{PricedContent, Status};
use domain::quote::settings::QuoteSettings;
use domain::quote::template::TemplateConfig;
use rust_decimal::Decimal;
use sqlx::{PgExecutor, PgPool};
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

/// The trial the platform gives a workshop signing up now (the catalogue, ADR 0014).
pub async fn trial_days(executor: impl PgExecutor<'_>) -> Result<u32, sqlx::Error> {
    projections::plan_catalogue::trial_days(executor).await
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
    pub archived: bool,
    /// The client it was merged into, if it was.
    pub merged_into: Option<Uuid>,
    /// The last revocation of its portal: links sent before it no longer open it.
    pub portal_revoked_at: Option<DateTime<Utc>>,
}

impl ClientFacts {
    fn of(row: projections::client::ClientRow) -> Self {
        Self {
            client_id: row.client_id,
            billing_address: row
                .billing_address
                .and_then(|value| serde_json::from_value(value).ok()),
            name: row.display_name,
            professional: row.kind == "professional",
            siret: row.siret,
            vat_number: row.vat_number,
            email: row.email,
            archived: row.archived_at.is_some(),
            merged_into: row.merged_into,
            portal_revoked_at: row.portal_revoked_at,
        }
    }

    /// One can quote it or open a project for it: not archived nor merged away.
    pub fn is_active(&self) -> bool {
        !self.archived && self.merged_into.is_none()
    }
}

pub async fn client(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Option<ClientFacts>, sqlx::Error> {
    let row = projections::client::find(executor, workspace_id, client_id).await?;
    Ok(row.map(ClientFacts::of))
}

/// As [`client`], read under the workspace's row-level security before anyone is signed
/// in (a portal link being opened).
pub async fn client_for_portal(
    pool: &PgPool,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Option<ClientFacts>, sqlx::Error> {
    let mut tx = projections::tenant::begin(pool, workspace_id).await?;
    let row = projections::client::find(&mut *tx, workspace_id, client_id).await?;
    tx.commit().await?;
    Ok(row.map(ClientFacts::of))
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
    /// Its exact identity; none when its kind or finish no longer reads.
    pub identity: Option<PowderIdentity>,
    /// Its carton formats with their tares (none when they no longer read).
    pub formats: Vec<Format>,
    pub price_per_kg: Decimal,
    pub consumption_kg_m2: Decimal,
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
    pub archived: bool,
}

fn word<T: serde::de::DeserializeOwned>(stored: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned())).ok()
}

pub async fn powder(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_key: &str,
) -> Result<Option<PowderFacts>, sqlx::Error> {
    let row = projections::powder::find(executor, workspace_id, powder_key).await?;
    Ok(row.map(|row| PowderFacts {
        identity: word(&row.kind)
            .zip(word(&row.finish))
            .and_then(|(kind, finish)| PowderIdentity::new(&row.reference, kind, finish)),
        formats: serde_json::from_value(row.formats).unwrap_or_default(),
        price_per_kg: row.price_per_kg,
        consumption_kg_m2: row.consumption_kg_m2,
        cure_temperature_c: u16::try_from(row.cure_temperature_c).unwrap_or(0),
        cure_minutes: u16::try_from(row.cure_minutes).unwrap_or(0),
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

/// The workshop's invoicing settings, the defaults (no seller yet) until it set them.
pub async fn invoice_settings(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<InvoiceSettings, sqlx::Error> {
    projections::invoicing::settings(executor, workspace_id).await
}

/// The workshop's quote settings: rates, validity, deposit, number pattern.
pub async fn quote_settings(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<QuoteSettings, sqlx::Error> {
    projections::quote::settings(executor, workspace_id).await
}

/// The workshop's workflow: the steps a new project follows.
pub async fn workflow(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<WorkflowSettings, sqlx::Error> {
    projections::project::workflow(executor, workspace_id).await
}

/// The workshop's oven, as batches are packed into it.
pub async fn oven(executor: impl PgExecutor<'_>, workspace_id: Uuid) -> Result<Oven, sqlx::Error> {
    Ok(projections::oven_batch::oven(executor, workspace_id)
        .await?
        .oven)
}

/// A project as a batch selection needs it.
#[derive(Debug, Clone)]
pub struct ProjectFacts {
    pub number: String,
    pub status: ProjectStatus,
    pub priority: Priority,
    pub promised_on: Option<NaiveDate>,
    /// The step the project is at; none once past its last.
    pub current_step: Option<usize>,
    /// Where its coating step is in its workflow; none without one.
    pub coating_step: Option<usize>,
    pub parts: Vec<Part>,
}

pub async fn project(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<Option<ProjectFacts>, sqlx::Error> {
    let Some(row) = projections::project::find(executor, workspace_id, project_id).await? else {
        return Ok(None);
    };
    Ok(Some(ProjectFacts {
        status: word(&row.status).ok_or_else(|| unreadable("statut de projet", &row.status))?,
        priority: word(&row.priority)
            .ok_or_else(|| unreadable("priorité de projet", &row.priority))?,
        coating_step: row
            .steps()
            .iter()
            .position(|step| step.def.kind == StepKind::Coating),
        current_step: row
            .current_index
            .and_then(|index| usize::try_from(index).ok()),
        parts: row.parts(),
        promised_on: row.promised_on,
        number: row.number,
    }))
}

/// The number of the open batch (other than `except`) holding the project's part `rank`.
pub async fn open_batch_of(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
    rank: u16,
    except: Option<Uuid>,
) -> Result<Option<String>, sqlx::Error> {
    projections::oven_batch::open_batch_of(executor, workspace_id, project_id, rank, except).await
}

/// What a shop-floor member's photo may cost the workshop's storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoUsage {
    /// Stored today, renditions included.
    pub used_bytes: i64,
    pub quota_bytes: u64,
    /// Sent by the member since `since`.
    pub sent_bytes: i64,
}

pub async fn photo_usage(
    pool: &PgPool,
    workspace_id: Uuid,
    account_id: Uuid,
    since: DateTime<Utc>,
    default_quota_bytes: u64,
) -> Result<PhotoUsage, sqlx::Error> {
    Ok(PhotoUsage {
        used_bytes: projections::project::photo_storage_bytes(pool, workspace_id).await?,
        quota_bytes: projections::project::photo_quota(pool, workspace_id, default_quota_bytes)
            .await?,
        sent_bytes: projections::project::photo_bytes_sent_since(
            pool,
            workspace_id,
            account_id,
            since,
        )
        .await?,
    })
}

/// The workshop's duplicate criteria (all of them until it chose).
pub async fn duplicate_criteria(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<BTreeSet<Criterion>, sqlx::Error> {
    projections::client::duplicate_criteria(executor, workspace_id).await
}

/// Of `keys`, those the client already holds: they are not news when it is edited.
pub async fn held_keys(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Vec<MatchKey>, sqlx::Error> {
    let held = projections::client::match_keys_of(executor, workspace_id, client_id).await?;
    Ok(held
        .into_iter()
        .filter_map(|(criterion, key)| {
            Criterion::parse(&criterion).map(|criterion| MatchKey { criterion, key })
        })
        .collect())
}

/// The clients (not merged away) sharing one of `keys`, `except` left out.
pub async fn duplicates_of(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    keys: &[MatchKey],
    except: Option<Uuid>,
) -> Result<Vec<DuplicateMatch>, sqlx::Error> {
    Ok(
        projections::client::matching(executor, workspace_id, keys, except)
            .await?
            .into_iter()
            .map(|(client_id, criterion)| DuplicateMatch {
                client_id,
                criterion,
            })
            .collect(),
    )
}

/// Who holds each of `keys`: `(key, client)`, for a whole file at once.
pub async fn holders(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    keys: &[MatchKey],
) -> Result<Vec<(MatchKey, Uuid)>, sqlx::Error> {
    projections::client::holders(executor, workspace_id, keys).await
}

/// The client's profile as its file shows it (opened with its key), for an import line to
/// complete.
pub async fn client_profile(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Option<ClientProfile>, sqlx::Error> {
    Ok(projections::client::find(executor, workspace_id, client_id)
        .await?
        .map(|row| row.profile()))
}

/// The client's data key, as the write side stored it (`crate::client_key`); an unknown or
/// erased client has none.
pub async fn client_key(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Option<SubjectKey>, sqlx::Error> {
    projections::client_key::find(executor, workspace_id, client_id).await
}

/// The summary of the confirmed import of `import_id`, if it was confirmed: read from the
/// import's own events through the typed feed, so an upcaster would cover it.
pub async fn confirmed_import(
    pool: &PgPool,
    workspace_id: Uuid,
    import_id: &str,
) -> Result<Option<ImportSummary>, sqlx::Error> {
    // The log is under row-level security: read in a transaction of the workspace.
    let mut tx = crate::scoped(pool, workspace_id).await?;
    let confirmed = projections::feed::read_stream(
        &mut *tx,
        &crate::scoped_aggregate_id(workspace_id, import_id),
        &[ImportEvent::CONFIRMED],
    )
    .await?;
    tx.commit().await?;
    Ok(confirmed
        .iter()
        .find_map(|event| match event.payload::<ImportEvent>() {
            Ok(ImportEvent::Confirmed { summary, .. }) => Some(summary),
            _ => None,
        }))
}

/// A person's membership of a workshop, as the member list holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub role: domain::Role,
    pub active: bool,
}

/// `account_id`'s membership of `workspace_id`, read under the workspace's row-level
/// security (also before anyone is signed in: an invitation link being accepted). A role
/// the member list cannot spell is an error, never a guess.
pub async fn membership(
    pool: &PgPool,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<Option<Membership>, sqlx::Error> {
    let mut tx = projections::tenant::begin(pool, workspace_id).await?;
    let row = projections::member::find(&mut *tx, workspace_id, account_id).await?;
    tx.commit().await?;
    row.map(|row| {
        let role = domain::Role::parse(&row.role).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown member role {}", row.role).into())
        })?;
        Ok(Membership {
            role,
            active: row.active,
        })
    })
    .transpose()
}
