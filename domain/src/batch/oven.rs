//! The workshop's oven (spec §5.5: « l'atelier configure sa taille de four »): its inner
//! section and depth, the bar spacing, the gap parts keep, the hook, the safety margin and
//! the load it carries. One setting per workshop; packing suggestions read it.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::packing::{Oven, OvenError};
use crate::Stamped;

pub const AGGREGATE_LOCAL_ID: &str = "oven";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OvenSettings {
    #[serde(flatten)]
    pub oven: Oven,
    /// What the bars carry, kg; parts carry no weight yet, so it is shown, not checked.
    pub max_load_kg: Option<Decimal>,
}

impl Default for OvenSettings {
    /// A common batch oven: 4 m deep, 2 m wide, 2.2 m high, bars every 50 cm.
    fn default() -> Self {
        Self {
            oven: Oven {
                length_mm: 4000,
                width_mm: 2000,
                height_mm: 2200,
                bar_spacing_mm: 500,
                gap_mm: 50,
                margin_mm: 100,
                hook_mm: 60,
            },
            max_load_kg: None,
        }
    }
}

impl OvenSettings {
    pub fn validate(self) -> Result<Self, OvenError> {
        let oven = self.oven.validate()?;
        if let Some(kg) = self.max_load_kg.filter(|kg| *kg > Decimal::ZERO) {
            crate::limits::oven::MAX_LOAD_KG.check(kg)?;
        }
        let usable = |side: u32| side > 2 * oven.margin_mm + oven.hook_mm + oven.gap_mm;
        if !usable(oven.width_mm) || !usable(oven.height_mm) {
            return Err(OvenError::Dimensions);
        }
        if self.max_load_kg.is_some_and(|kg| kg <= Decimal::ZERO) {
            return Err(OvenError::Load);
        }
        Ok(Self { oven, ..self })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OvenCommand {
    Change(OvenSettings),
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum OvenEvent {
    Changed {
        settings: OvenSettings,
        changed_at: DateTime<Utc>,
    },
}

impl OvenEvent {
    pub const CHANGED: &'static str = "OvenChanged";
}

impl DomainEvent for OvenEvent {
    fn event_type(&self) -> String {
        Self::CHANGED.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct OvenConfiguration {
    settings: OvenSettings,
}

impl OvenConfiguration {
    pub fn decide(&self, command: Stamped<OvenCommand>) -> Result<Vec<OvenEvent>, OvenError> {
        let OvenCommand::Change(settings) = command.body;
        let settings = settings.validate()?;
        if settings == self.settings {
            return Ok(vec![]);
        }
        Ok(vec![OvenEvent::Changed {
            settings,
            changed_at: command.now,
        }])
    }
}

impl Aggregate for OvenConfiguration {
    const TYPE: &'static str = "oven";
    type Command = Stamped<OvenCommand>;
    type Event = OvenEvent;
    type Error = OvenError;
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
        let OvenEvent::Changed { settings, .. } = event;
        self.settings = settings;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DomainError;

    fn change(settings: OvenSettings) -> Stamped<OvenCommand> {
        Stamped {
            body: OvenCommand::Change(settings),
            now: Utc::now(),
        }
    }

    #[test]
    fn the_default_oven_is_valid_and_unchanged_settings_write_nothing() {
        let settings = OvenSettings::default().validate().unwrap();
        assert!(OvenConfiguration::default()
            .decide(change(settings))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn no_room_once_margins_and_hooks_are_kept_or_a_zero_load_are_refused() {
        let default = OvenSettings::default();
        let cramped = OvenSettings {
            oven: Oven {
                height_mm: 300,
                margin_mm: 100,
                hook_mm: 60,
                ..default.oven.clone()
            },
            ..default.clone()
        };
        let weightless = OvenSettings {
            max_load_kg: Some(Decimal::ZERO),
            ..default
        };
        for (bad, code) in [
            (cramped, "OVEN_DIMENSIONS_INVALID"),
            (weightless, "OVEN_LOAD_INVALID"),
        ] {
            let error = OvenConfiguration::default()
                .decide(change(bad))
                .unwrap_err();
            assert_eq!(error.code(), code);
        }
    }
}
