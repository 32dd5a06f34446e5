//! Photo renditions off the request path (spec §5.3): a reactor on `ProjectPhotoAdded`
//! reads the original from storage, draws the thumbnail, medium and large WebP versions and
//! stores them, recording each in `photo_rendition` with its checkpoint. An original that
//! cannot be decoded keeps no rendition (the original stays downloadable); never replayed.

use async_trait::async_trait;
use commands::file_store::FileStore;
use domain::project::lifecycle::ProjectEvent;
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;

use crate::photo_renditions::{renditions, PhotoError};
use uuid::Uuid;

pub const NAME: &str = "photo_renditions";

pub struct PhotoWorker {
    pub store: FileStore,
}

#[async_trait]
impl Projection for PhotoWorker {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[ProjectEvent::PHOTO_ADDED]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let ProjectEvent::PhotoAdded { photo, .. } = event.payload()? else {
                continue;
            };
            let workspace_id = event.workspace_id;
            let store_error = |error: commands::file_store::StoreError| {
                ProjectionError::Reactor(error.to_string())
            };
            // Purged before its turn came: nothing to draw.
            let Some(original) = self
                .store
                .get(workspace_id, photo.photo_id, "original")
                .await
                .map_err(store_error)?
            else {
                continue;
            };
            let watermark = watermark(conn, workspace_id).await?;
            let drawn = tokio::task::spawn_blocking(move || {
                match renditions(&original, watermark.as_deref()) {
                    // A logo that no longer reads never costs the photo its renditions.
                    Err(PhotoError::WatermarkUnreadable { .. }) => renditions(&original, None),
                    drawn => drawn,
                }
            })
            .await
            .map_err(|error| ProjectionError::Reactor(error.to_string()))?;
            let drawn = match drawn {
                Ok(drawn) => drawn,
                Err(error) => {
                    tracing::warn!(%workspace_id, photo_id = %photo.photo_id, %error, "photo left without renditions");
                    continue;
                }
            };
            for rendition in drawn {
                let size = rendition.webp.len() as i64;
                self.store
                    .put(workspace_id, photo.photo_id, rendition.name, rendition.webp)
                    .await
                    .map_err(store_error)?;
                sqlx::query(
                    "insert into photo_rendition (workspace_id, photo_id, name, width, height, size_bytes)
                     values ($1, $2, $3, $4, $5, $6)
                     on conflict (workspace_id, photo_id, name) do update set size_bytes = $6",
                )
                .bind(workspace_id)
                .bind(photo.photo_id)
                .bind(rendition.name)
                .bind(rendition.width as i32)
                .bind(rendition.height as i32)
                .bind(size)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }
}

/// The workshop's logo when it asked for watermarked photos: the one of its quote template.
async fn watermark(
    conn: &mut PgConnection,
    workspace_id: Uuid,
) -> Result<Option<Vec<u8>>, ProjectionError> {
    let wanted = projections::project::workflow(&mut *conn, workspace_id)
        .await?
        .watermark_photos;
    if !wanted {
        return Ok(None);
    }
    let template = projections::quote::template(&mut *conn, workspace_id).await?;
    let Some(logo) = template.config().header.logo_sha256 else {
        return Ok(None);
    };
    Ok(commands::quote_document::find_logo(&mut *conn, workspace_id, &logo).await?)
}
