//! A project's photos over GraphQL: their signed links, the workshop's storage, and the
//! drawing on a photo read into its command.

use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::project::lifecycle::ProjectCommand;
use projections::project::PhotoRow;
use projections::views::photos::PhotoStorageView;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ApiError;

/// Les liens d'une photo, signés et valables une heure (utilisables dans un `<img>`).
#[derive(SimpleObject)]
pub struct PhotoUrls {
    pub original: String,
    /// Absentes tant que les versions WebP ne sont pas prêtes (quelques secondes).
    pub thumbnail: Option<String>,
    pub medium: Option<String>,
    pub large: Option<String>,
}

/// Une photo du projet.
#[derive(SimpleObject)]
pub struct PhotoNode {
    pub id: ID,
    /// `before`, `during` ou `after`.
    pub stage: String,
    pub step: Option<String>,
    pub non_conformity_id: Option<ID>,
    pub caption: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// Formes et textes dessinés sur la photo (coordonnées de 0 à 1).
    pub annotations: async_graphql::Json<serde_json::Value>,
    pub added_at: DateTime<Utc>,
    pub urls: PhotoUrls,
}

/// La place prise par les photos de l'atelier.
#[derive(SimpleObject)]
pub struct PhotoStorage {
    pub used_bytes: i64,
    pub quota_bytes: i64,
    /// À 90 %, les photos des projets les plus anciens sont purgées.
    pub used_pct: Decimal,
}

/// A photo with its links, signed with `key` for `workspace_id`.
pub(super) fn photo_node(key: &[u8; 32], workspace_id: Uuid, row: PhotoRow) -> PhotoNode {
    let until = Utc::now() + crate::photo_urls::VALIDITY;
    let url =
        |name: &str| crate::photo_urls::signed_path(key, workspace_id, row.photo_id, name, until);
    let rendition = |name: &str| {
        row.renditions
            .iter()
            .any(|have| have == name)
            .then(|| url(name))
    };
    PhotoNode {
        id: ID(row.photo_id.to_string()),
        stage: row.stage.clone(),
        step: row.step.clone(),
        non_conformity_id: row.nc_id.map(|id| ID(id.to_string())),
        caption: row.caption.clone(),
        content_type: row.content_type.clone(),
        size_bytes: row.size_bytes,
        sha256: row.sha256.clone(),
        annotations: async_graphql::Json(row.annotations.clone()),
        added_at: row.added_at,
        urls: PhotoUrls {
            original: url("original"),
            thumbnail: rendition("thumbnail"),
            medium: rendition("medium"),
            large: rendition("large"),
        },
    }
}

impl From<PhotoStorageView> for PhotoStorage {
    fn from(view: PhotoStorageView) -> Self {
        let quota = i64::try_from(view.quota_bytes).unwrap_or(i64::MAX);
        Self {
            used_bytes: view.used_bytes,
            quota_bytes: quota,
            used_pct: (Decimal::from(view.used_bytes) * Decimal::ONE_HUNDRED
                / Decimal::from(quota.max(1)))
            .round_dp(1),
        }
    }
}

/// The drawing on a photo, read from the JSON the editor sends.
pub(super) fn annotate_command(
    photo_id: &ID,
    annotations: serde_json::Value,
) -> Result<ProjectCommand, ApiError> {
    let photo_id = Uuid::parse_str(photo_id).map_err(|_| {
        ApiError::new(
            domain::ErrorKind::NotFound,
            "PHOTO_NOT_FOUND",
            "cette photo n'existe pas (ou a été purgée)",
        )
    })?;
    let annotations: Vec<domain::project::photo::Annotation> = serde_json::from_value(annotations)
        .map_err(|error| {
            ApiError::new(
                domain::ErrorKind::Validation,
                "ANNOTATION_SHAPE_INVALID",
                format!("annotations illisibles : {error}"),
            )
        })?;
    Ok(ProjectCommand::AnnotatePhoto {
        photo_id,
        annotations,
    })
}
