//! `auditLog`: the workspace's history, filtered and paginated.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::{meta, ErrorKind};

use super::{actor, state};
use crate::audit::{self, Line, RawFilter, SUMMARY_CHARS};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(InputObject, Default)]
pub struct AuditFilterInput {
    /// Auteur (identifiant de compte).
    pub actor_id: Option<ID>,
    /// Type d'élément : `workspace`, `quote`…
    pub aggregate_type: Option<String>,
    /// Identifiant de l'élément dans l'atelier.
    pub aggregate_id: Option<String>,
    /// Type d'événement : `WorkspaceRenamed`…
    pub event_type: Option<String>,
    /// À partir de (inclus).
    pub from: Option<DateTime<Utc>>,
    /// Jusqu'à (exclu).
    pub to: Option<DateTime<Utc>>,
}

/// Une ligne du journal d'audit : qui, quand, d'où, quoi.
#[derive(SimpleObject)]
pub struct AuditEntryNode {
    pub event_id: ID,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: Option<ID>,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub event_type: String,
    /// Ce qui s'est passé, en français (pour l'instant les événements de l'atelier, de ses
    /// membres et de ses invitations).
    pub label: Option<String>,
    /// Le contenu de l'événement, abrégé.
    pub summary: String,
}

impl From<Line> for AuditEntryNode {
    fn from(line: Line) -> Self {
        let entry = &line.entry;
        let meta = |key| entry.meta(key).map(str::to_owned);
        Self {
            event_id: ID(entry.event_id.to_string()),
            recorded_at: entry.recorded_at,
            actor_id: meta(meta::ACTOR_ID).map(ID),
            actor_role: meta(meta::ACTOR_ROLE),
            ip: meta(meta::IP),
            request_id: meta(meta::REQUEST_ID),
            aggregate_type: entry.aggregate_type.clone(),
            aggregate_id: entry.local_aggregate_id().to_owned(),
            event_type: entry.event_type.clone(),
            summary: entry.summary(SUMMARY_CHARS),
            label: line.label.clone(),
            actor_email: line.actor_email,
        }
    }
}

const MAX_PAGE: i64 = 200;

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Le journal d'audit de l'atelier, du plus récent au plus ancien. Gérant ou
    /// administrateur.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilterInput>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntryNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::AuditLog)?;
        let filter = filter.unwrap_or_default();
        let filter = RawFilter {
            actor_id: filter.actor_id.map(|id| id.0),
            aggregate_type: filter.aggregate_type,
            aggregate_id: filter.aggregate_id,
            event_type: filter.event_type,
            from: filter.from,
            to: filter.to,
        }
        .parse()?;
        let before = after
            .map(|cursor| {
                cursor.parse::<i64>().map_err(|_| {
                    ApiError::new(
                        ErrorKind::Validation,
                        "CURSOR_INVALID",
                        "curseur de pagination invalide",
                    )
                })
            })
            .transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut lines = audit::page(state(ctx), &actor, &filter, before, limit + 1).await?;
        let has_next = lines.len() as i64 > limit;
        lines.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for line in lines {
            let cursor = line.entry.global_position.to_string();
            connection.edges.push(Edge::new(cursor, line.into()));
        }
        Ok(connection)
    }
}
