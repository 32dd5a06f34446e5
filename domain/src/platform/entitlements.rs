//! Whether a workshop may use a feature now: the one function every feature asks
//! (`api::permissions` names each operation's feature). It weighs the workshop's standing
//! (trying, subscribed, read-only), the catalogue's terms for its period (which plan first
//! includes the feature), its add-ons, and the platform's switches (a progressive rollout,
//! a kill switch).

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AddOn, Feature};
use crate::workspace::{Plan, TRIAL_PLAN};
use crate::{DomainError, ErrorKind};

/// Where a workshop stands with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Trying the trial plan until `ends_at`; read-only afterwards until it subscribes.
    Trial { ends_at: DateTime<Utc> },
    /// Paying for `plan` and `add_ons`.
    Subscribed { plan: Plan, add_ons: AddOns },
}

/// A set of add-ons, small enough to travel with every request's caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddOns(u8);

impl AddOns {
    pub fn contains(self, add_on: AddOn) -> bool {
        self.0 & bit(add_on) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = AddOn> {
        AddOn::ALL
            .into_iter()
            .filter(move |add_on| self.contains(*add_on))
    }
}

impl FromIterator<AddOn> for AddOns {
    fn from_iter<I: IntoIterator<Item = AddOn>>(add_ons: I) -> Self {
        Self(add_ons.into_iter().fold(0, |set, add_on| set | bit(add_on)))
    }
}

fn bit(add_on: AddOn) -> u8 {
    1 << AddOn::ALL.iter().position(|a| *a == add_on).unwrap_or(0)
}

/// A feature's switches, the same for every plan. The default: open to all, not killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// Share of workshops (by a stable draw on their id) that have it.
    pub percent: u8,
    pub killed: bool,
}

impl Default for Flag {
    fn default() -> Self {
        Self {
            percent: 100,
            killed: false,
        }
    }
}

/// What a call is, as far as entitlements go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Reading, exporting: allowed whatever the standing (a workshop never loses its data).
    Read,
    /// A staff member writing: needs a live trial or a subscription.
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EntitlementError {
    #[error(
        "« {} » fait partie de la formule {} : changez de formule{} pour l'utiliser",
        .feature.label(),
        .plan.label(),
        .add_on.map(|add_on| format!(" ou ajoutez l'{}", add_on.label())).unwrap_or_default()
    )]
    PlanFeatureMissing {
        feature: Feature,
        plan: Plan,
        add_on: Option<AddOn>,
    },
    #[error(
        "l'essai gratuit est terminé depuis le {} : choisissez une formule pour continuer \
         (vos données restent consultables et exportables)",
        .ended.with_timezone(&Paris).format("%d/%m/%Y")
    )]
    SubscriptionRequired { ended: DateTime<Utc> },
    #[error("« {} » est momentanément indisponible ; réessayez plus tard", .feature.label())]
    FeatureSwitchedOff { feature: Feature },
    #[error("« {} » arrive progressivement et n'est pas encore ouvert à votre atelier", .feature.label())]
    FeatureNotYetOpen { feature: Feature },
}

impl DomainError for EntitlementError {
    fn code(&self) -> &'static str {
        match self {
            Self::PlanFeatureMissing { .. } => "PLAN_FEATURE_MISSING",
            Self::SubscriptionRequired { .. } => "SUBSCRIPTION_REQUIRED",
            Self::FeatureSwitchedOff { .. } => "FEATURE_SWITCHED_OFF",
            Self::FeatureNotYetOpen { .. } => "FEATURE_NOT_YET_OPEN",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Forbidden
    }
}

/// The catalogue's terms a workshop's period runs under: the lowest plan that includes
/// each feature (`None`: sold by no plan, refused to all but its add-on's holders), and
/// each feature's switches. Indexed by [`Feature::index`]; small and `Copy`, it travels
/// with the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    plans: [Option<Plan>; Feature::ALL.len()],
    flags: [Flag; Feature::ALL.len()],
}

impl Default for Terms {
    fn default() -> Self {
        Self {
            plans: [None; Feature::ALL.len()],
            flags: [Flag::default(); Feature::ALL.len()],
        }
    }
}

impl Terms {
    pub fn plan_of(&self, feature: Feature) -> Option<Plan> {
        self.plans[feature.index()]
    }

    pub fn set_plan(&mut self, feature: Feature, plan: Option<Plan>) {
        self.plans[feature.index()] = plan;
    }

    pub fn flag(&self, feature: Feature) -> Flag {
        self.flags[feature.index()]
    }

    pub fn set_flag(&mut self, feature: Feature, flag: Flag) {
        self.flags[feature.index()] = flag;
    }
}

/// Whether `workspace_id`, standing as it does at `now`, may make `call` on `feature`
/// (`None`: an operation no plan sells, such as its own settings or members).
pub fn check(
    workspace_id: Uuid,
    standing: Standing,
    terms: &Terms,
    feature: Option<Feature>,
    call: Call,
    now: DateTime<Utc>,
) -> Result<(), EntitlementError> {
    let (plan, add_ons) = match standing {
        Standing::Trial { ends_at } if now >= ends_at => {
            if call == Call::Write {
                return Err(EntitlementError::SubscriptionRequired { ended: ends_at });
            }
            // Read-only: its data stays readable, whatever it was made with.
            return Ok(());
        }
        Standing::Trial { .. } => (TRIAL_PLAN, AddOns::default()),
        Standing::Subscribed { plan, add_ons } => (plan, add_ons),
    };
    let Some(feature) = feature else {
        return Ok(());
    };
    let flag = terms.flag(feature);
    if flag.killed {
        return Err(EntitlementError::FeatureSwitchedOff { feature });
    }
    if draw(workspace_id) >= flag.percent {
        return Err(EntitlementError::FeatureNotYetOpen { feature });
    }
    let covered_by_add_on = add_ons
        .iter()
        .any(|add_on| add_on.features().contains(&feature));
    match terms.plan_of(feature) {
        Some(needed) if plan >= needed || covered_by_add_on => Ok(()),
        Some(needed) => Err(EntitlementError::PlanFeatureMissing {
            feature,
            plan: needed,
            add_on: AddOn::ALL
                .into_iter()
                .find(|add_on| add_on.features().contains(&feature)),
        }),
        None if covered_by_add_on => Ok(()),
        None => Err(EntitlementError::FeatureSwitchedOff { feature }),
    }
}

/// A workshop's stable place in a rollout, 0 to 99: the same workshop is always in or out
/// of a given percentage, and raising the percentage only adds workshops.
pub fn draw(workspace_id: Uuid) -> u8 {
    // Workshop ids are v7: their last 62 bits are random, so these bytes are uniform.
    let bytes = workspace_id.as_bytes();
    let tail = u32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    (tail % 100) as u8
}
