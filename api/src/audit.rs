//! The audit log, shared by the GraphQL query and the CSV export: parsing the filter,
//! reading a page, naming the actors.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::invoice::billing::{Billing, BillingEvent};
use domain::invoice::payment_policy::{method_labels, PaymentPolicy, PaymentPolicyEvent};
use domain::workspace::{Module, Plan, RevocationReason, Workspace, WorkspaceEvent};
use domain::{meta, ErrorKind, Role};
use projections::audit::{self, AuditEntry, AuditFilter};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Actor;
use crate::ApiError;

/// Payload summaries are cut here: enough to see what changed, short enough for a table.
pub const SUMMARY_CHARS: usize = 300;

/// The raw filter, as GraphQL or the query string give it.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawFilter {
    pub actor_id: Option<String>,
    pub aggregate_type: Option<String>,
    pub aggregate_id: Option<String>,
    pub event_type: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl RawFilter {
    pub fn parse(self) -> Result<AuditFilter, ApiError> {
        let actor_id = self
            .actor_id
            .filter(|id| !id.trim().is_empty())
            .map(|id| {
                Uuid::parse_str(id.trim()).map_err(|_| {
                    ApiError::new(
                        ErrorKind::Validation,
                        "ACTOR_ID_INVALID",
                        "argument « actorId » : identifiant d'auteur (UUID) attendu",
                    )
                    .with_field("actorId")
                })
            })
            .transpose()?;
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                return Err(ApiError::new(
                    ErrorKind::Validation,
                    "PERIOD_INVALID",
                    "la date de début doit précéder la date de fin",
                ));
            }
        }
        let blank_to_none =
            |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(AuditFilter {
            actor_id,
            aggregate_type: blank_to_none(self.aggregate_type),
            aggregate_id: blank_to_none(self.aggregate_id),
            event_type: blank_to_none(self.event_type),
            from: self.from,
            to: self.to,
        })
    }
}

/// One line of the audit log, with the actor named.
pub struct Line {
    pub entry: AuditEntry,
    pub actor_email: Option<String>,
    /// What happened, in French, for the events that have a label ([`label`]).
    pub label: Option<String>,
}

impl Line {
    pub fn actor_id(&self) -> Option<&str> {
        self.entry.meta(meta::ACTOR_ID)
    }
}

/// A page of the caller's workspace history, newest first.
pub async fn page(
    state: &AppState,
    actor: &Actor,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Line>, ApiError> {
    // The log under row-level security: only this workspace's events show (ADR 0013). It
    // is no read model: a parked one does not stop it.
    let entries = {
        let mut tx =
            projections::tenant::begin_reading(&state.pool, actor.workspace_id, &[]).await?;
        audit::list(&mut *tx, actor.workspace_id, filter, before, limit).await?
    };
    let actor_ids: Vec<Uuid> = entries
        .iter()
        .filter_map(|entry| entry.meta(meta::ACTOR_ID))
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect();
    let emails: HashMap<Uuid, String> =
        commands::account::emails_of(&state.pool, &actor_ids).await?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            let actor_email = entry
                .meta(meta::ACTOR_ID)
                .and_then(|id| Uuid::parse_str(id).ok())
                .and_then(|id| emails.get(&id).cloned());
            let label = label(&entry);
            Line {
                entry,
                actor_email,
                label,
            }
        })
        .collect())
}

/// « en tant que gérant », « en tant qu'opérateur ».
fn as_role(role: Role) -> String {
    let name = role.french();
    if name.starts_with(['a', 'e', 'é', 'i', 'o', 'u']) {
        format!("en tant qu'{name}")
    } else {
        format!("en tant que {name}")
    }
}

/// The segregation of duties' events: who may take which payment, what accounting checked.
fn duties_label(entry: &AuditEntry) -> Option<String> {
    if entry.aggregate_type == PaymentPolicy::TYPE {
        let PaymentPolicyEvent::PaymentMethodsSet {
            role, methods: set, ..
        } = serde_json::from_value(entry.payload.clone()).ok()?;
        return Some(format!(
            "Moyens de paiement du rôle {} : {}",
            role.french(),
            method_labels(&set)
        ));
    }
    match serde_json::from_value(entry.payload.clone()).ok()? {
        BillingEvent::PaymentReviewed { .. } => {
            Some("Paiement saisi par un opérateur vérifié par la compta".to_owned())
        }
        BillingEvent::PaymentRecorded {
            payment,
            review: Some(_),
            ..
        } => Some(format!(
            "Paiement de {} € ({}) saisi par un opérateur, à vérifier par la compta",
            payment.amount,
            payment.method.label()
        )),
        _ => None,
    }
}

