//! Photo renditions off the request path (spec §5.3): a reactor on `ProjectPhotoAdded`
//! reads the original from storage, draws the thumbnail, medium and large WebP versions and
//! stores them, recording each in `photo_rendition` with its checkpoint. An original that
//! cannot be decoded keeps no rendition (the original stays downloadable); never replayed.

use async_trait::async_trait;
use commands::photo_store::PhotoStore;
use domain::project::lifecycle::ProjectEvent;
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::PgConnection;

use crate::photo_renditions::renditions;

pub const NAME: &str = "photo_renditions";

pub struct PhotoWorker {
    pub store: PhotoStore,
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
            let store_error = |error: commands::photo_store::StoreError| {
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
            let drawn = tokio::task::spawn_blocking(move || renditions(&original, None))
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
