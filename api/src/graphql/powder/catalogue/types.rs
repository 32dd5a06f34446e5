//! The catalogue's GraphQL types: a powder as entered and as listed, its kind, finish and
//! formats.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::powder::catalogue::{aggregate_local_id, Format, PowderSpec};
use domain::powder::{Finish, PowderKind};
use projections::powder::PowderRow;
use rust_decimal::Decimal;

use crate::ApiError;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PowderKindValue {
    Epoxy,
    Polyester,
    EpoxyPolyester,
    Polyurethane,
    Acrylic,
}

impl From<PowderKindValue> for PowderKind {
    fn from(value: PowderKindValue) -> Self {
        match value {
            PowderKindValue::Epoxy => Self::Epoxy,
            PowderKindValue::Polyester => Self::Polyester,
            PowderKindValue::EpoxyPolyester => Self::EpoxyPolyester,
            PowderKindValue::Polyurethane => Self::Polyurethane,
            PowderKindValue::Acrylic => Self::Acrylic,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum FinishValue {
    Matt,
    Satin,
    Gloss,
    Texture,
    Metallic,
}

impl From<FinishValue> for Finish {
    fn from(value: FinishValue) -> Self {
        match value {
            FinishValue::Matt => Self::Matt,
            FinishValue::Satin => Self::Satin,
            FinishValue::Gloss => Self::Gloss,
            FinishValue::Texture => Self::Texture,
            FinishValue::Metallic => Self::Metallic,
        }
    }
}

impl FinishValue {
    pub(super) fn stored(self) -> &'static str {
        match self {
            Self::Matt => "matt",
            Self::Satin => "satin",
            Self::Gloss => "gloss",
            Self::Texture => "texture",
            Self::Metallic => "metallic",
        }
    }
}

#[derive(InputObject)]
pub struct FormatInput {
    /// Poids net du carton plein (kg).
    pub kg: Decimal,
    /// Poids du carton vide (kg).
    pub tare_kg: Decimal,
}

/// Une poudre du catalogue.
#[derive(InputObject)]
pub struct PowderInput {
    pub reference: String,
    pub kind: PowderKindValue,
    pub finish: FinishValue,
    pub brand: String,
    pub name: String,
    /// RAL ou autre code couleur.
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    /// Épaisseur conseillée (µm).
    pub thickness_um: Decimal,
    /// Consommation moyenne (kg/m²), sinon calculée avec le rendement de transfert.
    pub consumption_kg_m2: Option<Decimal>,
    /// Part de la poudre projetée qui reste sur la pièce (0 à 1).
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
    pub formats: Vec<FormatInput>,
    pub price_per_kg: Decimal,
}

impl From<PowderInput> for PowderSpec {
    fn from(input: PowderInput) -> Self {
        Self {
            reference: input.reference,
            kind: input.kind.into(),
            finish: input.finish.into(),
            brand: input.brand,
            name: input.name,
            colour: input.colour.filter(|colour| !colour.trim().is_empty()),
            density_g_cm3: input.density_g_cm3,
            thickness_um: input.thickness_um,
            consumption_kg_m2: input.consumption_kg_m2,
            transfer_efficiency: input.transfer_efficiency,
            cure_temperature_c: input.cure_temperature_c,
            cure_minutes: input.cure_minutes,
            formats: input
                .formats
                .into_iter()
                .map(|format| Format {
                    kg: format.kg,
                    tare_kg: format.tare_kg,
                })
                .collect(),
            price_per_kg: input.price_per_kg,
        }
    }
}

#[derive(SimpleObject)]
pub struct FormatNode {
    pub kg: Decimal,
    pub tare_kg: Decimal,
}

/// Une poudre du catalogue de l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Powder")]
pub struct PowderNode {
    pub id: ID,
    pub reference: String,
    pub kind: String,
    pub finish: String,
    pub brand: String,
    pub name: String,
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    pub thickness_um: Decimal,
    pub consumption_kg_m2: Decimal,
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: i32,
    pub cure_minutes: i32,
    pub formats: Vec<FormatNode>,
    pub price_per_kg: Decimal,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Archivée : hors des listes du catalogue, du stock et des achats ; l'historique reste.
    pub archived_at: Option<DateTime<Utc>>,
}

impl From<PowderRow> for PowderNode {
    fn from(row: PowderRow) -> Self {
        let formats: Vec<Format> = serde_json::from_value(row.formats).unwrap_or_default();
        Self {
            id: ID(row.powder_key),
            reference: row.reference,
            kind: row.kind,
            finish: row.finish,
            brand: row.brand,
            name: row.name,
            colour: row.colour,
            density_g_cm3: row.density_g_cm3,
            thickness_um: row.thickness_um,
            consumption_kg_m2: row.consumption_kg_m2,
            transfer_efficiency: row.transfer_efficiency,
            cure_temperature_c: row.cure_temperature_c,
            cure_minutes: row.cure_minutes,
            formats: formats
                .into_iter()
                .map(|format| FormatNode {
                    kg: format.kg,
                    tare_kg: format.tare_kg,
                })
                .collect(),
            price_per_kg: row.price_per_kg,
            registered_at: row.registered_at,
            updated_at: row.updated_at,
            archived_at: row.archived_at,
        }
    }
}

/// The catalogue key of the powder `spec` describes (its strict identity).
pub(super) fn key_of(spec: &PowderSpec) -> Result<String, ApiError> {
    let identity = spec.identity().map_err(|error| ApiError::domain(&error))?;
    Ok(aggregate_local_id(&identity))
}
