//! A project's photos and the workshop's photo storage, each read with what it depends on in
//! one tenant transaction.

use sqlx::PgPool;
use uuid::Uuid;

use crate::project::{self, PhotoRow};
use crate::tenant;

/// The place the workshop's photos take, against its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoStorageView {
    pub used_bytes: i64,
    /// The workshop's own quota, or `default_quota_bytes` when none is set.
    pub quota_bytes: u64,
}

/// The photos (not purged) of `project_id`; `None` when the workshop has no such project, so
/// an unknown project is told apart from one without photos.
pub async fn of_project(
    pool: &PgPool,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<Option<Vec<PhotoRow>>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let photos = match project::find(&mut *tx, workspace_id, project_id).await? {
        Some(_) => Some(project::photos(&mut *tx, workspace_id, project_id).await?),
        None => None,
    };
    tx.commit().await?;
    Ok(photos)
}

/// The bytes the workshop's photos and their renditions take, and its quota.
pub async fn storage(
    pool: &PgPool,
    workspace_id: Uuid,
    default_quota_bytes: u64,
) -> Result<PhotoStorageView, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let used_bytes = project::photo_storage_bytes(&mut *tx, workspace_id).await?;
    let quota_bytes = project::photo_quota(&mut *tx, workspace_id, default_quota_bytes).await?;
    tx.commit().await?;
    Ok(PhotoStorageView {
        used_bytes,
        quota_bytes,
    })
}
