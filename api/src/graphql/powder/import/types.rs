//! The import's GraphQL types: what an import did, line by line, and a powder found at the
//! supplier.

use async_graphql::SimpleObject;
use domain::powder::catalogue::PowderSpec;
use rust_decimal::Decimal;

use crate::graphql::powder::FormatNode;

/// Ce qu'un import a fait d'une ligne.
#[derive(SimpleObject)]
pub struct ImportLine {
    pub reference: String,
    /// `created`, `updated` (les champs changés sont dans le journal), `unchanged` ou
    /// `archived` (poudre archivée, laissée telle quelle).
    pub outcome: String,
}

#[derive(SimpleObject)]
pub struct ImportReport {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    /// Lignes de poudres archivées, ignorées.
    pub archived: i32,
    pub lines: Vec<ImportLine>,
}

/// Les champs d'une poudre trouvée chez le fournisseur, pour remplir le formulaire.
#[derive(SimpleObject)]
pub struct SupplierPowder {
    pub reference: String,
    pub kind: String,
    pub finish: String,
    pub brand: String,
    pub name: String,
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    pub thickness_um: Decimal,
    pub consumption_kg_m2: Option<Decimal>,
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: i32,
    pub cure_minutes: i32,
    pub formats: Vec<FormatNode>,
    pub price_per_kg: Decimal,
}

impl From<PowderSpec> for SupplierPowder {
    fn from(spec: PowderSpec) -> Self {
        let words = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        Self {
            kind: words(serde_json::to_value(spec.kind).unwrap_or_default()),
            finish: words(serde_json::to_value(spec.finish).unwrap_or_default()),
            reference: spec.reference,
            brand: spec.brand,
            name: spec.name,
            colour: spec.colour,
            density_g_cm3: spec.density_g_cm3,
            thickness_um: spec.thickness_um,
            consumption_kg_m2: spec.consumption_kg_m2,
            transfer_efficiency: spec.transfer_efficiency,
            cure_temperature_c: i32::from(spec.cure_temperature_c),
            cure_minutes: i32::from(spec.cure_minutes),
            formats: spec
                .formats
                .into_iter()
                .map(|format| FormatNode {
                    kg: format.kg,
                    tare_kg: format.tare_kg,
                })
                .collect(),
            price_per_kg: spec.price_per_kg,
        }
    }
}
