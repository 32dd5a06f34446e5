//! Finding clients: the searchable list, one client's sheet and its journal, duplicate
//! candidates.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use domain::client::ClientProfile;
use projections::tenant;

use super::{
    client_node, client_uuid, ClientInput, ClientKindValue, ClientNode, CriterionValue,
    InteractionNode, PortalStatusValue, MAX_PAGE,
};
use crate::graphql::{actor, state, time_cursor, to_time_cursor};
use crate::permissions::Operation;
use crate::ApiError;

/// Un client qui ressemble à celui qu'on saisit, et pourquoi.
#[derive(SimpleObject)]
pub struct DuplicateCandidate {
    pub client: ClientNode,
    pub criterion: CriterionValue,
    /// Le critère en clair : « même email »…
    pub label: String,
}

#[derive(Default)]
pub struct ClientQuery;

#[Object]
impl ClientQuery {
    /// Les clients par nom (accents et casse ignorés) ; `search` cherche dans les noms, la
    /// société, l'email, les téléphones, le SIRET, la ville et les étiquettes.
    /// `portalStatus: ACTIVE` : la liste des accès à l'espace client, à retirer avec
    /// `revokePortalAccess`.
    #[allow(clippy::too_many_arguments)]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        kind: Option<ClientKindValue>,
        tag: Option<String>,
        #[graphql(desc = "Inclure les clients archivés (non par défaut)")] include_archived: Option<
            bool,
        >,
        portal_status: Option<PortalStatusValue>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ClientNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Clients)?;
        let after_id = after
            .as_deref()
            .map(|cursor| {
                uuid::Uuid::parse_str(cursor).map_err(|_| {
                    ApiError::new(
                        domain::ErrorKind::Validation,
                        "CURSOR_INVALID",
                        "curseur de pagination invalide",
                    )
                })
            })
            .transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let filter = projections::client::Filter {
            search,
            kind: kind.map(Into::into),
            tag: tag.filter(|tag| !tag.trim().is_empty()),
            include_archived: include_archived.unwrap_or(false),
            portal_status: portal_status.map(PortalStatusValue::stored),
        };
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let mut rows =
            projections::client::search(&mut *tx, actor.workspace_id, &filter, after_id, limit + 1)
                .await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            connection
                .edges
                .push(Edge::new(row.client_id.to_string(), row.into()));
        }
        Ok(connection)
    }

    /// La fiche d'un client.
    async fn client(&self, ctx: &Context<'_>, id: ID) -> Result<ClientNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Client)?;
        client_node(ctx, actor.workspace_id, client_uuid(&id)?).await
    }

    /// Les clients existants qui ressemblent à cette fiche, selon les critères de l'atelier
    /// (à montrer pendant la saisie). `clientId` : la fiche modifiée, qui ne se ressemble pas
    /// à elle-même.
    async fn duplicate_candidates(
        &self,
        ctx: &Context<'_>,
        input: ClientInput,
        client_id: Option<ID>,
    ) -> Result<Vec<DuplicateCandidate>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::DuplicateCandidates)?;
        let existing = client_id.as_ref().map(client_uuid).transpose()?;
        let profile = ClientProfile::from(input)
            .validate()
            .map_err(|error| ApiError::domain(&error))?;
        let state = state(ctx);
        let matches = commands::client::duplicates(
            &mut *state.pool.acquire().await?,
            actor.workspace_id,
            &profile,
            existing,
        )
        .await?;
        candidates(ctx, actor.workspace_id, &matches).await
    }
}

#[ComplexObject]
impl ClientNode {
    /// Le journal d'interactions, du plus récent au plus ancien (celles des clients fusionnés
    /// dans celui-ci comprises). Devis, projets, factures et paiements rejoindront la fiche
    /// avec leurs modules, chacun par son propre champ paginé.
    async fn interactions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, InteractionNode>, ApiError> {
        let actor = actor(ctx)?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let mut rows = projections::client::interactions(
            &mut *tx,
            actor.workspace_id,
            self.client_id,
            before,
            limit + 1,
        )
        .await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for row in rows {
            let cursor = to_time_cursor(row.occurred_at, row.interaction_id);
            connection.edges.push(Edge::new(cursor, row.into()));
        }
        Ok(connection)
    }
}

/// The matching clients with their sheet, for a warning or the candidates query.
pub(super) async fn candidates(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    matches: &[domain::client::DuplicateMatch],
) -> Result<Vec<DuplicateCandidate>, ApiError> {
    let ids: Vec<uuid::Uuid> = matches.iter().map(|found| found.client_id).collect();
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = projections::client::find_many(&mut *tx, workspace_id, &ids).await?;
    tx.commit().await?;
    Ok(matches
        .iter()
        .filter_map(|found| {
            let row = rows.iter().find(|row| row.client_id == found.client_id)?;
            Some(DuplicateCandidate {
                client: row.clone().into(),
                criterion: found.criterion.into(),
                label: found.criterion.label().to_owned(),
            })
        })
        .collect())
}
