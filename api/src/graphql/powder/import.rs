//! Supplier catalogues: CSV import, PrestaShop-shaped export, lookup by reference.

use async_graphql::{Context, Object, SimpleObject};
use domain::powder::catalogue::{aggregate_local_id, PowderCommand, PowderSpec};
use projections::powder as read_model;
use rust_decimal::Decimal;

use super::*;
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

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

#[derive(Default)]
pub struct PowderImportMutation;

#[Object]
impl PowderImportMutation {
    /// Importe un catalogue fournisseur en CSV (format : docs/api.md). Tout le fichier est
    /// vérifié avant d'écrire : une ligne fausse refuse le fichier et dit où. Une poudre déjà
    /// présente est mise à jour, les champs changés sont consignés. Gérant ou administrateur.
    async fn import_powders(
        &self,
        ctx: &Context<'_>,
        csv: String,
    ) -> async_graphql::Result<ImportReport> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ImportPowders)?;
        let specs =
            commands::powder_import::parse_csv(&csv).map_err(|error| ApiError::domain(&error))?;
        Ok(apply_specs(ctx, &actor, specs).await?)
    }

    /// Importe (ou met à jour) tout le catalogue du fournisseur depuis son export
    /// (`SUPPLIER_CATALOGUE_URL`, forme d'un export webservice PrestaShop). Gérant ou
    /// administrateur.
    async fn import_supplier_catalogue(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ImportReport> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ImportSupplierCatalogue)?;
        let export = fetch_supplier(ctx, None).await?;
        let specs = commands::powder_import::from_supplier(&export)
            .map_err(|error| ApiError::domain(&error))?;
        Ok(apply_specs(ctx, &actor, specs).await?)
    }
}

/// Registers new powders and updates known ones; only infrastructure failures stop midway,
/// validation happened before.
pub(super) async fn apply_specs(
    ctx: &Context<'_>,
    actor: &crate::auth::Actor,
    specs: Vec<PowderSpec>,
) -> Result<ImportReport, ApiError> {
    let state = state(ctx);
    let meta = meta(ctx, actor);
    let mut report = ImportReport {
        created: 0,
        updated: 0,
        unchanged: 0,
        archived: 0,
        lines: Vec::with_capacity(specs.len()),
    };
    let mut last = None;
    for spec in specs {
        let identity = spec.identity().map_err(|error| ApiError::domain(&error))?;
        let key = aggregate_local_id(&identity);
        let registered = state
            .commands
            .powders
            .execute(&meta, &key, PowderCommand::Register { spec: spec.clone() })
            .await;
        let (receipt, outcome) = match registered {
            Ok(receipt) => (receipt, "created"),
            Err(commands::CommandError::Rejected(
                domain::powder::catalogue::PowderError::AlreadyRegistered,
            )) => {
                let receipt = state
                    .commands
                    .powders
                    .execute(&meta, &key, PowderCommand::Update { spec })
                    .await?;
                let outcome = if receipt.event_count > 0 {
                    "updated"
                } else {
                    "unchanged"
                };
                (receipt, outcome)
            }
            // An archived powder stays archived: the import neither revives nor changes it.
            Err(commands::CommandError::Rejected(
                domain::powder::catalogue::PowderError::Archived,
            )) => {
                report.archived += 1;
                report.lines.push(ImportLine {
                    reference: identity.reference().to_owned(),
                    outcome: "archived".to_owned(),
                });
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        match outcome {
            "created" => report.created += 1,
            "updated" => report.updated += 1,
            _ => report.unchanged += 1,
        }
        report.lines.push(ImportLine {
            reference: identity.reference().to_owned(),
            outcome: outcome.to_owned(),
        });
        if receipt.position.is_some() {
            last = Some(receipt);
        }
    }
    if let Some(receipt) = last {
        state
            .await_projections(&receipt, &[read_model::NAME])
            .await?;
    }
    Ok(report)
}

/// The supplier's export, whole or for one reference (PrestaShop webservice filters).
pub(super) async fn fetch_supplier(
    ctx: &Context<'_>,
    reference: Option<&str>,
) -> Result<commands::powder_import::SupplierExport, ApiError> {
    let state = state(ctx);
    let base = state.supplier_catalogue_url.as_deref().ok_or_else(|| {
        ApiError::new(
            domain::ErrorKind::Validation,
            "SUPPLIER_NOT_CONFIGURED",
            "aucun catalogue fournisseur n'est configuré sur cette plateforme",
        )
    })?;
    let mut params = vec![
        ("display", "full".to_owned()),
        ("output_format", "JSON".to_owned()),
    ];
    if let Some(reference) = reference {
        params.push(("filter[reference]", format!("[{}]", reference.trim())));
    }
    let url = reqwest::Url::parse_with_params(base, &params).map_err(ApiError::internal)?;
    let response = reqwest::Client::new()
        .get(url)
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .map_err(|error| {
            // The URL may hold the shop's `ws_key`: never in what the workshop reads, nor
            // in the log.
            tracing::warn!(error = %error.without_url(), "supplier catalogue unreachable");
            ApiError::new(
                domain::ErrorKind::Internal,
                "SUPPLIER_UNREACHABLE",
                "le catalogue du fournisseur ne répond pas, réessayez plus tard",
            )
        })?;
    if !response.status().is_success() {
        return Err(ApiError::new(
            domain::ErrorKind::Internal,
            "SUPPLIER_UNREACHABLE",
            format!(
                "le catalogue du fournisseur a répondu {}",
                response.status()
            ),
        ));
    }
    response.json().await.map_err(|error| {
        tracing::warn!(error = %error.without_url(), "supplier export unreadable");
        ApiError::new(
            domain::ErrorKind::Validation,
            "SUPPLIER_EXPORT_INVALID",
            "l'export du fournisseur est illisible",
        )
    })
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

#[derive(Default)]
pub struct SupplierQuery;

#[Object]
impl SupplierQuery {
    /// Cherche une référence Thermopoudre chez le fournisseur et rend ses champs pour
    /// remplir le formulaire (rien n'est enregistré). Gérant ou administrateur.
    async fn lookup_supplier_powder(
        &self,
        ctx: &Context<'_>,
        reference: String,
    ) -> async_graphql::Result<SupplierPowder> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::LookupSupplierPowder)?;
        // References are compared normalised (trimmed, upper case), here as in the catalogue.
        let wanted = reference
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        let export = fetch_supplier(ctx, Some(&wanted)).await?;
        let specs = commands::powder_import::from_supplier(&export)
            .map_err(|error| ApiError::domain(&error))?;
        let spec = specs
            .into_iter()
            .find(|spec| spec.reference == wanted)
            .ok_or_else(|| {
                ApiError::new(
                    domain::ErrorKind::NotFound,
                    "SUPPLIER_POWDER_NOT_FOUND",
                    "référence inconnue chez le fournisseur",
                )
            })?;
        let words = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        Ok(SupplierPowder {
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
        })
    }
}
