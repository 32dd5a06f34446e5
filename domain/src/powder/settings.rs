//! How a workshop runs its stock (spec §5.7): the size of the daily to-weigh list, the
//! reorder horizon and whether low stock is emailed. One small aggregate per workspace, apart
//! from the workspace aggregate: stock people change it, it has its own audit lines.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::{DomainError, ErrorKind, Stamped};

pub const AGGREGATE_LOCAL_ID: &str = "stock_settings";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StockSettings {
    /// Powders on the daily to-weigh list.
    pub daily_list_size: u8,
    /// Days of consumption the stock-out forecast observes.
    pub window_days: u16,
    /// Supplier's delivery time: less stock than that is low stock.
    pub lead_time_days: u16,
    /// Days of use an order covers after delivery.
    pub cover_days: u16,
    /// Email owners and administrators when a powder becomes low.
    pub low_stock_alerts: bool,
}

impl Default for StockSettings {
    /// The spec's three powders a day; a month of observation and of cover, a week of lead
    /// time: what a powder supplier delivers in.
    fn default() -> Self {
        Self {
            daily_list_size: 3,
            window_days: 30,
            lead_time_days: 7,
            cover_days: 30,
            low_stock_alerts: true,
        }
    }
}

pub const MAX_DAILY_LIST: u8 = 20;
pub const MAX_HORIZON_DAYS: u16 = 365;

impl StockSettings {
    pub fn validate(self) -> Result<Self, StockSettingsError> {
        if !(1..=MAX_DAILY_LIST).contains(&self.daily_list_size) {
            return Err(StockSettingsError::DailyListSize {
                max: MAX_DAILY_LIST,
            });
        }
        let in_range = |days: u16, min: u16| (min..=MAX_HORIZON_DAYS).contains(&days);
        if !in_range(self.window_days, 1)
            || !in_range(self.lead_time_days, 0)
            || !in_range(self.cover_days, 1)
        {
            return Err(StockSettingsError::Horizon {
                max: MAX_HORIZON_DAYS,
            });
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockSettingsError {
    #[error("la liste du jour compte de 1 à {max} poudres")]
    DailyListSize { max: u8 },
    #[error("les durées (observation, délai fournisseur, couverture) vont jusqu'à {max} jours ; observation et couverture d'au moins 1 jour")]
    Horizon { max: u16 },
}

impl DomainError for StockSettingsError {
    fn code(&self) -> &'static str {
        match self {
            Self::DailyListSize { .. } => "STOCK_DAILY_LIST_SIZE_INVALID",
            Self::Horizon { .. } => "STOCK_HORIZON_INVALID",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StockSettingsCommand {
    Change(StockSettings),
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum StockSettingsEvent {
    Changed {
        settings: StockSettings,
        changed_at: DateTime<Utc>,
    },
}

impl StockSettingsEvent {
    pub const CHANGED: &'static str = "StockSettingsChanged";
}

impl DomainEvent for StockSettingsEvent {
    fn event_type(&self) -> String {
        Self::CHANGED.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockPolicy {
    settings: StockSettings,
}

impl StockPolicy {
    pub fn decide(
        &self,
        command: Stamped<StockSettingsCommand>,
    ) -> Result<Vec<StockSettingsEvent>, StockSettingsError> {
        let StockSettingsCommand::Change(settings) = command.body;
        let settings = settings.validate()?;
        if settings == self.settings {
            // Saving the form unchanged is no audit line.
            return Ok(vec![]);
        }
        Ok(vec![StockSettingsEvent::Changed {
            settings,
            changed_at: command.now,
        }])
    }
}

impl Aggregate for StockPolicy {
    const TYPE: &'static str = "stock_settings";
    type Command = Stamped<StockSettingsCommand>;
    type Event = StockSettingsEvent;
    type Error = StockSettingsError;
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
        let StockSettingsEvent::Changed { settings, .. } = event;
        self.settings = settings;
    }
}
