//! What the editor reads: the catalogue as it stands today and as announced, its history.

use async_graphql::{Context, Object};
use domain::platform::PLATFORM_WORKSPACE_ID;
use projections::{plan_catalogue, tenant};

use async_graphql::connection::{Connection, Edge};
use chrono::{DateTime, Utc};
use projections::platform_workspace::{self, Filter};

use super::types::{CatalogueChangeNode, CatalogueNode, PlatformWorkspaceNode, StandingValue};
use crate::app::AppState;
use crate::graphql::{actor, state, time_cursor, to_time_cursor};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_HISTORY: i64 = 500;
const MAX_WORKSPACES_PAGE: i64 = 200;

/// The catalogue for a period starting today (Paris, by the injected clock), read in the
/// platform's scope: what every change answers too.
pub async fn catalogue(state: &AppState) -> Result<CatalogueNode, ApiError> {
    let today = state
        .limits
        .clock()
        .now_utc()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let mut tx = tenant::begin(&state.pool, PLATFORM_WORKSPACE_ID).await?;
    let view = plan_catalogue::view(&mut tx, today).await?;
    tx.commit().await?;
    Ok(view.into())
}

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// Le catalogue : prix des formules et options, formule de chaque fonctionnalité,
    /// interrupteurs, durée de l'essai. Éditeur de la plateforme.
    async fn catalogue(&self, ctx: &Context<'_>) -> Result<CatalogueNode, ApiError> {
        actor(ctx)?.require_for(Operation::EditorCatalogue)?;
        catalogue(state(ctx)).await
    }

    /// L'historique des changements du catalogue, du plus récent au plus ancien.
    async fn catalogue_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 100)] first: i32,
    ) -> Result<Vec<CatalogueChangeNode>, ApiError> {
        actor(ctx)?.require_for(Operation::EditorCatalogueHistory)?;
        let limit = i64::from(first).clamp(1, MAX_HISTORY);
        let mut tx = tenant::begin(&state(ctx).pool, PLATFORM_WORKSPACE_ID).await?;
        let rows = plan_catalogue::history(&mut *tx, limit).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(CatalogueChangeNode::from).collect())
    }

    /// Les ateliers, du plus récemment inscrit au plus ancien : recherche sur le nom,
    /// filtre sur leur situation et leur date d'inscription.
    #[allow(clippy::too_many_arguments)]
    async fn workspaces(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        standing: Option<StandingValue>,
        registered_from: Option<DateTime<Utc>>,
        registered_to: Option<DateTime<Utc>>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, PlatformWorkspaceNode>, ApiError> {
        actor(ctx)?.require_for(Operation::EditorWorkspaces)?;
        let state = state(ctx);
        let now = state.limits.clock().now_utc();
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_WORKSPACES_PAGE);
        let after = after.as_deref().map(time_cursor).transpose()?;
        let filter = Filter {
            search: search
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty()),
            in_trial: standing.map(|standing| standing == StandingValue::Trial),
            registered_from,
            registered_to,
        };
        let mut tx = tenant::begin(&state.pool, PLATFORM_WORKSPACE_ID).await?;
        let mut rows = platform_workspace::page(&mut *tx, &filter, now, after, limit + 1).await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            let cursor = to_time_cursor(row.registered_at, row.tenant_id);
            connection
                .edges
                .push(Edge::new(cursor, PlatformWorkspaceNode::at(row, now)));
        }
        Ok(connection)
    }
}
