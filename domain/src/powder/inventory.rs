//! Partial inventories (spec §5.7): a period and a targeted list of powders to weigh during
//! it. Nothing is blocked: the weighings are the shop's ordinary weighings, and progress is
//! read from them.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::limits::{self, OutOfBounds};
use crate::{DomainError, ErrorKind, Stamped};

/// Longest inventory period: a busy season, not a year.
pub const MAX_DAYS: i64 = 92;

pub fn aggregate_local_id(inventory_id: Uuid) -> String {
    format!("inventory/{inventory_id}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InventoryCommand {
    Plan {
        inventory_id: Uuid,
        name: String,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        powder_keys: Vec<String>,
    },
    Close,
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum InventoryEvent {
    Planned {
        inventory_id: Uuid,
        name: String,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        powder_keys: Vec<String>,
        planned_at: DateTime<Utc>,
    },
    Closed {
        closed_at: DateTime<Utc>,
    },
}

impl InventoryEvent {
    pub const PLANNED: &'static str = "InventoryPlanned";
    pub const CLOSED: &'static str = "InventoryClosed";
}

impl DomainEvent for InventoryEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Planned { .. } => Self::PLANNED,
            Self::Closed { .. } => Self::CLOSED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("le nom de l'inventaire est obligatoire")]
    NameEmpty,
    #[error("la fin de l'inventaire doit suivre son début, au plus {max} jours après")]
    PeriodInvalid { max: i64 },
    #[error("la liste ciblée est vide : aucune poudre au catalogue")]
    NothingToWeigh,
    #[error("cet inventaire existe déjà")]
    AlreadyPlanned,
    #[error("cet inventaire n'existe pas")]
    NotPlanned,
    #[error("cet inventaire est déjà clos")]
    AlreadyClosed,
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for InventoryError {
    fn code(&self) -> &'static str {
        match self {
            Self::NameEmpty => "INVENTORY_NAME_EMPTY",
            Self::PeriodInvalid { .. } => "INVENTORY_PERIOD_INVALID",
            Self::NothingToWeigh => "INVENTORY_EMPTY",
            Self::AlreadyPlanned => "INVENTORY_ALREADY_PLANNED",
            Self::NotPlanned => "INVENTORY_NOT_FOUND",
            Self::AlreadyClosed => "INVENTORY_CLOSED",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NameEmpty
            | Self::PeriodInvalid { .. }
            | Self::NothingToWeigh
            | Self::Bound(_) => ErrorKind::Validation,
            Self::AlreadyPlanned | Self::AlreadyClosed => ErrorKind::Conflict,
            Self::NotPlanned => ErrorKind::NotFound,
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    planned: bool,
    closed: bool,
}

impl Inventory {
    pub fn decide(
        &self,
        command: Stamped<InventoryCommand>,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        match command.body {
            InventoryCommand::Plan {
                inventory_id,
                name,
                starts_on,
                ends_on,
                powder_keys,
            } => {
                if self.planned {
                    return Err(InventoryError::AlreadyPlanned);
                }
                let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                if name.is_empty() {
                    return Err(InventoryError::NameEmpty);
                }
                limits::inventory::NAME.check(&name)?;
                let today = command
                    .now
                    .with_timezone(&chrono_tz::Europe::Paris)
                    .date_naive();
                limits::inventory::STARTS_ON.check(starts_on, today)?;
                limits::inventory::STARTS_ON.check(ends_on, today)?;
                let days = (ends_on - starts_on).num_days();
                if !(0..=MAX_DAYS).contains(&days) {
                    return Err(InventoryError::PeriodInvalid { max: MAX_DAYS });
                }
                if powder_keys.is_empty() {
                    return Err(InventoryError::NothingToWeigh);
                }
                limits::inventory::SIZE.check_integer(powder_keys.len() as u64)?;
                Ok(vec![InventoryEvent::Planned {
                    inventory_id,
                    name,
                    starts_on,
                    ends_on,
                    powder_keys,
                    planned_at: command.now,
                }])
            }
            InventoryCommand::Close => {
                if !self.planned {
                    return Err(InventoryError::NotPlanned);
                }
                if self.closed {
                    return Err(InventoryError::AlreadyClosed);
                }
                Ok(vec![InventoryEvent::Closed {
                    closed_at: command.now,
                }])
            }
        }
    }
}

impl Aggregate for Inventory {
    const TYPE: &'static str = "inventory";
    type Command = Stamped<InventoryCommand>;
    type Event = InventoryEvent;
    type Error = InventoryError;
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

    fn apply(&mut self, event: Self::Event) {
        match event {
            InventoryEvent::Planned { .. } => self.planned = true,
            InventoryEvent::Closed { .. } => self.closed = true,
        }
    }
}
