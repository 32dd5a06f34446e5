//! Stock movements of a catalogue powder (spec §5.7): receptions in kg or in cartons of a
//! catalogue format, consumptions by hand, weighings of a carton. What the commands need
//! and the log does not hold (the carton's tare, whether the powder is archived, the
//! theoretical stock) is read here; the net weight and the gap are the aggregate's.

use chrono::{NaiveDate, Utc};
use domain::powder::catalogue::PowderError;
use domain::powder::movement::{
    aggregate_local_id, ConsumptionSource, Lot, MovementCommand, MovementError, MovementEvent,
};
use domain::{DomainError, ErrorKind};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::context::{self, PowderFacts};
use crate::{CommandError, CommandMeta, CommandReceipt, Commands};

#[derive(Debug, thiserror::Error)]
pub enum PowderStockError {
    #[error("cette poudre n'existe pas")]
    PowderNotFound,
    /// Receptions and weighings need a powder of the catalogue.
    #[error(transparent)]
    Archived(PowderError),
    #[error("pas de format de {0} kg pour cette poudre")]
    FormatUnknown(Decimal),
    #[error("donnez la quantité en kg, ou un nombre de cartons et leur format (pas les deux)")]
    QuantityInvalid,
    #[error(transparent)]
    Overflow(domain::limits::OutOfBounds),
    #[error(transparent)]
    Movement(#[from] CommandError<MovementError>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DomainError for PowderStockError {
    fn code(&self) -> &'static str {
        match self {
            Self::PowderNotFound => "POWDER_NOT_FOUND",
            Self::Archived(error) => error.code(),
            Self::FormatUnknown(_) => "POWDER_FORMAT_UNKNOWN",
            Self::QuantityInvalid => "RECEPTION_QUANTITY_INVALID",
            Self::Overflow(error) => error.code(),
            Self::Movement(error) => error.code(),
            Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::PowderNotFound => ErrorKind::NotFound,
            Self::Archived(error) => error.kind(),
            Self::FormatUnknown(_) | Self::QuantityInvalid => ErrorKind::Validation,
            Self::Overflow(error) => error.kind(),
            Self::Movement(error) => error.kind(),
            Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// The catalogue powder `powder_id` names. An archived one may still be consumed (a project
/// started before the archive finishes with it), never received nor weighed.
async fn powder(
    pool: &PgPool,
    workspace_id: Uuid,
    powder_id: &str,
    archived_ok: bool,
) -> Result<PowderFacts, PowderStockError> {
    let powder = context::powder(pool, workspace_id, powder_id)
        .await?
        .ok_or(PowderStockError::PowderNotFound)?;
    if powder.archived && !archived_ok {
        return Err(PowderStockError::Archived(PowderError::Archived));
    }
    Ok(powder)
}

/// The tare of one of the powder's carton formats.
fn tare(powder: &PowderFacts, format_kg: Decimal) -> Result<Decimal, PowderStockError> {
    powder
        .formats
        .iter()
        .find(|format| format.kg == format_kg)
        .map(|format| format.tare_kg)
        .ok_or(PowderStockError::FormatUnknown(format_kg))
}

async fn record(
    commands: &Commands,
    meta: &CommandMeta,
    powder_key: &str,
    command: MovementCommand,
) -> Result<(CommandReceipt, Vec<MovementEvent>), PowderStockError> {
    let local_id = aggregate_local_id(powder_key, Utc::now());
    Ok(commands
        .powder_movements
        .execute_returning(meta, &local_id, command)
        .await?)
}

/// A reception as the form gives it: kg, or cartons of a catalogue format; the lot number
/// and use-by date when the cartons carry them.
pub struct Reception {
    pub kg: Option<Decimal>,
    pub cartons: Option<u32>,
    pub format_kg: Option<Decimal>,
    pub lot: Option<String>,
    pub expires_on: Option<NaiveDate>,
}

pub async fn receive(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    powder_id: &str,
    reception: Reception,
) -> Result<CommandReceipt, PowderStockError> {
    let powder = powder(pool, meta.workspace_id, powder_id, false).await?;
    let Reception {
        kg,
        cartons,
        format_kg,
        lot,
        expires_on,
    } = reception;
    if let Some(format_kg) = format_kg {
        tare(&powder, format_kg)?;
    }
    let kg = match (kg, cartons, format_kg) {
        (Some(kg), None, _) => kg,
        // Checked: the domain bounds the product, but it must exist to be bounded.
        (None, Some(cartons), Some(format_kg)) => Decimal::from(cartons)
            .checked_mul(format_kg)
            .ok_or_else(|| {
                PowderStockError::Overflow(domain::limits::overflow("quantité reçue"))
            })?,
        _ => return Err(PowderStockError::QuantityInvalid),
    };
    let lot = (lot.is_some() || format_kg.is_some() || expires_on.is_some()).then(|| Lot {
        number: lot.unwrap_or_default(),
        format_kg,
        expires_on,
    });
    let command = MovementCommand::Receive {
        powder_key: powder.powder_key.clone(),
        kg,
        lot,
    };
    Ok(record(commands, meta, &powder.powder_key, command).await?.0)
}

/// A consumption typed by hand (a correction, a test panel).
pub async fn consume(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    powder_id: &str,
    kg: Decimal,
    note: String,
) -> Result<CommandReceipt, PowderStockError> {
    let powder = powder(pool, meta.workspace_id, powder_id, true).await?;
    let command = MovementCommand::Consume {
        powder_key: powder.powder_key.clone(),
        kg,
        source: ConsumptionSource::Manual(note),
    };
    Ok(record(commands, meta, &powder.powder_key, command).await?.0)
}

/// A weighing as the aggregate recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weighing {
    pub powder_key: String,
    pub net_kg: Decimal,
    pub theoretical_kg: Decimal,
    /// Weighed minus theoretical: negative when powder went missing.
    pub gap_kg: Decimal,
}

/// A carton on the scale: its gross weight less the tare of its format is the powder left,
/// reconciled with the theoretical stock just before.
pub async fn weigh(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    powder_id: &str,
    format_kg: Decimal,
    gross_kg: Decimal,
) -> Result<(CommandReceipt, Weighing), PowderStockError> {
    let powder = powder(pool, meta.workspace_id, powder_id, false).await?;
    let tare_kg = tare(&powder, format_kg)?;
    let theoretical_kg =
        context::theoretical_stock(pool, meta.workspace_id, &powder.powder_key).await?;
    let command = MovementCommand::Weigh {
        powder_key: powder.powder_key.clone(),
        format_kg,
        gross_kg,
        tare_kg,
        theoretical_kg,
    };
    let (receipt, events) = record(commands, meta, &powder.powder_key, command).await?;
    let weighing = events
        .into_iter()
        .find_map(|event| match event {
            MovementEvent::Weighed {
                powder_key,
                net_kg,
                theoretical_kg,
                gap_kg,
                ..
            } => Some(Weighing {
                powder_key,
                net_kg,
                theoretical_kg,
                gap_kg,
            }),
            _ => None,
        })
        // A weighing decides one `Weighed` event, or refuses.
        .ok_or_else(|| {
            PowderStockError::Database(sqlx::Error::Protocol("no weighing decided".into()))
        })?;
    Ok((receipt, weighing))
}
