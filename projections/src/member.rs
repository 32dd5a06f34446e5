//! The `member` read model: who belongs to which workshop, with which role.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use domain::platform::entitlements::{Standing, Terms};
use domain::workspace::{Workspace, WorkspaceEvent};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "member";

pub struct MemberProjection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MemberRow {
    pub workspace_id: Uuid,
    pub account_id: Uuid,
    pub role: String,
    pub active: bool,
    pub joined_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
impl Projection for MemberProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["member"]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            WorkspaceEvent::MEMBER_JOINED,
            WorkspaceEvent::MEMBER_ROLE_CHANGED,
            WorkspaceEvent::MEMBER_DEACTIVATED,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        // Membership changes are rare (a handful per workshop and year): one statement per
        // event keeps this simple.
        let ours = events
            .iter()
            .filter(|event| event.aggregate_type == Workspace::TYPE);
        for event in ours {
            match event.payload()? {
                WorkspaceEvent::MemberJoined {
                    account_id,
                    role,
                    joined_at,
                    ..
                } => {
                    sqlx::query(
                        "insert into member (workspace_id, account_id, role, active, joined_at, updated_at)
                         values ($1, $2, $3, true, $4, $4)
                         on conflict (workspace_id, account_id) do update
                         set role = excluded.role, active = true, joined_at = excluded.joined_at,
                             updated_at = excluded.updated_at",
                    )
                    .bind(event.workspace_id)
                    .bind(account_id)
                    .bind(role.as_str())
                    .bind(joined_at)
                    .execute(&mut *conn)
                    .await?;
                }
                WorkspaceEvent::MemberRoleChanged {
                    account_id,
                    role,
                    changed_at,
                } => {
                    sqlx::query(
                        "update member set role = $3, updated_at = $4 where workspace_id = $1 and account_id = $2",
                    )
                    .bind(event.workspace_id)
                    .bind(account_id)
                    .bind(role.as_str())
                    .bind(changed_at)
                    .execute(&mut *conn)
                    .await?;
                }
                WorkspaceEvent::MemberDeactivated {
                    account_id,
                    deactivated_at,
                } => {
                    sqlx::query(
                        "update member set active = false, updated_at = $3 where workspace_id = $1 and account_id = $2",
                    )
                    .bind(event.workspace_id)
                    .bind(account_id)
                    .bind(deactivated_at)
                    .execute(&mut *conn)
                    .await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The caller's membership, within a tenant transaction.
pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<Option<MemberRow>, sqlx::Error> {
    sqlx::query_as(
        "select workspace_id, account_id, role, active, joined_at, updated_at
         from member where workspace_id = $1 and account_id = $2",
    )
    .bind(workspace_id)
    .bind(account_id)
    .fetch_optional(executor)
    .await
}

/// A member as a request sees them: their membership, and where their workshop stands with
/// the platform (ADR 0014), for `entitlements::check`.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub member: MemberRow,
    /// `None` until the workspace read model shows the trial (a sign-up a moment ago):
    /// nothing is refused on a standing not yet known.
    pub standing: Option<Standing>,
    /// The catalogue's terms for a period starting on the day asked.
    pub terms: Terms,
}

/// The member `account_id` of `workspace_id`, their workshop's standing and its terms for a
/// period starting on `day`, in one statement (it runs on every authenticated request).
pub async fn caller(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    account_id: Uuid,
    day: NaiveDate,
) -> Result<Option<Caller>, sqlx::Error> {
    let row: Option<CallerRow> = sqlx::query_as(concat!(
        "select m.workspace_id, m.account_id, m.role, m.active, m.joined_at, m.updated_at,
                w.trial_ends_at,
                (select coalesce(jsonb_agg(jsonb_build_array(t.feature, t.plan, t.percent, t.killed)),
                                 '[]'::jsonb)
                 from (",
        crate::plan_catalogue::terms_select!("$3"),
        ") t) as terms
         from member m left join workspace w on w.workspace_id = m.workspace_id
         where m.workspace_id = $1 and m.account_id = $2"
    ))
    .bind(workspace_id)
    .bind(account_id)
    .bind(day)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|row| Caller {
        standing: row.trial_ends_at.map(|ends_at| Standing::Trial { ends_at }),
        terms: crate::plan_catalogue::terms_from(row.terms.0),
        member: row.member,
    }))
}

#[derive(sqlx::FromRow)]
struct CallerRow {
    #[sqlx(flatten)]
    member: MemberRow,
    trial_ends_at: Option<DateTime<Utc>>,
    terms: Json<Vec<crate::plan_catalogue::TermRow>>,
}

/// One page of a workspace's members, oldest first, after the cursor `after` (a
/// `(joined_at, account_id)` pair), at most `limit`.
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    let (after_joined, after_account) = after.unzip();
    sqlx::query_as(
        "select workspace_id, account_id, role, active, joined_at, updated_at
         from member
         where workspace_id = $1
           and ($2::timestamptz is null or (joined_at, account_id) > ($2, $3))
         order by joined_at, account_id
         limit $4",
    )
    .bind(workspace_id)
    .bind(after_joined)
    .bind(after_account)
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// The workshops an account may enter: the one read across workspaces, used only by login,
/// before any workspace is chosen.
pub async fn workspaces_of(
    executor: impl PgExecutor<'_>,
    account_id: Uuid,
) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "select m.workspace_id, w.name, m.role from member m
         join workspace w on w.workspace_id = m.workspace_id
         where m.account_id = $1 and m.active
         order by w.name",
    )
    .bind(account_id)
    .fetch_all(executor)
    .await
}
