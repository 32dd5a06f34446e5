//! Supplier catalogues: CSV import, PrestaShop-shaped export, lookup by reference.

mod mutation;
mod query;
mod types;

pub use mutation::PowderImportMutation;
pub use query::SupplierQuery;

use async_graphql::Context;

use crate::graphql::state;
use crate::ApiError;

/// The supplier's export, whole or for one reference (PrestaShop webservice filters).
async fn fetch_supplier(
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