/// What the event says, in the workshop's words: the workspace's own events (the workshop,
/// its members and its invitations), a client's portal access, and those of the segregation
/// of duties (payment methods per role, payments to review and reviewed). Read as the typed event, so a label
/// follows the payload's contract rather than its JSON layout; other events have none yet.
pub fn label(entry: &AuditEntry) -> Option<String> {
    if entry.aggregate_type == domain::client::Client::TYPE {
        return client_label(entry);
    }
    if entry.aggregate_type == Billing::TYPE || entry.aggregate_type == PaymentPolicy::TYPE {
        return duties_label(entry);
    }
    if entry.aggregate_type != Workspace::TYPE {
        return None;
    }
    let event: WorkspaceEvent = serde_json::from_value(entry.payload.clone()).ok()?;
    let paris = |at: DateTime<Utc>| {
        at.with_timezone(&chrono_tz::Europe::Paris)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    Some(match event {
        WorkspaceEvent::Registered { name, .. } => {
            format!("Atelier enregistré : {}", name.as_str())
        }
        WorkspaceEvent::ConsentRecorded { consent, .. } => format!(
            "Consentement enregistré (CGU {}, politique de confidentialité {})",
            consent.terms_version, consent.privacy_policy_version
        ),
        WorkspaceEvent::TrialStarted { plan, ends_at, .. } => {
            let plan = match plan {
                Plan::Lite => "Lite",
                Plan::Pro => "Pro",
            };
            format!("Essai de l'offre {plan} jusqu'au {}", paris(ends_at))
        }
        WorkspaceEvent::MemberJoined {
            role,
            invitation: Some(_),
            ..
        } => format!("Invitation acceptée : membre ajouté {}", as_role(role)),
        WorkspaceEvent::MemberJoined {
            role,
            invitation: None,
            ..
        } => format!("Membre ajouté {}", as_role(role)),
        WorkspaceEvent::MemberRoleChanged { role, .. } => {
            format!("Rôle d'un membre changé en {}", role.french())
        }
        WorkspaceEvent::MemberDeactivated { .. } => "Membre désactivé".to_owned(),
        WorkspaceEvent::Renamed { name, .. } => format!("Atelier renommé : {}", name.as_str()),
        WorkspaceEvent::ModuleToggled {
            module: Module::Jantes,
            enabled,
            ..
        } => format!(
            "Module Jantes {}",
            if enabled { "activé" } else { "désactivé" }
        ),
        WorkspaceEvent::MemberInvited {
            role, expires_at, ..
        } => format!(
            "Invitation envoyée {}, valable jusqu'au {} (heure de Paris)",
            as_role(role),
            paris(expires_at)
        ),
        WorkspaceEvent::InvitationRevoked { reason, .. } => format!(
            "Invitation retirée : {}",
            match reason {
                RevocationReason::Withdrawn => "par un gérant ou un administrateur",
                RevocationReason::InviterDeactivated => "son auteur a été désactivé",
                RevocationReason::InviterDemoted =>
                    "son auteur n'a plus le droit d'accorder ce rôle",
                RevocationReason::InviteeDeactivated =>
                    "la personne invitée, membre de l'atelier, a été désactivée",
            }
        ),
    })
}

/// The client events an auditor looks for: who opened or lost a portal access.
fn client_label(entry: &AuditEntry) -> Option<String> {
    use domain::client::ClientEvent;
    let event: ClientEvent = serde_json::from_value(entry.payload.clone()).ok()?;
    Some(match event {
        ClientEvent::InvitedToPortal { .. } => "Client invité à son espace".to_owned(),
        ClientEvent::PortalActivated { .. } => "Accès à l'espace client ouvert".to_owned(),
        ClientEvent::PortalRevoked { reason, .. } => {
            format!("Accès à l'espace client retiré : {}", reason.french())
        }
        _ => return None,
    })
}
