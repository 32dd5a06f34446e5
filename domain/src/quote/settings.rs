//! A workshop's quoting settings: number pattern, rates, validity, deposit.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lifecycle::Deposit;
use super::numbering::NumberPattern;
use super::pricing::Rates;
use crate::limits::{self, OutOfBounds};
use crate::{DomainError, ErrorKind, Stamped};

pub const AGGREGATE_LOCAL_ID: &str = "quote_settings";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QuoteSettings {
    pub pattern: NumberPattern,
    pub rates: Rates,
    /// Days a quote stays valid when none is given.
    pub validity_days: u16,
    pub deposit: Deposit,
    /// Days after sending when an unsigned quote is recalled to the client (J+2, J+7).
    #[serde(default = "default_reminder_days")]
    pub reminder_days: Vec<u16>,
}

fn default_reminder_days() -> Vec<u16> {
    vec![2, 7]
}

impl Default for QuoteSettings {
    /// What a French powder-coating shop commonly starts from: 45 € an hour, 30 % on powder,
    /// 20 % on labour, 30 % deposit, a month of validity.
    fn default() -> Self {
        Self {
            pattern: NumberPattern::default(),
            rates: Rates {
                hourly_rate: Decimal::from(45),
                powder_margin_pct: Decimal::from(30),
                labour_margin_pct: Decimal::from(20),
                primer_price_per_kg: Decimal::from(15),
                varnish_price_per_kg: Decimal::from(18),
            },
            validity_days: 30,
            deposit: Deposit::Percent(Decimal::from(30)),
            reminder_days: default_reminder_days(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteSettingsError {
    #[error("les taux (horaire, marges, prix au kg) ne peuvent pas être négatifs")]
    Rates,
    #[error("la validité va de 1 à 365 jours")]
    Validity,
    #[error("l'acompte est un montant positif ou un pourcentage de 0 à 100")]
    Deposit,
    #[error("au plus 3 relances, de J+1 à J+60, dans l'ordre et sans doublon")]
    Reminders,
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for QuoteSettingsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Rates => "QUOTE_RATES_INVALID",
            Self::Validity => "QUOTE_VALIDITY_INVALID",
            Self::Deposit => "QUOTE_DEPOSIT_INVALID",
            Self::Reminders => "QUOTE_REMINDERS_INVALID",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

impl QuoteSettings {
    pub fn validate(self) -> Result<Self, QuoteSettingsError> {
        let rates = [
            self.rates.hourly_rate,
            self.rates.powder_margin_pct,
            self.rates.labour_margin_pct,
            self.rates.primer_price_per_kg,
            self.rates.varnish_price_per_kg,
        ];
        if rates.iter().any(Decimal::is_sign_negative) {
            return Err(QuoteSettingsError::Rates);
        }
        self.rates.check_bounds()?;
        if !(1..=365).contains(&self.validity_days) {
            return Err(QuoteSettingsError::Validity);
        }
        let deposit_ok = match &self.deposit {
            Deposit::None => true,
            Deposit::Amount(amount) => !amount.is_sign_negative(),
            Deposit::Percent(pct) => !pct.is_sign_negative() && *pct <= Decimal::ONE_HUNDRED,
        };
        if !deposit_ok {
            return Err(QuoteSettingsError::Deposit);
        }
        if let Deposit::Amount(amount) = &self.deposit {
            limits::quote::DEPOSIT_AMOUNT.check(*amount)?;
        }
        let days = &self.reminder_days;
        if days.len() > 3
            || days.iter().any(|day| !(1..=60).contains(day))
            || days.windows(2).any(|pair| pair[0] >= pair[1])
        {
            return Err(QuoteSettingsError::Reminders);
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuoteSettingsCommand {
    Change(QuoteSettings),
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum QuoteSettingsEvent {
    Changed {
        settings: QuoteSettings,
        changed_at: DateTime<Utc>,
    },
}

impl QuoteSettingsEvent {
    pub const CHANGED: &'static str = "QuoteSettingsChanged";
}

impl DomainEvent for QuoteSettingsEvent {
    fn event_type(&self) -> String {
        Self::CHANGED.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotePolicy {
    settings: QuoteSettings,
}

impl QuotePolicy {
    pub fn decide(
        &self,
        command: Stamped<QuoteSettingsCommand>,
    ) -> Result<Vec<QuoteSettingsEvent>, QuoteSettingsError> {
        let QuoteSettingsCommand::Change(settings) = command.body;
        let settings = settings.validate()?;
        if settings == self.settings {
            return Ok(vec![]);
        }
        Ok(vec![QuoteSettingsEvent::Changed {
            settings,
            changed_at: command.now,
        }])
    }
}

impl Aggregate for QuotePolicy {
    const TYPE: &'static str = "quote_settings";
    type Command = Stamped<QuoteSettingsCommand>;
    type Event = QuoteSettingsEvent;
    type Error = QuoteSettingsError;
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
        let QuoteSettingsEvent::Changed { settings, .. } = event;
        self.settings = settings;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_steps_are_few_ordered_and_within_two_months() {
        let with = |days: Vec<u16>| QuoteSettings {
            reminder_days: days,
            ..QuoteSettings::default()
        };
        for good in [vec![], vec![2, 7], vec![1, 30, 60]] {
            assert_eq!(with(good.clone()).validate().unwrap().reminder_days, good);
        }
        for bad in [vec![0], vec![7, 2], vec![2, 2], vec![61], vec![1, 2, 3, 4]] {
            assert_eq!(
                with(bad.clone()).validate().unwrap_err(),
                QuoteSettingsError::Reminders,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn settings_saved_before_reminders_existed_get_j2_and_j7() {
        let mut saved = serde_json::to_value(QuoteSettings::default()).unwrap();
        saved.as_object_mut().unwrap().remove("reminder_days");
        let read: QuoteSettings = serde_json::from_value(saved).unwrap();
        assert_eq!(read.reminder_days, vec![2, 7]);
    }
}
