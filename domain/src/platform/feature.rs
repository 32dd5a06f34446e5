use serde::{Deserialize, Serialize};

/// What a plan sells. Every operation of a workshop belongs to at most one feature
/// (`api::permissions`); the catalogue says which plan first includes each one, and the
/// editor may move any of them between plans.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Feature {
    Quotes,
    Projects,
    Clients,
    /// The basic stock: catalogue, receptions, weighings, consumption.
    PowderStock,
    OvenBatches,
    Invoicing,
    /// KPI dashboards and statistics beyond the day's lists.
    AdvancedReporting,
    Pennylane,
    /// Sending invoices through an approved e-invoicing platform.
    EInvoicing,
    GoogleReviews,
    /// Stripe payment links sent to the end customer.
    PaymentLinks,
    /// *ThermoGestion Jantes*: wheel refurbishing (spec §6).
    Jantes,
    /// The complete smart stock: the to-weigh list, reliability, partial inventories,
    /// reorder suggestions.
    SmartStock,
}

impl Feature {
    pub const ALL: [Feature; 13] = [
        Self::Quotes,
        Self::Projects,
        Self::Clients,
        Self::PowderStock,
        Self::OvenBatches,
        Self::Invoicing,
        Self::AdvancedReporting,
        Self::Pennylane,
        Self::EInvoicing,
        Self::GoogleReviews,
        Self::PaymentLinks,
        Self::Jantes,
        Self::SmartStock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quotes => "quotes",
            Self::Projects => "projects",
            Self::Clients => "clients",
            Self::PowderStock => "powder_stock",
            Self::OvenBatches => "oven_batches",
            Self::Invoicing => "invoicing",
            Self::AdvancedReporting => "advanced_reporting",
            Self::Pennylane => "pennylane",
            Self::EInvoicing => "e_invoicing",
            Self::GoogleReviews => "google_reviews",
            Self::PaymentLinks => "payment_links",
            Self::Jantes => "jantes",
            Self::SmartStock => "smart_stock",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|feature| feature.as_str() == text)
    }

    /// Its place in [`Feature::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// What a workshop reads (« Mon abonnement », a refusal).
    pub fn label(self) -> &'static str {
        match self {
            Self::Quotes => "devis",
            Self::Projects => "suivi des projets",
            Self::Clients => "fichier clients",
            Self::PowderStock => "stock de poudre (catalogue, réceptions, pesées)",
            Self::OvenBatches => "séries de cuisson",
            Self::Invoicing => "facturation",
            Self::AdvancedReporting => "reporting avancé (tableaux de bord)",
            Self::Pennylane => "connecteur Pennylane",
            Self::EInvoicing => "facturation électronique (plateforme agréée)",
            Self::GoogleReviews => "avis Google",
            Self::PaymentLinks => "liens de paiement en ligne",
            Self::Jantes => "module Jantes",
            Self::SmartStock => {
                "stock intelligent (à peser, fiabilité, inventaires partiels, réassort)"
            }
        }
    }
}

/// A paid option a workshop adds to its plan: the features it opens beyond the plan's, or
/// storage beyond the quota.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum AddOn {
    Jantes,
    Reporting,
    Integrations,
    /// 50 GB of photos beyond the quota.
    ExtraStorage,
}

impl AddOn {
    pub const ALL: [AddOn; 4] = [
        Self::Jantes,
        Self::Reporting,
        Self::Integrations,
        Self::ExtraStorage,
    ];

    /// Photo storage one [`AddOn::ExtraStorage`] adds.
    pub const EXTRA_STORAGE_BYTES: u64 = 50 * 1024 * 1024 * 1024;

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jantes => "jantes",
            Self::Reporting => "reporting",
            Self::Integrations => "integrations",
            Self::ExtraStorage => "extra_storage",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Jantes => "option Jantes",
            Self::Reporting => "option reporting avancé",
            Self::Integrations => "option intégrations",
            Self::ExtraStorage => "option stockage supplémentaire (50 Go)",
        }
    }

    /// The features the option opens, whatever the plan.
    pub fn features(self) -> &'static [Feature] {
        match self {
            Self::Jantes => &[Feature::Jantes],
            Self::Reporting => &[Feature::AdvancedReporting],
            Self::Integrations => &[
                Feature::Pennylane,
                Feature::EInvoicing,
                Feature::GoogleReviews,
                Feature::PaymentLinks,
            ],
            Self::ExtraStorage => &[],
        }
    }
}
