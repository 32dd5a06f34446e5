//! Importing powders: a CSV file, or the supplier's whole export.

use async_graphql::{Context, Object};
use domain::powder::catalogue::{aggregate_local_id, PowderCommand, PowderSpec};
use projections::powder as read_model;

use super::fetch_supplier;
use super::types::{ImportLine, ImportReport};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

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
    ) -> Result<ImportReport, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ImportPowders)?;
        let specs = commands::powder_import::parse_csv(&csv)?;
        apply_specs(ctx, &actor, specs).await
    }

    /// Importe (ou met à jour) tout le catalogue du fournisseur depuis son export
    /// (`SUPPLIER_CATALOGUE_URL`, forme d'un export webservice PrestaShop). Gérant ou
    /// administrateur.
    async fn import_supplier_catalogue(&self, ctx: &Context<'_>) -> Result<ImportReport, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ImportSupplierCatalogue)?;
        let export = fetch_supplier(ctx, None).await?;
        let specs = commands::powder_import::from_supplier(&export)?;
        apply_specs(ctx, &actor, specs).await
    }
}

/// Registers new powders and updates known ones; only infrastructure failures stop midway,
/// validation happened before.
async fn apply_specs(
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
    // The last powder written is the last to reach the catalogue: once it shows, all do.
    match last {
        Some(receipt) => {
            state
                .read_after(
                    &receipt,
                    &[read_model::NAME],
                    std::future::ready(Ok::<_, ApiError>(report)),
                )
                .await
        }
        None => Ok(report),
    }
}
