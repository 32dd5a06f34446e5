//! The project queries: lists, the sheet, the queue, the scan, photos, workflow, figures.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, NaiveDate, Utc};
use projections::project::ProjectFilter;
use projections::tenant;
use uuid::Uuid;

use super::photos::{photo_node, PhotoNode, PhotoStorage};
use super::types::{today, NonConformityStats, ProjectNode, ScanResult, StatusValue};
use super::workflow::WorkflowNode;
use super::{not_found, project_node, project_uuid, workflow_node};
use crate::graphql::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i64 = 100;

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// Les projets, par date promise (les non datés à la fin).
    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        status: Option<StatusValue>,
        #[graphql(desc = "Clé de l'étape en cours")] step: Option<String>,
        #[graphql(desc = "Seulement les projets en retard")] late: Option<bool>,
        #[graphql(desc = "Référence de poudre")] powder: Option<String>,
        client_id: Option<ID>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ProjectNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Projects)?;
        let after = after.as_deref().map(date_cursor).transpose()?;
        let filter = ProjectFilter {
            status: status.map(|status| status.stored().to_owned()),
            step,
            late_on: late.filter(|late| *late).map(|_| today()),
            powder,
            client_id: client_id
                .as_ref()
                .map(|id| Uuid::parse_str(id).unwrap_or_default()),
        };
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let mut rows =
            projections::project::list(&mut *tx, actor.workspace_id, &filter, after, limit + 1)
                .await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            let day = row
                .promised_on
                .unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default());
            let cursor = format!("{day}|{}", row.project_id);
            connection.edges.push(Edge::new(cursor, row.into()));
        }
        Ok(connection)
    }

    /// La fiche d'un projet : pièces, étapes (qui, quand), contrôle, non-conformités.
    async fn project(&self, ctx: &Context<'_>, id: ID) -> Result<ProjectNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Project)?;
        project_node(ctx, actor.workspace_id, project_uuid(&id)?).await
    }

    /// La file de l'atelier (mode tablette) : les projets en cours, urgents d'abord, puis
    /// par date promise.
    async fn workshop_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
    ) -> Result<Vec<ProjectNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::WorkshopQueue)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let rows = projections::project::queue(
            &mut *tx,
            actor.workspace_id,
            i64::from(first).clamp(1, MAX_PAGE),
        )
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(ProjectNode::from).collect())
    }

    /// Ce que désigne un code d'étiquette, scanné (QR) ou tapé (`P26-0042-2`).
    async fn scan(&self, ctx: &Context<'_>, code: String) -> Result<ScanResult, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Scan)?;
        let unknown = || {
            let part_code = domain::project::numbering::scanned_part_code(&code);
            ApiError::new(
                domain::ErrorKind::NotFound,
                "PART_CODE_UNKNOWN",
                format!(
                    "aucune pièce ne porte le code « {} »",
                    part_code.chars().take(40).collect::<String>()
                ),
            )
        };
        projections::views::scan::scan(&state(ctx).pool, actor.workspace_id, &code)
            .await?
            .and_then(ScanResult::of)
            .ok_or_else(unknown)
    }

    /// Les photos d'un projet (non purgées), avec leurs liens signés.
    async fn project_photos(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
    ) -> Result<Vec<PhotoNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ProjectPhotos)?;
        let project_id = project_uuid(&project_id)?;
        let state = state(ctx);
        let rows =
            projections::views::photos::of_project(&state.pool, actor.workspace_id, project_id)
                .await?
                .ok_or_else(not_found)?;
        Ok(rows
            .into_iter()
            .map(|row| photo_node(&state.url_key, actor.workspace_id, row))
            .collect())
    }

    /// La place prise par les photos et le quota de l'atelier.
    async fn photo_storage(&self, ctx: &Context<'_>) -> Result<PhotoStorage, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PhotoStorage)?;
        let state = state(ctx);
        let storage = projections::views::photos::storage(
            &state.pool,
            actor.workspace_id,
            state.photo_quota_bytes,
        )
        .await?;
        Ok(storage.into())
    }

    /// Le flux de l'atelier (celui par défaut tant qu'il n'a pas été changé).
    async fn workflow(&self, ctx: &Context<'_>) -> Result<WorkflowNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Workflow)?;
        workflow_node(ctx, actor.workspace_id).await
    }

    /// Les non-conformités d'une période : taux, causes, poudres les plus touchées, retard.
    async fn non_conformity_stats(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<NonConformityStats, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::NonConformityStats)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
        let stats = projections::project::nc_stats(&mut tx, actor.workspace_id, from, to).await?;
        tx.commit().await?;
        Ok(stats.into())
    }
}

/// Reads a `date|uuid` keyset cursor, the shape of the list by promised date.
fn date_cursor(cursor: &str) -> Result<(NaiveDate, Uuid), ApiError> {
    let invalid = || {
        ApiError::new(
            domain::ErrorKind::Validation,
            "CURSOR_INVALID",
            "curseur de pagination invalide",
        )
    };
    let (day, id) = cursor.split_once('|').ok_or_else(invalid)?;
    Ok((
        day.parse().map_err(|_| invalid())?,
        Uuid::parse_str(id).map_err(|_| invalid())?,
    ))
}
