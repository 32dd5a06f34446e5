//! A project photo's event, after its file is stored (`file_store`). A shop-floor member's
//! upload carries their purge budget: what the workshop's storage holds and what they sent
//! since the Paris midnight of the decision, so the project aggregate refuses a photo that
//! would make the quota's schedule purge older projects' photos beyond that budget.

use chrono::{DateTime, Utc};
use domain::project::lifecycle::{aggregate_local_id, Project, ProjectCommand};
use domain::project::photo::{paris_day_start, Photo, PurgeBudget};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{CommandError, CommandMeta, CommandReceipt, Commands};

/// What uploads are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoLimits {
    /// `PHOTO_QUOTA_BYTES`, unless the platform operator set the workshop's own.
    pub default_quota_bytes: u64,
    /// What a shop-floor member may send a day once the workshop is past the purge threshold.
    pub shop_floor_daily_budget_bytes: u64,
}

type Refusal = CommandError<<Project as cqrs_es::Aggregate>::Error>;

fn store(error: sqlx::Error) -> Refusal {
    CommandError::Store(Box::new(error))
}

fn bytes(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Records `photo` on the project, decided at `now` (the caller's clock, so tests move the
/// day forward instead of waiting for it).
pub async fn add_photo(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    project_id: Uuid,
    photo: Photo,
    now: DateTime<Utc>,
    limits: PhotoLimits,
) -> Result<CommandReceipt, Refusal> {
    let purge_budget = match meta.actor_id {
        Some(account_id) if meta.actor_role.is_shop_floor() => {
            let workspace_id = meta.workspace_id;
            let usage = crate::context::photo_usage(
                pool,
                workspace_id,
                account_id,
                paris_day_start(now),
                limits.default_quota_bytes,
            )
            .await
            .map_err(store)?;
            Some(PurgeBudget {
                used_bytes: bytes(usage.used_bytes),
                quota_bytes: usage.quota_bytes,
                sent_today_bytes: bytes(usage.sent_bytes),
                daily_budget_bytes: limits.shop_floor_daily_budget_bytes,
            })
        }
        _ => None,
    };
    commands
        .projects
        .execute_as_of(
            meta,
            &aggregate_local_id(project_id),
            ProjectCommand::AddPhoto {
                photo,
                purge_budget,
            },
            Some(now),
        )
        .await
}
