//! The catalogue: each plan's and add-on's prices, the plan that first includes each
//! feature, the trial's length. One aggregate in the platform stream, changed by the
//! editor. A change of price or of features is announced: it applies to each workshop from
//! its first period starting on or after `applies_from`, at least [`NOTICE_DAYS`] after the
//! announcement (the workshops are told by email), so nobody's price changes silently.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::entitlements::Flag;
use super::{AddOn, Feature};
use crate::limits::{self, OutOfBounds};
use crate::workspace::Plan;
use crate::{DomainError, ErrorKind, Stamped};

/// Local id of the catalogue in the platform stream.
pub const AGGREGATE_LOCAL_ID: &str = "catalogue";

/// The least notice of a change of price or features (a contract's usual term).
pub const NOTICE_DAYS: i64 = 30;

/// What a workshop tries when it signs up, unless the editor set otherwise (spec §7.1).
pub const DEFAULT_TRIAL_DAYS: u32 = 30;

/// What has a price: a plan or an add-on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Priced {
    Plan(Plan),
    AddOn(AddOn),
}

impl Priced {
    /// Its key in read models: `plan:pro`, `add_on:jantes`.
    pub fn key(self) -> String {
        match self {
            Self::Plan(plan) => format!("plan:{}", plan.as_str()),
            Self::AddOn(add_on) => format!("add_on:{}", add_on.as_str()),
        }
    }

    pub fn parse_key(key: &str) -> Option<Self> {
        let (kind, name) = key.split_once(':')?;
        match kind {
            "plan" => Plan::parse(name).map(Self::Plan),
            "add_on" => AddOn::ALL
                .into_iter()
                .find(|add_on| add_on.as_str() == name)
                .map(Self::AddOn),
            _ => None,
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::Plan(plan) => format!("formule {}", plan.label()),
            Self::AddOn(add_on) => add_on.label().to_owned(),
        }
    }
}

/// Prices before VAT (HT), in euros; VAT is added on each invoice at the French rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Prices {
    pub monthly_ht: Decimal,
    pub yearly_ht: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PriceEntry {
    pub item: Priced,
    pub prices: Prices,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FeatureEntry {
    pub feature: Feature,
    /// The lowest plan that includes it; higher plans include what lower ones do.
    pub plan: Plan,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CatalogueCommand {
    /// The spec's catalogue (§7.1), once; later seeds change nothing.
    Seed,
    ChangePrice {
        item: Priced,
        prices: Prices,
        /// Absent: as early as the notice allows.
        applies_from: Option<NaiveDate>,
    },
    MoveFeature {
        feature: Feature,
        to: Plan,
        applies_from: Option<NaiveDate>,
    },
    /// For workshops that sign up from now on.
    SetTrialLength { days: u32 },
    /// Opens `feature` to `percent` % of the workshops whose plan has it (a progressive
    /// rollout; 100 for all). Immediate: an operational switch, not a contract term.
    SetRollout { feature: Feature, percent: u8 },
    /// Switches `feature` off for every workshop at once (or back on), whatever the plans.
    SetKillSwitch { feature: Feature, killed: bool },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CatalogueEvent {
    Seeded {
        prices: Vec<PriceEntry>,
        features: Vec<FeatureEntry>,
        trial_days: u32,
        seeded_at: DateTime<Utc>,
    },
    PriceChanged {
        item: Priced,
        /// `None` for an item the catalogue had no price for (an add-on added later).
        before: Option<Prices>,
        after: Prices,
        announced_at: DateTime<Utc>,
        applies_from: NaiveDate,
    },
    FeatureMoved {
        feature: Feature,
        /// `None` for a feature the catalogue did not have (added later).
        from: Option<Plan>,
        to: Plan,
        announced_at: DateTime<Utc>,
        applies_from: NaiveDate,
    },
    TrialLengthSet {
        before: u32,
        after: u32,
        set_at: DateTime<Utc>,
    },
    RolloutSet {
        feature: Feature,
        before: u8,
        after: u8,
        set_at: DateTime<Utc>,
    },
    KillSwitchSet {
        feature: Feature,
        killed: bool,
        set_at: DateTime<Utc>,
    },
}

impl CatalogueEvent {
    pub const SEEDED: &'static str = "CatalogueSeeded";
    pub const PRICE_CHANGED: &'static str = "CataloguePriceChanged";
    pub const FEATURE_MOVED: &'static str = "CatalogueFeatureMoved";
    pub const TRIAL_LENGTH_SET: &'static str = "CatalogueTrialLengthSet";
    pub const ROLLOUT_SET: &'static str = "CatalogueRolloutSet";
    pub const KILL_SWITCH_SET: &'static str = "CatalogueKillSwitchSet";
    pub const ALL: [&'static str; 6] = [
        Self::SEEDED,
        Self::PRICE_CHANGED,
        Self::FEATURE_MOVED,
        Self::TRIAL_LENGTH_SET,
        Self::ROLLOUT_SET,
        Self::KILL_SWITCH_SET,
    ];
}

impl DomainEvent for CatalogueEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Seeded { .. } => Self::SEEDED,
            Self::PriceChanged { .. } => Self::PRICE_CHANGED,
            Self::FeatureMoved { .. } => Self::FEATURE_MOVED,
            Self::TrialLengthSet { .. } => Self::TRIAL_LENGTH_SET,
            Self::RolloutSet { .. } => Self::ROLLOUT_SET,
            Self::KillSwitchSet { .. } => Self::KILL_SWITCH_SET,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("le catalogue des formules n'est pas encore en place")]
    NotSeeded,
    #[error("le prix annuel ({yearly} € HT) dépasse douze mois au prix mensuel ({twelve} € HT)")]
    YearlyAboveTwelveMonths { yearly: String, twelve: String },
    #[error("un prix se donne au centime près")]
    PriceBelowCent,
    #[error(
        "un changement de prix ou de fonctionnalités s'annonce au moins {NOTICE_DAYS} jours \
         à l'avance : au plus tôt le {earliest}"
    )]
    NoticeTooShort { earliest: String },
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for CatalogueError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotSeeded => "CATALOGUE_NOT_SEEDED",
            Self::YearlyAboveTwelveMonths { .. } => "YEARLY_PRICE_ABOVE_TWELVE_MONTHS",
            Self::PriceBelowCent => "PRICE_BELOW_CENT",
            Self::NoticeTooShort { .. } => "PRICE_CHANGE_NOTICE_TOO_SHORT",
            Self::Bound(bound) => bound.code,
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotSeeded => ErrorKind::Conflict,
            _ => ErrorKind::Validation,
        }
    }
}

