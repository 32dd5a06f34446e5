//! What the workspace, its members, invitations and audit log look like over GraphQL.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::meta;
use domain::workspace::RevocationReason;
use projections::invitation::InvitationRow;
use projections::workspace::WorkspaceRow;

use crate::audit::{Line, SUMMARY_CHARS};
use crate::graphql::types::RoleValue;

/// Un atelier (le locataire de la plateforme).
#[derive(SimpleObject)]
#[graphql(name = "Workspace")]
pub struct WorkspaceNode {
    pub id: ID,
    pub name: String,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Formule : `lite` ou `pro`.
    pub plan: Option<String>,
    /// Fin de l'essai gratuit.
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// Module ThermoGestion Jantes activé.
    pub jantes_enabled: bool,
}

impl From<WorkspaceRow> for WorkspaceNode {
    fn from(row: WorkspaceRow) -> Self {
        Self {
            id: ID(row.workspace_id.to_string()),
            name: row.name,
            registered_at: row.registered_at,
            updated_at: row.updated_at,
            plan: row.plan,
            trial_ends_at: row.trial_ends_at,
            jantes_enabled: row.jantes_enabled,
        }
    }
}

/// Un membre de l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Member")]
pub struct MemberNode {
    pub account_id: ID,
    pub email: String,
    pub role: Option<RoleValue>,
    pub active: bool,
    pub joined_at: DateTime<Utc>,
}

/// Où en est une invitation.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    /// Envoyée, ni acceptée, ni retirée, ni expirée.
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub fn of(row: &InvitationRow, now: DateTime<Utc>) -> Self {
        match row.status.as_str() {
            "accepted" => Self::Accepted,
            "revoked" => Self::Revoked,
            _ if row.expires_at <= now => Self::Expired,
            _ => Self::Pending,
        }
    }
}

/// Pourquoi une invitation a été retirée.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvitationRevocationReason {
    /// Retirée par un gérant ou un administrateur.
    Withdrawn,
    /// Son auteur a été désactivé.
    InviterDeactivated,
    /// Son auteur n'a plus le droit d'accorder ce rôle.
    InviterDemoted,
    /// La personne invitée, membre, a été désactivée.
    InviteeDeactivated,
}

impl From<RevocationReason> for InvitationRevocationReason {
    fn from(reason: RevocationReason) -> Self {
        match reason {
            RevocationReason::Withdrawn => Self::Withdrawn,
            RevocationReason::InviterDeactivated => Self::InviterDeactivated,
            RevocationReason::InviterDemoted => Self::InviterDemoted,
            RevocationReason::InviteeDeactivated => Self::InviteeDeactivated,
        }
    }
}

/// Une invitation envoyée par l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Invitation")]
pub struct InvitationNode {
    pub id: ID,
    /// L'adresse invitée.
    pub email: Option<String>,
    pub role: Option<RoleValue>,
    pub invited_by: ID,
    pub invited_by_email: Option<String>,
    pub invited_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: InvitationStatus,
    pub revocation_reason: Option<InvitationRevocationReason>,
    /// Acceptée ou retirée à cette date.
    pub closed_at: Option<DateTime<Utc>>,
}

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
