//! What the editor's back office reads and types: the catalogue of plans and add-ons, its
//! features and switches, its history.

use async_graphql::{Enum, InputObject, OneofObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::platform::catalogue::{Priced, Prices};
use domain::platform::Feature;
use projections::plan_catalogue::{CatalogueView, ChangeRow};
use rust_decimal::Decimal;

/// Une formule.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Plan", remote = "domain::workspace::Plan")]
pub enum PlanValue {
    Lite,
    Pro,
}

/// Une option payante.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AddOn", remote = "domain::platform::AddOn")]
pub enum AddOnValue {
    Jantes,
    Reporting,
    Integrations,
    ExtraStorage,
}

/// Une fonctionnalité vendue par les formules.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Feature", remote = "domain::platform::Feature")]
pub enum FeatureValue {
    Quotes,
    Projects,
    Clients,
    PowderStock,
    OvenBatches,
    Invoicing,
    AdvancedReporting,
    Pennylane,
    EInvoicing,
    GoogleReviews,
    PaymentLinks,
    Jantes,
    SmartStock,
}

/// Ce dont on change le prix : une formule ou une option.
#[derive(OneofObject)]
pub enum PricedInput {
    Plan(PlanValue),
    AddOn(AddOnValue),
}

impl From<PricedInput> for Priced {
    fn from(input: PricedInput) -> Self {
        match input {
            PricedInput::Plan(plan) => Priced::Plan(plan.into()),
            PricedInput::AddOn(add_on) => Priced::AddOn(add_on.into()),
        }
    }
}

/// Des prix hors taxes, en euros.
#[derive(InputObject)]
pub struct PricesInput {
    pub monthly_ht: Decimal,
    pub yearly_ht: Decimal,
}

impl From<PricesInput> for Prices {
    fn from(input: PricesInput) -> Self {
        Prices {
            monthly_ht: input.monthly_ht,
            yearly_ht: input.yearly_ht,
        }
    }
}

/// Le prix d'une formule ou d'une option à partir d'un jour.
#[derive(SimpleObject)]
#[graphql(name = "Price")]
pub struct PriceNode {
    /// `plan:pro`, `add_on:jantes`.
    pub key: String,
    pub label: String,
    pub monthly_ht: Decimal,
    pub yearly_ht: Decimal,
    /// Le premier jour de la période où ce prix s'applique.
    pub applies_from: NaiveDate,
    /// Annoncé, pas encore en vigueur.
    pub announced: bool,
}

/// La formule qui inclut une fonctionnalité à partir d'un jour.
#[derive(SimpleObject)]
#[graphql(name = "FeaturePlan")]
pub struct FeaturePlanNode {
    pub feature: FeatureValue,
    pub label: String,
    pub plan: PlanValue,
    pub applies_from: NaiveDate,
    pub announced: bool,
}

/// Les interrupteurs d'une fonctionnalité.
#[derive(SimpleObject)]
#[graphql(name = "FeatureSwitch")]
pub struct FeatureSwitchNode {
    pub feature: FeatureValue,
    pub label: String,
    /// Part des ateliers qui l'ont (déploiement progressif).
    pub rollout_percent: i32,
    /// Coupée pour tous.
    pub killed: bool,
}

/// Le catalogue de la plateforme.
#[derive(SimpleObject)]
#[graphql(name = "Catalogue")]
pub struct CatalogueNode {
    /// Le jour auquel le catalogue est lu (Paris).
    pub day: NaiveDate,
    /// L'essai des ateliers qui s'inscrivent, en jours.
    pub trial_days: i32,
    pub prices: Vec<PriceNode>,
    pub features: Vec<FeaturePlanNode>,
    pub switches: Vec<FeatureSwitchNode>,
}

impl From<CatalogueView> for CatalogueNode {
    fn from(view: CatalogueView) -> Self {
        let day = view.day;
        Self {
            day,
            trial_days: i32::try_from(view.trial_days).unwrap_or(i32::MAX),
            prices: view
                .prices
                .into_iter()
                .map(|row| PriceNode {
                    key: row.item.key(),
                    label: row.item.label(),
                    monthly_ht: row.monthly_ht,
                    yearly_ht: row.yearly_ht,
                    applies_from: row.applies_from,
                    announced: row.applies_from > day,
                })
                .collect(),
            features: view
                .features
                .into_iter()
                .map(|step| FeaturePlanNode {
                    feature: step.feature.into(),
                    label: step.feature.label().to_owned(),
                    plan: step.plan.into(),
                    applies_from: step.applies_from,
                    announced: step.applies_from > day,
                })
                .collect(),
            switches: Feature::ALL
                .into_iter()
                .map(|feature| {
                    let flag = view.terms.flag(feature);
                    FeatureSwitchNode {
                        feature: feature.into(),
                        label: feature.label().to_owned(),
                        rollout_percent: i32::from(flag.percent),
                        killed: flag.killed,
                    }
                })
                .collect(),
        }
    }
}

/// Un changement du catalogue : qui, quand, quoi, avant, après.
#[derive(SimpleObject)]
#[graphql(name = "CatalogueChange")]
pub struct CatalogueChangeNode {
    /// `price`, `feature`, `trial`, `rollout`, `kill_switch`.
    pub kind: String,
    /// Ce qui change, en clair.
    pub label: String,
    pub before: Option<async_graphql::Json<serde_json::Value>>,
    pub after: async_graphql::Json<serde_json::Value>,
    /// Le compte de l'éditeur qui l'a décidé.
    pub editor_id: Option<async_graphql::ID>,
    pub changed_at: DateTime<Utc>,
    pub applies_from: Option<NaiveDate>,
}

impl From<ChangeRow> for CatalogueChangeNode {
    fn from(row: ChangeRow) -> Self {
        let subject = Priced::parse_key(&row.subject)
            .map(Priced::label)
            .or_else(|| Feature::parse(&row.subject).map(|feature| feature.label().to_owned()))
            .unwrap_or_else(|| "durée de l'essai".to_owned());
        let label = match row.kind.as_str() {
            "price" => format!("prix : {subject}"),
            "feature" => format!("formule de « {subject} »"),
            "rollout" => format!("déploiement de « {subject} »"),
            "kill_switch" => format!("coupure de « {subject} »"),
            _ => subject,
        };
        Self {
            kind: row.kind,
            label,
            before: row.before.map(async_graphql::Json),
            after: async_graphql::Json(row.after),
            editor_id: row.actor_id.map(|id| async_graphql::ID(id.to_string())),
            changed_at: row.changed_at,
            applies_from: row.applies_from,
        }
    }
}

/// Où en est un atelier avec la plateforme.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "WorkspaceStanding")]
pub enum StandingValue {
    /// En essai gratuit.
    Trial,
    /// Essai terminé sans abonnement : lecture seule.
    TrialEnded,
}

impl StandingValue {
    pub fn label(self) -> &'static str {
        match self {
            Self::Trial => "en essai",
            Self::TrialEnded => "essai terminé (lecture seule)",
        }
    }
}

/// Un atelier, tel que l'éditeur le voit : rien de son activité métier.
#[derive(SimpleObject)]
#[graphql(name = "PlatformWorkspace")]
pub struct PlatformWorkspaceNode {
    pub id: async_graphql::ID,
    pub name: String,
    pub registered_at: DateTime<Utc>,
    pub standing: StandingValue,
    pub standing_label: String,
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// Le dernier événement de l'atelier.
    pub last_activity_at: DateTime<Utc>,
    /// Événements enregistrés (son volume d'activité).
    pub events: i64,
}

impl PlatformWorkspaceNode {
    pub fn at(
        row: projections::platform_workspace::PlatformWorkspaceRow,
        now: DateTime<Utc>,
    ) -> Self {
        let standing = match row.trial_ends_at {
            Some(ends_at) if ends_at <= now => StandingValue::TrialEnded,
            _ => StandingValue::Trial,
        };
        Self {
            id: async_graphql::ID(row.tenant_id.to_string()),
            name: row.name,
            registered_at: row.registered_at,
            standing,
            standing_label: standing.label().to_owned(),
            trial_ends_at: row.trial_ends_at,
            last_activity_at: row.last_activity_at,
            events: row.events,
        }
    }
}
