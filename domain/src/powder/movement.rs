//! Stock movements of a powder (spec §5.7): receptions, consumption by projects and batches,
//! weighings of cartons. One stream per powder and month, so no aggregate grows forever
//! (EVENT-STORE.md); running totals live in projections.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{net_weight, WeighingError};
use crate::limits::{self, OutOfBounds};
use crate::{DomainError, ErrorKind, Stamped};

/// The stream of `powder_key`'s movements in the month of `at`.
pub fn aggregate_local_id(powder_key: &str, at: DateTime<Utc>) -> String {
    format!("stock/{powder_key}/{:04}-{:02}", at.year(), at.month())
}

/// What used the powder. Projects and batches emit consumption with their own id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum ConsumptionSource {
    Project(String),
    Batch(String),
    /// A correction typed by hand (spilt powder, a test panel…).
    Manual(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MovementCommand {
    Receive {
        powder_key: String,
        kg: Decimal,
        lot: Option<Lot>,
    },
    Consume {
        powder_key: String,
        kg: Decimal,
        source: ConsumptionSource,
    },
    /// A carton on the scale. The caller gives the tare of the carton's brand and format and
    /// the theoretical stock just before, both read from the catalogue and stock read models
    /// (`commands::powder_stock`); the event carries net weight and gap as decided here.
    Weigh {
        powder_key: String,
        format_kg: Decimal,
        gross_kg: Decimal,
        tare_kg: Decimal,
        theoretical_kg: Decimal,
    },
}

/// Where received powder comes from: the supplier's lot number, the carton format, and the
/// use-by date printed on the cartons. Stock is followed per lot so the oldest is used first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Lot {
    /// Supplier's lot number; empty when the carton shows none.
    pub number: String,
    pub format_kg: Option<Decimal>,
    pub expires_on: Option<NaiveDate>,
}

/// Longest lot number kept (suppliers print 6 to 15 characters).
pub const MAX_LOT_NUMBER: usize = 40;

/// Event type strings are the contract with the log: never rename a variant, add a version.
/// Adding an optional field that older events lack (read as absent) is not a new version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum MovementEvent {
    Received {
        powder_key: String,
        kg: Decimal,
        /// Absent on receptions recorded before lots were followed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lot: Option<Lot>,
        received_at: DateTime<Utc>,
    },
    /// The event projects and batches emit when they use powder.
    Consumed {
        powder_key: String,
        kg: Decimal,
        source: ConsumptionSource,
        consumed_at: DateTime<Utc>,
    },
    /// Carries the whole reconciliation, so no projection recomputes it.
    Weighed {
        powder_key: String,
        format_kg: Decimal,
        gross_kg: Decimal,
        tare_kg: Decimal,
        net_kg: Decimal,
        theoretical_kg: Decimal,
        /// Weighed minus theoretical: negative when powder went missing.
        gap_kg: Decimal,
        weighed_at: DateTime<Utc>,
    },
}

impl MovementEvent {
    pub const RECEIVED: &'static str = "PowderReceived";
    pub const CONSUMED: &'static str = "PowderConsumed";
    pub const WEIGHED: &'static str = "PowderWeighed";
}

impl DomainEvent for MovementEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Received { .. } => Self::RECEIVED,
            Self::Consumed { .. } => Self::CONSUMED,
            Self::Weighed { .. } => Self::WEIGHED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl ConsumptionSource {
    /// A hand-typed note is bounded; project and batch ids come from us.
    fn checked(self) -> Result<Self, OutOfBounds> {
        if let Self::Manual(note) = &self {
            limits::powder::CONSUMPTION_NOTE.check(note)?;
        }
        Ok(self)
    }
}

impl Lot {
    /// Lot numbers are typed from a label: spaces and case must not make two lots of one.
    fn normalised(self, today: NaiveDate) -> Result<Self, MovementError> {
        let number = self
            .number
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        if number.chars().count() > MAX_LOT_NUMBER {
            return Err(MovementError::LotNumberTooLong {
                max: MAX_LOT_NUMBER,
            });
        }
        if self.format_kg.is_some_and(|kg| kg <= Decimal::ZERO) {
            return Err(MovementError::QuantityNotPositive);
        }
        if let Some(format_kg) = self.format_kg {
            limits::powder::FORMAT_KG.check(format_kg)?;
        }
        if let Some(expires_on) = self.expires_on {
            limits::powder::EXPIRES_ON.check(expires_on, today)?;
        }
        Ok(Self { number, ..self })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MovementError {
    #[error("la quantité doit être positive")]
    QuantityNotPositive,
    #[error("numéro de lot trop long (au plus {max} caractères)")]
    LotNumberTooLong { max: usize },
    #[error(transparent)]
    Weighing(#[from] WeighingError),
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for MovementError {
    fn code(&self) -> &'static str {
        match self {
            Self::QuantityNotPositive => "QUANTITY_NOT_POSITIVE",
            Self::LotNumberTooLong { .. } => "LOT_NUMBER_TOO_LONG",
            Self::Weighing(error) => error.code(),
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// One powder's movements of one month. Facts are recorded as they come; the state only
/// counts them.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowderMovements {
    movements: u32,
}

impl PowderMovements {
    pub fn decide(
        &self,
        command: Stamped<MovementCommand>,
    ) -> Result<Vec<MovementEvent>, MovementError> {
        let now = command.now;
        let today = now.with_timezone(&Paris).date_naive();
        let positive = |kg: Decimal| {
            if kg > Decimal::ZERO {
                Ok(limits::powder::MOVEMENT_KG.check(kg)?)
            } else {
                Err(MovementError::QuantityNotPositive)
            }
        };
        Ok(vec![match command.body {
            MovementCommand::Receive {
                powder_key,
                kg,
                lot,
            } => MovementEvent::Received {
                powder_key,
                kg: positive(kg)?,
                lot: lot.map(|lot| lot.normalised(today)).transpose()?,
                received_at: now,
            },
            MovementCommand::Consume {
                powder_key,
                kg,
                source,
            } => MovementEvent::Consumed {
                source: source.checked()?,
                powder_key,
                kg: positive(kg)?,
                consumed_at: now,
            },
            MovementCommand::Weigh {
                powder_key,
                format_kg,
                gross_kg,
                tare_kg,
                theoretical_kg,
            } => {
                // What the scale shows first (negative, below the tare), then its bounds.
                let net_kg = net_weight(gross_kg, tare_kg)?;
                limits::powder::FORMAT_KG.check(format_kg)?;
                limits::powder::GROSS_KG.check(gross_kg)?;
                MovementEvent::Weighed {
                    powder_key,
                    format_kg,
                    gross_kg,
                    tare_kg,
                    net_kg,
                    theoretical_kg,
                    // The theoretical stock is a sum of bounded movements, far from overflow;
                    // checked all the same, as a refusal rather than a panic.
                    gap_kg: net_kg
                        .checked_sub(theoretical_kg)
                        .ok_or_else(|| limits::overflow("écart de pesée"))?,
                    weighed_at: now,
                }
            }
        }])
    }
}

impl Aggregate for PowderMovements {
    const TYPE: &'static str = "powder_movements";
    type Command = Stamped<MovementCommand>;
    type Event = MovementEvent;
    type Error = MovementError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, _event: Self::Event) {
        self.movements += 1;
    }
}
