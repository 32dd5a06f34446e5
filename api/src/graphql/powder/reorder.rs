//! Reorder suggestions: forecast stock-out and quantity in whole cartons.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::Utc;
use domain::powder::settings::StockSettings;
use rust_decimal::Decimal;

use crate::graphql::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Une suggestion d'achat.
#[derive(SimpleObject)]
pub struct ReorderNode {
    pub powder_id: ID,
    pub reference: String,
    pub stock_kg: Decimal,
    /// Consommation des derniers jours de la fenêtre.
    pub consumed_kg: Decimal,
    /// Jours avant rupture au rythme récent ; absent sans consommation.
    pub days_left: Option<i32>,
    /// Quantité conseillée, en cartons entiers du premier format.
    pub quantity_kg: Decimal,
    /// Rupture avant le délai de livraison.
    pub low_stock: bool,
}

#[derive(Default)]
pub struct ReorderQuery;

#[Object]
impl ReorderQuery {
    /// Prévision de rupture et quantités conseillées (docs/powder-stock.md), les plus
    /// urgentes d'abord. Les durées non données sont celles des réglages du stock. Gérant,
    /// administrateur ou compta.
    // Each argument is a GraphQL argument: the horizon, a filter, the page.
    #[allow(clippy::too_many_arguments)]
    async fn reorder_suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fenêtre d'observation de la consommation (réglage du stock par défaut)")]
        window_days: Option<u16>,
        #[graphql(desc = "Délai de livraison du fournisseur (réglage du stock par défaut)")]
        lead_time_days: Option<u16>,
        #[graphql(desc = "Jours de consommation à couvrir après livraison (réglage par défaut)")]
        cover_days: Option<u16>,
        #[graphql(desc = "Seulement les poudres en stock bas")] low_stock_only: Option<bool>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ReorderNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ReorderSuggestions)?;
        let state = state(ctx);
        let saved = super::settings_in_force(ctx, actor.workspace_id).await?;
        let settings = StockSettings {
            window_days: window_days.unwrap_or(saved.window_days),
            lead_time_days: lead_time_days.unwrap_or(saved.lead_time_days),
            cover_days: cover_days.unwrap_or(saved.cover_days),
            ..saved
        }
        .validate()
        .map_err(|error| ApiError::domain(&error))?;
        let suggestions = projections::reorder::suggestions(
            &state.pool,
            actor.workspace_id,
            &settings,
            Utc::now(),
        )
        .await?;
        let low_stock_only = low_stock_only.unwrap_or(false);
        let mut suggestions: Vec<_> = suggestions
            .into_iter()
            .filter(|suggestion| suggestion.plan.low_stock || !low_stock_only)
            .collect();
        // The order is computed, not stored: the cursor is the powder after which to go on.
        if let Some(after) = &after {
            let position = suggestions
                .iter()
                .position(|suggestion| &suggestion.powder_key == after)
                .ok_or_else(|| {
                    ApiError::new(
                        domain::ErrorKind::Validation,
                        "CURSOR_INVALID",
                        "curseur de pagination invalide",
                    )
                })?;
            suggestions.drain(..=position);
        }
        let limit =
            usize::try_from(first.unwrap_or(50).clamp(1, super::MAX_PAGE as i32)).unwrap_or(50);
        let has_next = suggestions.len() > limit;
        suggestions.truncate(limit);
        let mut connection = Connection::new(after.is_some(), has_next);
        connection
            .edges
            .extend(suggestions.into_iter().map(|suggestion| {
                Edge::new(
                    suggestion.powder_key.clone(),
                    ReorderNode {
                        powder_id: ID(suggestion.powder_key),
                        reference: suggestion.reference,
                        stock_kg: suggestion.stock_kg,
                        consumed_kg: suggestion.consumed_kg,
                        days_left: suggestion
                            .plan
                            .days_left
                            .map(|days| i32::try_from(days).unwrap_or(i32::MAX)),
                        quantity_kg: suggestion.plan.quantity_kg,
                        low_stock: suggestion.plan.low_stock,
                    },
                )
            }));
        Ok(connection)
    }
}
