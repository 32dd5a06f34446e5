//! The photo storage quota (spec §5.3): 20 GB per workshop by default, or what the platform
//! operator set for it (`thermogestion photo-quota`). When a workshop
//! passes 90 %, the photos of its oldest projects are purged until it is back under 80 % —
//! photos only, projects kept, each purge recorded as `ProjectPhotosPurged` before the
//! files go. A schedule; two processes at once are harmless (the project aggregate purges a
//! photo once).

use std::time::Duration;

use chrono::Utc;
use commands::file_store::FileStore;
use commands::{CommandError, CommandMeta, Commands};
use domain::project::lifecycle::{aggregate_local_id, ProjectCommand};
use domain::project::photo::past_purge_threshold;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

pub const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// Purges where needed; returns how many photos went.
pub async fn enforce(
    pool: &PgPool,
    commands: &Commands,
    store: &FileStore,
    quota_bytes: u64,
) -> Result<usize, sqlx::Error> {
    let default_quota = i64::try_from(quota_bytes).unwrap_or(i64::MAX);
    // Originals and renditions not purged, per workshop, against its quota.
    let usage: Vec<(Uuid, i64, Option<i64>)> = sqlx::query_as(
        "select p.workspace_id,
                sum(p.size_bytes + coalesce((select sum(r.size_bytes) from photo_rendition r
                     where r.workspace_id = p.workspace_id and r.photo_id = p.photo_id), 0))::bigint,
                (select q.quota_bytes from photo_quota q where q.workspace_id = p.workspace_id)
         from project_photo p where p.purged_at is null
         group by p.workspace_id",
    )
    .fetch_all(pool)
    .await?;
    let mut purged = 0;
    for (workspace_id, used, own_quota) in usage {
        let quota = own_quota.unwrap_or(default_quota);
        let bytes = |value: i64| u64::try_from(value).unwrap_or(0);
        if !past_purge_threshold(bytes(used), bytes(quota)) {
            continue;
        }
        let target = quota / 10 * 8;
        // Oldest projects first, their photos oldest first.
        let photos: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
            "select p.project_id, p.photo_id,
                    (p.size_bytes + coalesce((select sum(r.size_bytes) from photo_rendition r
                       where r.workspace_id = p.workspace_id and r.photo_id = p.photo_id), 0))::bigint
             from project_photo p join project j using (workspace_id, project_id)
             where p.workspace_id = $1 and p.purged_at is null
             order by j.created_at, p.added_at",
        )
        .bind(workspace_id)
        .fetch_all(pool)
        .await?;
        let mut remaining = used;
        let mut by_project: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
        for (project_id, photo_id, size) in photos {
            if remaining <= target {
                break;
            }
            remaining -= size;
            match by_project.last_mut() {
                Some((last, ids)) if *last == project_id => ids.push(photo_id),
                _ => by_project.push((project_id, vec![photo_id])),
            }
        }
        let meta = CommandMeta::system(workspace_id, "photo-quota");
        for (project_id, photo_ids) in by_project {
            match commands
                .projects
                .execute(
                    &meta,
                    &aggregate_local_id(project_id),
                    ProjectCommand::PurgePhotos {
                        photo_ids: photo_ids.clone(),
                    },
                )
                .await
            {
                Ok(_) => {
                    // Recorded first: a crash leaves files nobody names, never a name
                    // without its file.
                    for photo_id in &photo_ids {
                        if let Err(error) = store.delete(workspace_id, *photo_id).await {
                            tracing::error!(%workspace_id, %photo_id, %error, "purged photo not deleted");
                        }
                    }
                    purged += photo_ids.len();
                }
                Err(CommandError::Rejected(_)) => {}
                Err(error) => {
                    tracing::error!(%workspace_id, %project_id, %error, "photo purge failed")
                }
            }
        }
    }
    Ok(purged)
}

pub async fn run(
    pool: PgPool,
    commands: Commands,
    store: FileStore,
    quota_bytes: u64,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let started = Utc::now();
        match enforce(&pool, &commands, &store, quota_bytes).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, %started, "photos purged for the storage quota"),
            Err(error) => tracing::error!(%error, "photo quota check failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
