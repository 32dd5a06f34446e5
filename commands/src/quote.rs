//! Creating and changing quotes: lines are resolved against the catalogue and the client file
//! (read models), priced by the domain, and a new quote takes the next number of its year in
//! the same commit, so numbers have no gap and no duplicate.

use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use domain::quote::lifecycle::{
    self, aggregate_local_id, Content, Deposit, QuoteCommand, QuoteError,
};
use domain::quote::pricing::{Line, LinePowder, PricingError, Surface};
use domain::{DomainError, ErrorKind};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::context;
use crate::{
    AppendError, AppendReceipt, CommandError, CommandMeta, Commands, Number, NumberingError, Series,
};

/// A line as typed: the powder named by its catalogue id.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDraft {
    pub description: String,
    pub quantity: u32,
    pub surface: Surface,
    pub powder_id: Option<String>,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    pub labour_minutes: Decimal,
    pub consumables: Decimal,
    pub discount_pct: Decimal,
    pub vat_rate: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuoteDraft {
    pub client_id: Uuid,
    pub lines: Vec<LineDraft>,
    /// The workshop's validity when absent.
    pub valid_until: Option<NaiveDate>,
    /// The workshop's deposit rule when absent.
    pub deposit: Option<Deposit>,
}

#[derive(Debug, thiserror::Error)]
pub enum QuoteSaveError {
    #[error("ce client n'existe pas")]
    ClientNotFound,
    #[error("ligne {line} : cette poudre n'est pas au catalogue")]
    PowderNotFound { line: usize },
    #[error("ligne {line} : cette poudre est archivée")]
    PowderArchived { line: usize },
    #[error(transparent)]
    Quote(#[from] CommandError<QuoteError>),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DomainError for QuoteSaveError {
    fn code(&self) -> &'static str {
        match self {
            Self::ClientNotFound => "CLIENT_NOT_FOUND",
            Self::PowderNotFound { .. } => "POWDER_NOT_FOUND",
            Self::PowderArchived { .. } => "POWDER_ARCHIVED",
            Self::Quote(error) => error.code(),
            Self::Append(AppendError::Conflict) => "CONCURRENT_MODIFICATION",
            Self::Append(_) | Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::ClientNotFound => ErrorKind::NotFound,
            Self::PowderNotFound { .. } => ErrorKind::Validation,
            Self::PowderArchived { .. } => ErrorKind::Conflict,
            Self::Quote(error) => error.kind(),
            Self::Append(AppendError::Conflict) => ErrorKind::Conflict,
            Self::Append(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// The draft as the domain prices it: client checked, powders read from the catalogue,
/// the workshop's rates and defaults filled in.
async fn content(
    pool: &PgPool,
    workspace_id: Uuid,
    draft: QuoteDraft,
) -> Result<Content, QuoteSaveError> {
    active_client(pool, workspace_id, draft.client_id).await?;
    let settings = context::quote_settings(pool, workspace_id).await?;
    let lines = resolve_lines(pool, workspace_id, draft.lines).await?;
    let today = Utc::now().with_timezone(&Paris).date_naive();
    Ok(Content {
        client_id: draft.client_id,
        lines,
        rates: settings.rates,
        valid_until: draft
            .valid_until
            .unwrap_or(today + Duration::days(i64::from(settings.validity_days))),
        deposit: draft.deposit.unwrap_or(settings.deposit),
    })
}

/// A client one can quote or open a project for: known, not archived nor merged away.
pub(crate) async fn active_client(
    pool: &PgPool,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<(), QuoteSaveError> {
    let client = context::client(pool, workspace_id, client_id).await?;
    if !client.is_some_and(|client| client.is_active()) {
        return Err(QuoteSaveError::ClientNotFound);
    }
    Ok(())
}

/// Lines as typed, with their powder read from the catalogue (exact identity, price,
/// consumption, cure).
pub(crate) async fn resolve_lines(
    pool: &PgPool,
    workspace_id: Uuid,
    drafts: Vec<LineDraft>,
) -> Result<Vec<Line>, QuoteSaveError> {
    let mut lines = Vec::with_capacity(drafts.len());
    for (index, line) in drafts.into_iter().enumerate() {
        let number = index + 1;
        let powder = match &line.powder_id {
            None => None,
            Some(powder_id) => {
                let powder = context::powder(pool, workspace_id, powder_id)
                    .await?
                    .ok_or(QuoteSaveError::PowderNotFound { line: number })?;
                if powder.archived {
                    return Err(QuoteSaveError::PowderArchived { line: number });
                }
                let identity = powder
                    .identity
                    .ok_or(QuoteSaveError::PowderNotFound { line: number })?;
                Some(LinePowder {
                    identity,
                    price_per_kg: powder.price_per_kg,
                    consumption_kg_m2: powder.consumption_kg_m2,
                    cure_temperature_c: powder.cure_temperature_c,
                    cure_minutes: powder.cure_minutes,
                })
            }
        };
        lines.push(Line {
            description: line.description.trim().to_owned(),
            quantity: line.quantity,
            surface: line.surface,
            powder,
            coats: line.coats,
            primer: line.primer,
            varnish: line.varnish,
            labour_minutes: line.labour_minutes,
            consumables: line.consumables,
            discount_pct: line.discount_pct,
            vat_rate: line.vat_rate,
        });
    }
    Ok(lines)
}

fn rejected(error: impl Into<QuoteError>) -> QuoteSaveError {
    QuoteSaveError::Quote(CommandError::Rejected(error.into()))
}

impl From<NumberingError> for QuoteSaveError {
    fn from(error: NumberingError) -> Self {
        Self::Database(sqlx::Error::Protocol(error.to_string()))
    }
}

impl From<PricingError> for QuoteSaveError {
    fn from(error: PricingError) -> Self {
        rejected(error)
    }
}

/// Creates a draft quote with the next number of the year; returns its id and number.
pub async fn create(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    draft: QuoteDraft,
) -> Result<(Uuid, String, AppendReceipt), QuoteSaveError> {
    let content = content(pool, meta.workspace_id, draft).await?;
    // Refuse a bad quote before touching the counter.
    lifecycle::priced(
        content.clone(),
        Utc::now().with_timezone(&Paris).date_naive(),
    )
    .map_err(rejected)?;
    let pattern = context::quote_settings(pool, meta.workspace_id)
        .await?
        .pattern;
    let quote_id = Uuid::now_v7();
    // Another quote may take the number first: then this one takes the next.
    let (number, receipt) = commands
        .numbered(meta, Series::Quote, quote_id, |Number { sequence, now }| {
            let number = pattern.format(now, sequence);
            let content = content.clone();
            async move {
                let created = commands
                    .quotes
                    .decide(
                        meta,
                        &aggregate_local_id(quote_id),
                        QuoteCommand::Create {
                            quote_id,
                            number: number.clone(),
                            content,
                        },
                        true,
                        now,
                    )
                    .await?;
                Ok::<_, QuoteSaveError>((number, created))
            }
        })
        .await?;
    Ok((quote_id, number, receipt))
}

/// Replaces a draft's content, or makes a new version of a sent one (`revise`).
pub async fn change(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote_id: Uuid,
    draft: QuoteDraft,
    revise: bool,
) -> Result<crate::CommandReceipt, QuoteSaveError> {
    if context::quote(pool, meta.workspace_id, quote_id)
        .await?
        .is_none()
    {
        return Err(rejected(QuoteError::NotFound));
    }
    let content = content(pool, meta.workspace_id, draft).await?;
    let command = if revise {
        QuoteCommand::Revise { content }
    } else {
        QuoteCommand::Edit { content }
    };
    Ok(commands
        .quotes
        .execute(meta, &aggregate_local_id(quote_id), command)
        .await?)
}
