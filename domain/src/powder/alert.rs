//! Low-stock alerts (spec §5.7): a powder is alerted once when it becomes low, and may be
//! alerted again only after it recovered. The aggregate remembers which powders are alerted,
//! so a review run twice (two processes, a retry) emails nobody twice.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Stamped;

pub const AGGREGATE_LOCAL_ID: &str = "stock_alerts";

/// A powder found low by a review, as the alert email shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LowPowder {
    pub powder_key: String,
    pub reference: String,
    pub stock_kg: Decimal,
    pub days_left: u32,
    /// Suggested order, whole supplier formats.
    pub quantity_kg: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AlertCommand {
    /// Every powder low right now; the others are not.
    Review { low: Vec<LowPowder> },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum AlertEvent {
    /// Newly low powders: one email lists them.
    Raised {
        powders: Vec<LowPowder>,
        raised_at: DateTime<Utc>,
    },
    /// Alerted powders back above the threshold (a reception, a weighing).
    Cleared {
        powder_keys: Vec<String>,
        cleared_at: DateTime<Utc>,
    },
}

impl AlertEvent {
    pub const RAISED: &'static str = "LowStockAlertRaised";
    pub const CLEARED: &'static str = "LowStockAlertCleared";
}

impl DomainEvent for AlertEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Raised { .. } => Self::RAISED,
            Self::Cleared { .. } => Self::CLEARED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockAlerts {
    /// Alerted powders and when.
    alerted: BTreeMap<String, DateTime<Utc>>,
}

impl StockAlerts {
    pub fn decide(&self, command: Stamped<AlertCommand>) -> Vec<AlertEvent> {
        let now = command.now;
        let AlertCommand::Review { low } = command.body;
        let recovered: Vec<String> = self
            .alerted
            .keys()
            .filter(|key| !low.iter().any(|powder| &powder.powder_key == *key))
            .cloned()
            .collect();
        let newly_low: Vec<LowPowder> = low
            .into_iter()
            .filter(|powder| !self.alerted.contains_key(&powder.powder_key))
            .collect();
        let mut events = Vec::new();
        if !recovered.is_empty() {
            events.push(AlertEvent::Cleared {
                powder_keys: recovered,
                cleared_at: now,
            });
        }
        if !newly_low.is_empty() {
            events.push(AlertEvent::Raised {
                powders: newly_low,
                raised_at: now,
            });
        }
        events
    }
}

impl Aggregate for StockAlerts {
    const TYPE: &'static str = "stock_alerts";
    type Command = Stamped<AlertCommand>;
    type Event = AlertEvent;
    type Error = crate::Never;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command) {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            AlertEvent::Raised { powders, raised_at } => {
                for powder in powders {
                    self.alerted.insert(powder.powder_key, raised_at);
                }
            }
            AlertEvent::Cleared { powder_keys, .. } => {
                for key in powder_keys {
                    self.alerted.remove(&key);
                }
            }
        }
    }
}
