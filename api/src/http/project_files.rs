//! A project's PDFs. `GET /api/v1/projects/{id}/labels.pdf?columns=3&rows=8` (an A4 sheet)
//! or `?width_mm=60&height_mm=40` (one label per page): a label per physical part, with its
//! typeable code and its QR code. `GET /api/v1/projects/{id}/report.pdf`: the traceability
//! report. Another workshop's project is not found.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use projections::views::project_documents::{project_documents, ProjectDocuments};
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{Path, Query};
use crate::app::AppState;
use crate::auth::Actor;
use crate::permissions::Operation;
use crate::ApiError;
use commands::documents::labels::{label_sheet, part_labels, powder_line, Label, LabelFormat};
use commands::documents::project_report::{
    report_pdf, ProjectReport, ReportNc, ReportStep, StepOutcome,
};
use projections::project::ProjectRow;

/// A project of 500 rims prints 500 labels; beyond, the request is surely a mistake.
const MAX_LABELS: u32 = 2_000;

#[derive(Debug, Deserialize)]
pub(super) struct Format {
    columns: Option<u8>,
    rows: Option<u8>,
    width_mm: Option<u16>,
    height_mm: Option<u16>,
}

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "PROJECT_NOT_FOUND",
        "ce projet n'existe pas",
    )
}

pub async fn project_file(
    State(state): State<AppState>,
    Path((project_id, file)): Path<(String, String)>,
    Query(format): Query<Format>,
    actor: Actor,
) -> Result<Response, ApiError> {
    actor.require_for(Operation::ProjectFiles)?;
    let project_id = Uuid::parse_str(&project_id).map_err(|_| not_found())?;
    let ProjectDocuments {
        project,
        client_name,
        non_conformities,
        workshop_name,
    } = project_documents(&state.pool, actor.workspace_id, project_id)
        .await?
        .ok_or_else(not_found)?;
    let client_name = client_name.unwrap_or_else(|| "Client effacé".to_owned());
    let (pdf, filename) = match file.as_str() {
        "labels.pdf" => {
            let (labels, format) = labels(&project, client_name, format)?;
            let pdf = tokio::task::spawn_blocking(move || label_sheet(&labels, &format))
                .await
                .map_err(ApiError::internal)?
                .map_err(|error| ApiError::domain(&error))?;
            (pdf, format!("etiquettes-{}", project.number))
        }
        "report.pdf" => {
            let steps = project.steps();
            let people: Vec<Uuid> = steps.iter().filter_map(|step| step.by).collect();
            let people = commands::account::emails_of(&state.pool, &people)
                .await?
                .into_iter()
                .collect();
            let qc = project
                .qc
                .as_ref()
                .and_then(|qc| {
                    serde_json::from_value::<Vec<domain::project::lifecycle::QcAnswer>>(
                        qc["answers"].clone(),
                    )
                    .ok()
                })
                .unwrap_or_default()
                .into_iter()
                .map(|answer| (answer.item, answer.passed, answer.comment))
                .collect();
            let report = ProjectReport {
                workshop: workshop_name.unwrap_or_default(),
                number: project.number.clone(),
                client_name,
                quote_number: project.quote_number.clone(),
                deposited_on: project.deposited_on,
                promised_on: project.promised_on,
                ready_at: project.ready_at,
                delivered_at: project.delivered_at,
                parts: project.parts(),
                steps: steps
                    .into_iter()
                    .map(|step| ReportStep {
                        outcome: match step.state.as_str() {
                            "done" => StepOutcome::Done,
                            "skipped" => StepOutcome::Skipped,
                            _ => StepOutcome::Todo,
                        },
                        label: step.def.label,
                        by: step.by,
                        at: step.at,
                        reason: step.reason,
                    })
                    .collect(),
                qc,
                non_conformities: non_conformities
                    .into_iter()
                    .map(|nc| ReportNc {
                        at_step: nc.at_step,
                        defect_type: nc.defect_type,
                        comment: nc.comment,
                        corrective_action: nc.corrective_action,
                        return_to: nc.return_to,
                        declared_at: nc.declared_at,
                    })
                    .collect(),
                people,
            };
            let pdf = tokio::task::spawn_blocking(move || report_pdf(&report))
                .await
                .map_err(ApiError::internal)?
                .map_err(|error| ApiError::internal(error.to_string()))?;
            (pdf, format!("rapport-{}", project.number))
        }
        _ => return Err(not_found()),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The sheet's format: a grid of labels on A4 by default, or one label per page.
pub(super) fn label_format(format: Format) -> LabelFormat {
    match format {
        Format {
            width_mm: Some(width_mm),
            height_mm: Some(height_mm),
            ..
        } => LabelFormat::Single {
            width_mm,
            height_mm,
        },
        Format { columns, rows, .. } => LabelFormat::A4Grid {
            columns: columns.unwrap_or(3),
            rows: rows.unwrap_or(8),
        },
    }
}

/// Refuses a sheet of more than [`MAX_LABELS`] labels.
pub(super) fn check_label_count(parts: impl Iterator<Item = u32>) -> Result<(), ApiError> {
    if parts.sum::<u32>() > MAX_LABELS {
        return Err(ApiError::new(
            domain::ErrorKind::Validation,
            "LABEL_TOO_MANY",
            format!("plus de {MAX_LABELS} étiquettes : imprimez-les par pièce"),
        ));
    }
    Ok(())
}

/// The project's label sheet.
fn labels(
    project: &ProjectRow,
    client_name: String,
    format: Format,
) -> Result<(Vec<Label>, LabelFormat), ApiError> {
    let parts = project.parts();
    check_label_count(parts.iter().map(|part| part.quantity))?;
    let labels: Vec<Label> = parts
        .iter()
        .flat_map(|part| {
            part_labels(
                part,
                &project.number,
                &client_name,
                project.promised_on,
                powder_line(part),
            )
        })
        .collect();
    Ok((labels, label_format(format)))
}