/// The catalogue as last announced (what the next change is compared with).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanCatalogue {
    seeded: bool,
    prices: BTreeMap<Priced, Prices>,
    features: BTreeMap<Feature, Plan>,
    trial_days: u32,
    flags: BTreeMap<Feature, Flag>,
}

/// The spec's catalogue (§7.1): Lite is the core, Pro adds reporting, integrations, the
/// Jantes module and the smart stock. The spec gives no prices: these are the editor's
/// starting point, changed through [`CatalogueCommand::ChangePrice`].
pub fn seed() -> (Vec<PriceEntry>, Vec<FeatureEntry>) {
    let price = |item, monthly: i64, yearly: i64| PriceEntry {
        item,
        prices: Prices {
            monthly_ht: Decimal::from(monthly),
            yearly_ht: Decimal::from(yearly),
        },
    };
    let prices = vec![
        price(Priced::Plan(Plan::Lite), 49, 490),
        price(Priced::Plan(Plan::Pro), 99, 990),
        price(Priced::AddOn(AddOn::Jantes), 19, 190),
        price(Priced::AddOn(AddOn::Reporting), 15, 150),
        price(Priced::AddOn(AddOn::Integrations), 19, 190),
        price(Priced::AddOn(AddOn::ExtraStorage), 9, 90),
    ];
    let features = Feature::ALL
        .into_iter()
        .map(|feature| FeatureEntry {
            feature,
            plan: match feature {
                Feature::Quotes
                | Feature::Projects
                | Feature::Clients
                | Feature::PowderStock
                | Feature::OvenBatches
                | Feature::Invoicing => Plan::Lite,
                _ => Plan::Pro,
            },
        })
        .collect();
    (prices, features)
}

/// The earliest day a change announced at `now` may apply from (Paris).
pub fn earliest_application(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::days(NOTICE_DAYS))
        .with_timezone(&Paris)
        .date_naive()
}

