//! The files a workshop keeps outside the log, in object storage: project photos (spec §5.3),
//! originals and their WebP renditions, and the monthly FEC archives. A local folder by
//! default, the same calls reach S3 in production; one prefix per workshop, so nothing can
//! address another workshop's files.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stockage des fichiers : {0}")]
    Store(#[from] object_store::Error),
    #[error("stockage des fichiers : {0}")]
    Io(#[from] std::io::Error),
}

/// How to reach an S3 bucket.
#[derive(Clone, Default)]
pub struct S3Settings {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// An S3-compatible service's address; none for AWS itself.
    pub endpoint: Option<String>,
}

impl std::fmt::Debug for S3Settings {
    /// Never the secret key: configurations get logged.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("S3Settings")
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "FileStore({})", self.store)
    }
}

fn path(workspace_id: Uuid, photo_id: Uuid, name: &str) -> Path {
    Path::from(format!("{workspace_id}/{photo_id}/{name}"))
}

impl FileStore {
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

    /// Photos in an S3 bucket, under `prefix`: AWS, or any S3-compatible store through
    /// `endpoint` (Scaleway, OVH, MinIO, a local stand-in in tests).
    pub fn s3(settings: &S3Settings, bucket: &str, prefix: &str) -> Result<Self, StoreError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build()?;
        Ok(Self {
            store: if prefix.is_empty() {
                Arc::new(store)
            } else {
                Arc::new(PrefixStore::new(store, prefix))
            },
        })
    }

    /// The store a `STORAGE_URL` names: `file://folder` (photos under `folder/photos`) or
    /// `s3://bucket/prefix`.
    pub fn from_url(url: &str, s3: &S3Settings) -> Result<Self, StoreError> {
        match url.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                Self::s3(s3, bucket, prefix.trim_end_matches('/'))
            }
            None => {
                let folder = url.strip_prefix("file://").unwrap_or(url);
                Self::local(&std::path::Path::new(folder).join("photos"))
            }
        }
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

    /// Stores an accounting archive (the monthly FEC) as `archives/<workspace>/<name>`: beside
    /// the workshops' photo folders (named by UUIDs), never in one; the photo purge never
    /// touches it.
    pub async fn put_archive(
        &self,
        workspace_id: Uuid,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.store
            .put(
                &Path::from(format!("archives/{workspace_id}/{name}")),
                PutPayload::from(bytes),
            )
            .await?;
        Ok(())
    }

    /// An archive stored by [`put_archive`](Self::put_archive), if any.
    pub async fn get_archive(
        &self,
        workspace_id: Uuid,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match self
            .store
            .get(&Path::from(format!("archives/{workspace_id}/{name}")))
            .await
        {
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
