//! The workshop's stock settings: daily list size, reorder horizon, low-stock alerts.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use domain::powder::settings::{StockSettings, StockSettingsCommand, AGGREGATE_LOCAL_ID};
use projections::tenant;

use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Les réglages du stock de l'atelier.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "StockSettingsInput")]
pub struct StockSettingsNode {
    /// Poudres de la liste « à peser » du jour (1 à 20).
    pub daily_list_size: u8,
    /// Jours de consommation observés pour prévoir les ruptures.
    pub window_days: u16,
    /// Délai de livraison du fournisseur, jours : moins de stock que cela = stock bas.
    pub lead_time_days: u16,
    /// Jours de consommation qu'une commande doit couvrir après livraison.
    pub cover_days: u16,
    /// Prévenir par email le gérant et les administrateurs quand une poudre passe en stock bas.
    pub low_stock_alerts: bool,
}

impl From<StockSettings> for StockSettingsNode {
    fn from(settings: StockSettings) -> Self {
        Self {
            daily_list_size: settings.daily_list_size,
            window_days: settings.window_days,
            lead_time_days: settings.lead_time_days,
            cover_days: settings.cover_days,
            low_stock_alerts: settings.low_stock_alerts,
        }
    }
}

impl From<StockSettingsNode> for StockSettings {
    fn from(node: StockSettingsNode) -> Self {
        Self {
            daily_list_size: node.daily_list_size,
            window_days: node.window_days,
            lead_time_days: node.lead_time_days,
            cover_days: node.cover_days,
            low_stock_alerts: node.low_stock_alerts,
        }
    }
}

/// The settings in force: the workshop's, or the defaults.
pub(super) async fn settings_in_force(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
) -> Result<StockSettings, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let settings = projections::powder_stock::settings(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(settings)
}

#[derive(Default)]
pub struct StockSettingsQuery;

#[Object]
impl StockSettingsQuery {
    /// Les réglages du stock (les valeurs par défaut tant qu'ils n'ont pas été changés).
    async fn stock_settings(&self, ctx: &Context<'_>) -> Result<StockSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::StockSettings)?;
        Ok(settings_in_force(ctx, actor.workspace_id).await?.into())
    }
}

#[derive(Default)]
pub struct StockSettingsMutation;

#[Object]
impl StockSettingsMutation {
    /// Change les réglages du stock. Gérant ou administrateur.
    async fn update_stock_settings(
        &self,
        ctx: &Context<'_>,
        input: StockSettingsNode,
    ) -> Result<StockSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateStockSettings)?;
        let state = state(ctx);
        let receipt = state
            .commands
            .stock_settings
            .execute(
                &meta(ctx, &actor),
                AGGREGATE_LOCAL_ID,
                StockSettingsCommand::Change(input.into()),
            )
            .await?;
        let settings =
            async { Ok::<_, ApiError>(settings_in_force(ctx, actor.workspace_id).await?.into()) };
        state
            .read_after(&receipt, &[projections::powder_stock::NAME], settings)
            .await
    }
}
