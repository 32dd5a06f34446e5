//! A batch's label sheet (« impression étiquettes de série »):
//! `GET /api/v1/batches/{id}/labels.pdf`, same formats as a project's. A label per physical
//! part of the batch, its powder line led by the batch number, so the booth sees at a glance
//! that every part on the bar belongs to the same série. Another workshop's batch is not
//! found.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use projections::views::batch_labels::{batch_labels, BatchLabels, LabelledMember};
use uuid::Uuid;

use super::extract::{Path, Query};
use super::project_files::{check_label_count, label_format, Format};
use crate::app::AppState;
use crate::auth::Actor;
use crate::permissions::Operation;
use crate::ApiError;
use commands::documents::labels::{label_sheet, part_labels, powder_line, Label};

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "BATCH_NOT_FOUND",
        "cette série n'existe pas",
    )
}

pub async fn batch_file(
    State(state): State<AppState>,
    Path((batch_id, file)): Path<(String, String)>,
    Query(format): Query<Format>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::BatchLabels)?;
    let batch_id = Uuid::parse_str(&batch_id).map_err(|_| not_found())?;
    if file != "labels.pdf" {
        return Err(not_found());
    }
    let BatchLabels { batch, members } = batch_labels(&state.pool, actor.workspace_id, batch_id)
        .await?
        .ok_or_else(not_found)?;
    check_label_count(members.iter().map(|labelled| labelled.member.part.quantity))?;
    let mut labels: Vec<Label> = Vec::new();
    for LabelledMember {
        member,
        client_name,
    } in &members
    {
        let client_name = client_name.as_deref().unwrap_or("Client effacé");
        let powder =
            powder_line(&member.part).map(|line| format!("Série {} · {line}", batch.number));
        labels.extend(part_labels(
            &member.part,
            &member.project_number,
            client_name,
            member.promised_on,
            powder,
        ));
    }
    let format = label_format(format);
    let pdf = tokio::task::spawn_blocking(move || label_sheet(&labels, &format))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| ApiError::domain(&error))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"etiquettes-{}.pdf\"", batch.number),
            ),
        ],
        pdf,
    )
        .into_response())
}
