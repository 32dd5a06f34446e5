//! Looking a powder up at the supplier, to fill the catalogue form.

use async_graphql::{Context, Object};

use super::fetch_supplier;
use super::types::SupplierPowder;
use crate::graphql::actor;
use crate::permissions::Operation;
use crate::ApiError;

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
    ) -> Result<SupplierPowder, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::LookupSupplierPowder)?;
        // References are compared normalised (trimmed, upper case), here as in the catalogue.
        let wanted = reference
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        let export = fetch_supplier(ctx, Some(&wanted)).await?;
        let specs = commands::powder_import::from_supplier(&export)?;
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
        Ok(spec.into())
    }
}
