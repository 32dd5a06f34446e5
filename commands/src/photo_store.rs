//! Where project photos live (spec §5.3): originals and their WebP renditions in object
//! storage — a local folder by default, the same calls reach S3 in production — under one
//! prefix per workshop, so nothing can address another workshop's files.

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stockage des photos : {0}")]
    Store(#[from] object_store::Error),
    #[error("stockage des photos : {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
pub struct PhotoStore {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for PhotoStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "PhotoStore({})", self.store)
    }
}

fn path(workspace_id: Uuid, photo_id: Uuid, name: &str) -> Path {
    Path::from(format!("{workspace_id}/{photo_id}/{name}"))
}

impl PhotoStore {
    /// Photos under `folder` (created if missing).
    pub fn local(folder: &std::path::Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(folder)?;
        Ok(Self {
            store: Arc::new(LocalFileSystem::new_with_prefix(folder)?),
        })
    }

    pub fn with_store(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// Stores `bytes` as the photo's `name` (`original`, `thumbnail`, `medium`, `large`).
    pub async fn put(
        &self,
        workspace_id: Uuid,
        photo_id: Uuid,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.store
            .put(&path(workspace_id, photo_id, name), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The photo's `name`, if stored.
    pub async fn get(
        &self,
        workspace_id: Uuid,
        photo_id: Uuid,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match self.store.get(&path(workspace_id, photo_id, name)).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes every file of a photo (the quota's purge).
    pub async fn delete(&self, workspace_id: Uuid, photo_id: Uuid) -> Result<(), StoreError> {
        for name in ["original", "thumbnail", "medium", "large"] {
            match self.store.delete(&path(workspace_id, photo_id, name)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }
}
