//! The quote reads: the list, one quote, the quote settings. The reads a mutation answers
//! with live here too.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use domain::Role;
use projections::tenant;
use projections::views::quotes::{QuoteFilter, Reader};
use uuid::Uuid;

use super::types::{QuoteNode, QuoteSettingsNode, QuoteStatusValue};
use super::{quote_uuid, MAX_PAGE};
use crate::graphql::{actor, state, time_cursor, to_time_cursor};
use crate::permissions::Operation;
use crate::{quote_access, ApiError};

#[derive(Default)]
pub struct QuoteQuery;

#[Object]
impl QuoteQuery {
    /// Les devis, du plus récent au plus ancien. Le client, dans son espace, ne voit que les
    /// siens.
    async fn quotes(
        &self,
        ctx: &Context<'_>,
        status: Option<QuoteStatusValue>,
        client_id: Option<ID>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, QuoteNode>, ApiError> {
        let actor = actor(ctx)?;
        // A client too: what it reads is narrowed to its own by the view.
        actor.require_for(Operation::Quotes)?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let reader = match actor.role {
            Role::Client => Reader::Client {
                account_id: actor.account_id,
            },
            _ => Reader::Staff,
        };
        let filter = QuoteFilter {
            status: status.map(QuoteStatusValue::stored),
            // A client id that is no UUID matches no client.
            client_id: client_id.map(|id| Uuid::parse_str(&id).unwrap_or_default()),
            before,
            // One more than the page: whether a next page exists.
            limit: limit + 1,
        };
        let mut rows =
            projections::views::quotes::page(&state(ctx).pool, actor.workspace_id, reader, &filter)
                .await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for row in rows {
            let cursor = to_time_cursor(row.created_at, row.quote_id);
            connection
                .edges
                .push(Edge::new(cursor, QuoteNode::seen_by(row, actor.role)));
        }
        Ok(connection)
    }

    /// Un devis, avec le détail de chaque calcul. Aussi pour le client, dans son espace,
    /// s'il s'agit du sien.
    async fn quote(&self, ctx: &Context<'_>, id: ID) -> Result<QuoteNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Quote)?;
        let row = quote_access::visible_quote(&state(ctx).pool, &actor, quote_uuid(&id)?).await?;
        Ok(QuoteNode::seen_by(row, actor.role))
    }
}

#[derive(Default)]
pub struct QuoteSettingsQuery;

#[Object]
impl QuoteSettingsQuery {
    /// Les réglages des devis (les valeurs par défaut tant qu'ils n'ont pas été changés).
    async fn quote_settings(&self, ctx: &Context<'_>) -> Result<QuoteSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::QuoteSettings)?;
        settings_node(ctx, actor.workspace_id).await
    }
}

/// A quote as its workshop reads it.
pub(super) async fn quote_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<QuoteNode, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let row = projections::quote::find(&mut *tx, workspace_id, quote_id).await?;
    tx.commit().await?;
    row.map(QuoteNode::from).ok_or_else(quote_access::not_found)
}

pub(super) async fn settings_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<QuoteSettingsNode, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let settings = projections::quote::settings(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(settings.into())
}
