//! Reorder suggestions: forecast stock-out and quantity in whole cartons.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::Utc;
use domain::powder::catalogue::Format;
use domain::Role;
use projections::powder as read_model;
use projections::tenant;
use rust_decimal::Decimal;

use crate::graphql::{actor, state};
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
    /// urgentes d'abord. Gérant, administrateur ou compta.
    async fn reorder_suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fenêtre d'observation de la consommation (30 jours par défaut)")]
        window_days: Option<u32>,
        #[graphql(desc = "Délai de livraison du fournisseur (7 jours par défaut)")] lead_time_days: Option<u32>,
        #[graphql(desc = "Jours de consommation à couvrir après livraison (30 par défaut)")]
        cover_days: Option<u32>,
    ) -> async_graphql::Result<Vec<ReorderNode>> {
        let actor = actor(ctx)?;
        actor.require(&[Role::Owner, Role::Admin, Role::Accounting])?;
        let (window, lead, cover) = (
            window_days.unwrap_or(30).clamp(1, 365),
            lead_time_days.unwrap_or(7).min(365),
            cover_days.unwrap_or(30).min(365),
        );
        let state = state(ctx);
        let since = Utc::now() - chrono::Duration::days(i64::from(window));
        let consumed: std::collections::HashMap<String, Decimal> =
            projections::powder_stock::consumed_since(&state.pool, actor.workspace_id, since)
                .await
                .map_err(ApiError::from)?
                .into_iter()
                .collect();
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let stock = projections::powder_stock::list(&mut *tx, actor.workspace_id, None, None)
            .await
            .map_err(ApiError::from)?;
        let catalogue = read_model::search(&mut *tx, actor.workspace_id, None, None, None, 10_000)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let format_of: std::collections::HashMap<String, Decimal> = catalogue
            .into_iter()
            .map(|row| {
                let formats: Vec<Format> = serde_json::from_value(row.formats).unwrap_or_default();
                (
                    row.powder_key,
                    formats.first().map(|format| format.kg).unwrap_or_default(),
                )
            })
            .collect();
        let mut suggestions: Vec<ReorderNode> = stock
            .into_iter()
            .map(|row| {
                let used = consumed.get(&row.powder_key).copied().unwrap_or_default();
                let format = format_of.get(&row.powder_key).copied().unwrap_or_default();
                let plan =
                    domain::powder::reorder(row.theoretical_kg, used, window, lead, cover, format);
                ReorderNode {
                    powder_id: ID(row.powder_key),
                    reference: row.reference,
                    stock_kg: row.theoretical_kg,
                    consumed_kg: used,
                    days_left: plan
                        .days_left
                        .map(|days| i32::try_from(days).unwrap_or(i32::MAX)),
                    quantity_kg: plan.quantity_kg,
                    low_stock: plan.low_stock,
                }
            })
            .collect();
        suggestions.sort_by_key(|node| (node.days_left.is_none(), node.days_left));
        Ok(suggestions)
    }
}
