//! Project photos over HTTP. `POST /api/v1/projects/{id}/photos` (multipart: `file`, and
//! optionally `stage` = before|during|after, `step`, `caption`, `nc_id`): the type is read
//! from the file's first bytes, never from its name; 10 MB at most; the original is stored,
//! the renditions follow off the request path. `GET /api/v1/photos/{workspace}/{photo}/
//! {original|thumbnail|medium|large}?expires=…&sig=…`: a signed, expiring URL the API hands
//! out, usable in an `<img>`.

use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use domain::project::photo::{Photo, PhotoStage};
use projections::tenant;
use serde::Deserialize;
use uuid::Uuid;
use workers::photo_renditions::{sniff, PhotoFormat, MAX_UPLOAD_BYTES};

use super::extract::{Path, Query};
use crate::app::AppState;
use crate::auth::Actor;
use crate::permissions::Operation;
use crate::{photo_urls, ApiError};

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "PROJECT_NOT_FOUND",
        "ce projet n'existe pas",
    )
}

fn invalid(reason: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(domain::ErrorKind::Validation, reason, message.into())
}

fn too_large() -> ApiError {
    invalid(
        "PHOTO_FILE_TOO_LARGE",
        "le fichier pèse plus de 10 Mo : envoyez une photo plus légère",
    )
}

pub async fn upload(
    State(state): State<AppState>,
    Path((project_id, file)): Path<(String, String)>,
    actor: Actor,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::PhotoUpload)?;
    if file != "photos" {
        return Err(not_found());
    }
    let project_id = Uuid::parse_str(&project_id).map_err(|_| not_found())?;
    let mut tx = tenant::begin(&state.pool, actor.workspace_id).await?;
    projections::project::find(&mut *tx, actor.workspace_id, project_id)
        .await?
        .ok_or_else(not_found)?;
    tx.commit().await?;

    let (mut bytes, mut stage, mut step, mut caption, mut nc_id) = (None, None, None, None, None);
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let data = field.bytes().await.map_err(|_| too_large())?;
            if data.len() > MAX_UPLOAD_BYTES {
                return Err(too_large());
            }
            bytes = Some(data.to_vec());
            continue;
        }
        let text = field.text().await.map_err(|_| {
            invalid(
                "PHOTO_FORM_INVALID",
                "formulaire d'envoi de photo illisible",
            )
        })?;
        let text = text.trim().to_owned();
        match name.as_str() {
            "stage" => stage = Some(text),
            "step" if !text.is_empty() => step = Some(text),
            "caption" if !text.is_empty() => caption = Some(text.chars().take(500).collect()),
            "nc_id" if !text.is_empty() => {
                nc_id = Some(Uuid::parse_str(&text).map_err(|_| {
                    invalid(
                        "PHOTO_FORM_INVALID",
                        "identifiant de non-conformité invalide",
                    )
                })?)
            }
            _ => {}
        }
    }
    let bytes =
        bytes.ok_or_else(|| invalid("PHOTO_MISSING", "joignez la photo (champ « file »)"))?;
    let content_type = match sniff(&bytes) {
        Some(PhotoFormat::Jpeg) => "image/jpeg",
        Some(PhotoFormat::Png) => "image/png",
        Some(PhotoFormat::WebP) => "image/webp",
        Some(PhotoFormat::Heic) => {
            return Err(invalid(
                "PHOTO_HEIC_UNSUPPORTED",
                "HEIC non pris en charge : envoyez un JPEG",
            ))
        }
        None => return Err(invalid(
            "PHOTO_NOT_AN_IMAGE",
            "ce fichier n'est pas une image prise en charge : envoyez un JPEG, un PNG ou un WebP",
        )),
    };
    let stage = match stage.as_deref().unwrap_or("before") {
        "before" => PhotoStage::Before,
        "during" => PhotoStage::During,
        "after" => PhotoStage::After,
        _ => {
            return Err(invalid(
                "PHOTO_STAGE_INVALID",
                "le moment de la photo est « before », « during » ou « after »",
            ))
        }
    };
    let photo_id = Uuid::now_v7();
    let photo = Photo {
        photo_id,
        stage,
        step,
        nc_id,
        content_type: content_type.to_owned(),
        size_bytes: bytes.len() as u64,
        sha256: domain::digest::sha256_hex(&bytes),
        caption,
    };
    // The file first: an event never names a missing file.
    state
        .files
        .put(actor.workspace_id, photo_id, "original", bytes)
        .await
        .map_err(ApiError::internal)?;
    let meta = commands::CommandMeta {
        workspace_id: actor.workspace_id,
        actor_id: Some(actor.account_id),
        actor_role: actor.role,
        ip: None,
        request_id: Uuid::now_v7().to_string(),
    };
    let decided = commands::photo_upload::add_photo(
        &state.pool,
        &state.commands,
        &meta,
        project_id,
        photo,
        state.limits.clock().now_utc(),
        commands::photo_upload::PhotoLimits {
            default_quota_bytes: state.photo_quota_bytes,
            shop_floor_daily_budget_bytes: state.photo_purge_budget_bytes,
        },
    )
    .await;
    let receipt = match decided {
        Ok(receipt) => receipt,
        Err(error) => {
            // Refused: the stored file goes too.
            let _ = state.files.delete(actor.workspace_id, photo_id).await;
            return Err(ApiError::from(error));
        }
    };
    state
        .settle(&receipt, &[projections::project::NAME])
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "photoId": photo_id, "contentType": content_type })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct Signed {
    expires: i64,
    sig: String,
}

pub async fn download(
    State(state): State<AppState>,
    Path((workspace_id, photo_id, name)): Path<(Uuid, Uuid, String)>,
    Query(signed): Query<Signed>,
) -> Result<Response, ApiError> {
    let gone = || {
        ApiError::new(
            domain::ErrorKind::NotFound,
            "PHOTO_NOT_FOUND",
            "cette photo n'existe pas ou ce lien a expiré",
        )
    };
    if !photo_urls::verify(
        &state.url_key,
        workspace_id,
        photo_id,
        &name,
        signed.expires,
        &signed.sig,
        Utc::now(),
    ) {
        return Err(gone());
    }
    // The signature vouches for the workshop: read as that tenant.
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let photo = projections::project::photo(&mut *tx, workspace_id, photo_id)
        .await?
        .ok_or_else(gone)?;
    tx.commit().await?;
    let content_type = match name.as_str() {
        "original" => photo.content_type.clone(),
        "thumbnail" | "medium" | "large" => "image/webp".to_owned(),
        _ => return Err(gone()),
    };
    let bytes = state
        .files
        .get(workspace_id, photo_id, &name)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(gone)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
