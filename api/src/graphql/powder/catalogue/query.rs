//! Searching the catalogue.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};
use projections::powder as read_model;
use projections::tenant;

use super::types::{FinishValue, PowderNode};
use crate::graphql::powder::MAX_PAGE;
use crate::graphql::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Default)]
pub struct PowderQuery;

#[Object]
impl PowderQuery {
    /// Le catalogue, par référence ; recherche dans la référence, le nom et la couleur.
    async fn powders(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        finish: Option<FinishValue>,
        #[graphql(desc = "Inclure les poudres archivées (non par défaut)")]
        include_archived: Option<bool>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, PowderNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Powders)?;
        let state = state(ctx);
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let search = search.filter(|text| !text.trim().is_empty());
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let mut rows = read_model::search(
            &mut *tx,
            actor.workspace_id,
            search.as_deref(),
            finish.map(FinishValue::stored),
            after.as_deref(),
            limit + 1,
            include_archived.unwrap_or(false),
        )
        .await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            connection
                .edges
                .push(Edge::new(row.powder_key.clone(), row.into()));
        }
        Ok(connection)
    }
}
