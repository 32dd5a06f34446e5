//! The `invitation` read model: the invitations a workshop sent, with their state. The
//! address each went to is not here: it stays beside the link's token (ADR 0003) and the API
//! reads it there at query time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::workspace::{Workspace, WorkspaceEvent};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "invitation";

pub struct InvitationProjection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvitationRow {
    pub workspace_id: Uuid,
    pub invitation_id: Uuid,
    pub role: String,
    pub invited_by: Uuid,
    pub invited_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// `pending`, `accepted` or `revoked`; a pending one past `expires_at` is expired (no
    /// event says so: time does).
    pub status: String,
    pub revoked_by: Option<Uuid>,
    pub revocation_reason: Option<String>,
    pub accepted_by: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl Projection for InvitationProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["invitation"]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            WorkspaceEvent::MEMBER_INVITED,
            WorkspaceEvent::INVITATION_REVOKED,
            WorkspaceEvent::MEMBER_JOINED,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        // A handful per workshop and month: one statement per event.
        let ours = events
            .iter()
            .filter(|event| event.aggregate_type == Workspace::TYPE);
        for event in ours {
            match event.payload()? {
                WorkspaceEvent::MemberInvited {
                    invitation_id,
                    role,
                    invited_by,
                    invited_at,
                    expires_at,
                } => {
                    sqlx::query(
                        "insert into invitation (workspace_id, invitation_id, role, invited_by, invited_at,
                                                 expires_at, status)
                         values ($1, $2, $3, $4, $5, $6, 'pending')
                         on conflict (workspace_id, invitation_id) do nothing",
                    )
                    .bind(event.workspace_id)
                    .bind(invitation_id)
                    .bind(role.as_str())
                    .bind(invited_by)
                    .bind(invited_at)
                    .bind(expires_at)
                    .execute(&mut *conn)
                    .await?;
                }
                WorkspaceEvent::InvitationRevoked {
                    invitation_id,
                    by,
                    reason,
                    revoked_at,
                } => {
                    sqlx::query(
                        "update invitation set status = 'revoked', revoked_by = $3,
                                revocation_reason = $4, closed_at = $5
                         where workspace_id = $1 and invitation_id = $2",
                    )
                    .bind(event.workspace_id)
                    .bind(invitation_id)
                    .bind(by)
                    .bind(reason.as_str())
                    .bind(revoked_at)
                    .execute(&mut *conn)
                    .await?;
                }
                WorkspaceEvent::MemberJoined {
                    account_id,
                    joined_at,
                    invitation: Some(invitation_id),
                    ..
                } => {
                    sqlx::query(
                        "update invitation set status = 'accepted', accepted_by = $3, closed_at = $4
                         where workspace_id = $1 and invitation_id = $2",
                    )
                    .bind(event.workspace_id)
                    .bind(invitation_id)
                    .bind(account_id)
                    .bind(joined_at)
                    .execute(&mut *conn)
                    .await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// One invitation of the workspace, within a tenant transaction.
pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    invitation_id: Uuid,
) -> Result<Option<InvitationRow>, sqlx::Error> {
    sqlx::query_as(
        "select workspace_id, invitation_id, role, invited_by, invited_at, expires_at, status,
                revoked_by, revocation_reason, accepted_by, closed_at
         from invitation where workspace_id = $1 and invitation_id = $2",
    )
    .bind(workspace_id)
    .bind(invitation_id)
    .fetch_optional(executor)
    .await
}

/// One page of the invitations still pending at `now` (sent, neither accepted, revoked nor
/// expired), oldest first, after the cursor `after` (an `(invited_at, invitation_id)` pair).
pub async fn list_pending(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<InvitationRow>, sqlx::Error> {
    let (after_at, after_id) = after.unzip();
    sqlx::query_as(
        "select workspace_id, invitation_id, role, invited_by, invited_at, expires_at, status,
                revoked_by, revocation_reason, accepted_by, closed_at
         from invitation
         where workspace_id = $1 and status = 'pending' and expires_at > $2
           and ($3::timestamptz is null or (invited_at, invitation_id) > ($3, $4))
         order by invited_at, invitation_id
         limit $5",
    )
    .bind(workspace_id)
    .bind(now)
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(executor)
    .await
}