impl PlanCatalogue {
    /// Pure: same state and command, same events.
    pub fn decide(
        &self,
        command: Stamped<CatalogueCommand>,
    ) -> Result<Vec<CatalogueEvent>, CatalogueError> {
        let now = command.now;
        if !self.seeded && command.body != CatalogueCommand::Seed {
            return Err(CatalogueError::NotSeeded);
        }
        match command.body {
            CatalogueCommand::Seed if self.seeded => Ok(vec![]),
            CatalogueCommand::Seed => {
                let (prices, features) = seed();
                Ok(vec![CatalogueEvent::Seeded {
                    prices,
                    features,
                    trial_days: DEFAULT_TRIAL_DAYS,
                    seeded_at: now,
                }])
            }
            CatalogueCommand::ChangePrice {
                item,
                prices,
                applies_from,
            } => {
                let prices = check_prices(prices)?;
                let before = self.prices.get(&item).copied();
                if before == Some(prices) {
                    return Ok(vec![]);
                }
                Ok(vec![CatalogueEvent::PriceChanged {
                    item,
                    before,
                    after: prices,
                    announced_at: now,
                    applies_from: application(now, applies_from)?,
                }])
            }
            CatalogueCommand::MoveFeature {
                feature,
                to,
                applies_from,
            } => {
                let from = self.features.get(&feature).copied();
                if from == Some(to) {
                    return Ok(vec![]);
                }
                Ok(vec![CatalogueEvent::FeatureMoved {
                    feature,
                    from,
                    to,
                    announced_at: now,
                    applies_from: application(now, applies_from)?,
                }])
            }
            CatalogueCommand::SetTrialLength { days } => {
                limits::platform::TRIAL_DAYS.check_integer(days)?;
                if days == self.trial_days {
                    return Ok(vec![]);
                }
                Ok(vec![CatalogueEvent::TrialLengthSet {
                    before: self.trial_days,
                    after: days,
                    set_at: now,
                }])
            }
            CatalogueCommand::SetRollout { feature, percent } => {
                limits::platform::ROLLOUT_PERCENT.check_integer(percent)?;
                let before = self.flag(feature).percent;
                if before == percent {
                    return Ok(vec![]);
                }
                Ok(vec![CatalogueEvent::RolloutSet {
                    feature,
                    before,
                    after: percent,
                    set_at: now,
                }])
            }
            CatalogueCommand::SetKillSwitch { feature, killed } => {
                if self.flag(feature).killed == killed {
                    return Ok(vec![]);
                }
                Ok(vec![CatalogueEvent::KillSwitchSet {
                    feature,
                    killed,
                    set_at: now,
                }])
            }
        }
    }

    fn flag(&self, feature: Feature) -> Flag {
        self.flags.get(&feature).copied().unwrap_or_default()
    }

    pub fn trial_days(&self) -> u32 {
        self.trial_days
    }
}

fn check_prices(prices: Prices) -> Result<Prices, CatalogueError> {
    let monthly = limits::platform::MONTHLY_PRICE.check(prices.monthly_ht)?;
    let yearly = limits::platform::YEARLY_PRICE.check(prices.yearly_ht)?;
    if monthly.normalize().scale() > 2 || yearly.normalize().scale() > 2 {
        return Err(CatalogueError::PriceBelowCent);
    }
    let twelve = monthly * Decimal::from(12);
    if yearly > twelve {
        return Err(CatalogueError::YearlyAboveTwelveMonths {
            yearly: limits::french_number(yearly),
            twelve: limits::french_number(twelve),
        });
    }
    Ok(Prices {
        monthly_ht: monthly.normalize(),
        yearly_ht: yearly.normalize(),
    })
}

fn application(
    now: DateTime<Utc>,
    applies_from: Option<NaiveDate>,
) -> Result<NaiveDate, CatalogueError> {
    let earliest = earliest_application(now);
    match applies_from {
        None => Ok(earliest),
        Some(day) if day < earliest => Err(CatalogueError::NoticeTooShort {
            earliest: earliest.format("%d/%m/%Y").to_string(),
        }),
        Some(day) => {
            let today = now.with_timezone(&Paris).date_naive();
            Ok(limits::platform::APPLIES_FROM.check(day, today)?)
        }
    }
}

impl Aggregate for PlanCatalogue {
    const TYPE: &'static str = "plan_catalogue";
    type Command = Stamped<CatalogueCommand>;
    type Event = CatalogueEvent;
    type Error = CatalogueError;
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
            CatalogueEvent::Seeded {
                prices,
                features,
                trial_days,
                ..
            } => {
                self.seeded = true;
                self.prices = prices.into_iter().map(|e| (e.item, e.prices)).collect();
                self.features = features.into_iter().map(|e| (e.feature, e.plan)).collect();
                self.trial_days = trial_days;
            }
            CatalogueEvent::PriceChanged { item, after, .. } => {
                self.prices.insert(item, after);
            }
            CatalogueEvent::FeatureMoved { feature, to, .. } => {
                self.features.insert(feature, to);
            }
            CatalogueEvent::TrialLengthSet { after, .. } => self.trial_days = after,
            CatalogueEvent::RolloutSet { feature, after, .. } => {
                self.flags.entry(feature).or_default().percent = after;
            }
            CatalogueEvent::KillSwitchSet {
                feature, killed, ..
            } => {
                self.flags.entry(feature).or_default().killed = killed;
            }
        }
    }
}

#[cfg(test)]
mod tests;
