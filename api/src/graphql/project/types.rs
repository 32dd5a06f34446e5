//! The project resource's GraphQL types: the project sheet with its steps, parts and quality
//! control, the scan result and the non-conformity figures; their mapping from read-model
//! rows and the parsing of inputs into commands (photos and the workflow have their own files).

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use commands::project::ProjectDraft;
use domain::project::lifecycle::{Priority, ProjectCommand, QcAnswer};
use domain::project::workflow::StepKind;
use projections::project::{NcStats, ProjectRow};
use projections::views::scan::ScannedPart;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::graphql::quote::{line_drafts, QuoteLineInput};
use crate::ApiError;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ProjectStatus")]
pub enum StatusValue {
    InProgress,
    Ready,
    Delivered,
}

impl StatusValue {
    pub(super) fn stored(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Ready => "ready",
            Self::Delivered => "delivered",
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            "ready" => Self::Ready,
            "delivered" => Self::Delivered,
            _ => Self::InProgress,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ProjectPriority")]
pub enum PriorityValue {
    Normal,
    Urgent,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StepKind")]
pub enum StepKindValue {
    Reception,
    Preparation,
    Primer,
    Coating,
    Curing,
    QualityControl,
    Packaging,
    Other,
}

impl From<StepKindValue> for StepKind {
    fn from(value: StepKindValue) -> Self {
        match value {
            StepKindValue::Reception => Self::Reception,
            StepKindValue::Preparation => Self::Preparation,
            StepKindValue::Primer => Self::Primer,
            StepKindValue::Coating => Self::Coating,
            StepKindValue::Curing => Self::Curing,
            StepKindValue::QualityControl => Self::QualityControl,
            StepKindValue::Packaging => Self::Packaging,
            StepKindValue::Other => Self::Other,
        }
    }
}

impl From<StepKind> for StepKindValue {
    fn from(kind: StepKind) -> Self {
        match kind {
            StepKind::Reception => Self::Reception,
            StepKind::Preparation => Self::Preparation,
            StepKind::Primer => Self::Primer,
            StepKind::Coating => Self::Coating,
            StepKind::Curing => Self::Curing,
            StepKind::QualityControl => Self::QualityControl,
            StepKind::Packaging => Self::Packaging,
            StepKind::Other => Self::Other,
        }
    }
}

/// Une étape du projet : à faire, faite ou sautée, par qui et quand.
#[derive(SimpleObject)]
pub struct ProjectStep {
    pub key: String,
    pub label: String,
    pub kind: StepKindValue,
    pub skippable: bool,
    /// `todo`, `done` ou `skipped`.
    pub state: String,
    pub by: Option<ID>,
    pub at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// Une pièce (ou plusieurs pièces identiques) et ses paramètres enregistrés.
#[derive(SimpleObject)]
pub struct ProjectPart {
    pub rank: u16,
    /// Le code de l'étiquette, à taper si le QR code ne passe pas.
    pub code: String,
    pub description: String,
    pub quantity: u32,
    pub surface_m2: Decimal,
    pub powder_reference: Option<String>,
    pub powder_kind: Option<String>,
    pub finish: Option<String>,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    pub cure_temperature_c: Option<u16>,
    pub cure_minutes: Option<u16>,
    pub powder_kg: Decimal,
}

#[derive(SimpleObject)]
pub struct QcAnswerNode {
    pub item: String,
    pub passed: bool,
    pub comment: Option<String>,
}

#[derive(SimpleObject)]
pub struct QualityControlNode {
    pub passed: bool,
    pub answers: Vec<QcAnswerNode>,
    pub at: Option<DateTime<Utc>>,
}

/// Un projet : le dossier de l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Project")]
pub struct ProjectNode {
    pub id: ID,
    pub number: String,
    pub client_id: ID,
    pub quote_id: Option<ID>,
    pub quote_number: Option<String>,
    pub status: StatusValue,
    /// La clé de l'étape en cours ; absente quand toutes sont faites.
    pub current_step: Option<String>,
    pub steps: Vec<ProjectStep>,
    pub parts: Vec<ProjectPart>,
    pub qc_checklist: Vec<String>,
    pub defect_types: Vec<String>,
    pub quality_control: Option<QualityControlNode>,
    pub deposited_on: Option<NaiveDate>,
    pub promised_on: Option<NaiveDate>,
    /// Promis avant aujourd'hui (Paris) et pas encore prêt.
    pub late: bool,
    pub end_use: Option<String>,
    pub priority: PriorityValue,
    pub non_conformity_count: i32,
    pub created_at: DateTime<Utc>,
    pub ready_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

fn enum_text<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
}

/// The workshop's day: a project is late from the day after its promised date in Paris.
pub(super) fn today() -> NaiveDate {
    Utc::now().with_timezone(&Paris).date_naive()
}

impl From<ProjectRow> for ProjectNode {
    fn from(row: ProjectRow) -> Self {
        let steps = row
            .steps()
            .into_iter()
            .map(|step| ProjectStep {
                key: step.def.key,
                label: step.def.label,
                kind: step.def.kind.into(),
                skippable: step.def.skippable,
                state: step.state,
                by: step.by.map(|id| ID(id.to_string())),
                at: step.at,
                reason: step.reason,
            })
            .collect();
        let parts = row
            .parts()
            .into_iter()
            .map(|part| ProjectPart {
                rank: part.rank,
                code: part.code,
                description: part.description,
                quantity: part.quantity,
                surface_m2: part.surface_m2,
                powder_reference: part
                    .powder
                    .as_ref()
                    .map(|powder| powder.identity.reference().to_owned()),
                powder_kind: part
                    .powder
                    .as_ref()
                    .and_then(|powder| enum_text(&powder.identity.kind())),
                finish: part
                    .powder
                    .as_ref()
                    .and_then(|powder| enum_text(&powder.identity.finish())),
                coats: part.coats,
                primer: part.primer,
                varnish: part.varnish,
                cure_temperature_c: part.powder.as_ref().map(|powder| powder.cure_temperature_c),
                cure_minutes: part.powder.as_ref().map(|powder| powder.cure_minutes),
                powder_kg: part.powder_kg,
            })
            .collect();
        let quality_control = row.qc.as_ref().map(|qc| QualityControlNode {
            passed: qc["passed"].as_bool().unwrap_or(false),
            answers: serde_json::from_value::<Vec<QcAnswer>>(qc["answers"].clone())
                .unwrap_or_default()
                .into_iter()
                .map(|answer| QcAnswerNode {
                    item: answer.item,
                    passed: answer.passed,
                    comment: answer.comment,
                })
                .collect(),
            at: serde_json::from_value(qc["at"].clone()).ok(),
        });
        let late = row.status == "in_progress" && row.promised_on.is_some_and(|day| day < today());
        Self {
            id: ID(row.project_id.to_string()),
            number: row.number,
            client_id: ID(row.client_id.to_string()),
            quote_id: row.quote_id.map(|id| ID(id.to_string())),
            quote_number: row.quote_number,
            status: StatusValue::of(&row.status),
            current_step: row.current_step,
            steps,
            parts,
            qc_checklist: serde_json::from_value(row.qc_checklist).unwrap_or_default(),
            defect_types: serde_json::from_value(row.defect_types).unwrap_or_default(),
            quality_control,
            deposited_on: row.deposited_on,
            promised_on: row.promised_on,
            late,
            end_use: row.end_use,
            priority: if row.priority == "urgent" {
                PriorityValue::Urgent
            } else {
                PriorityValue::Normal
            },
            non_conformity_count: row.nc_count,
            created_at: row.created_at,
            ready_at: row.ready_at,
            delivered_at: row.delivered_at,
        }
    }
}

/// Ce qu'un code scanné ou tapé désigne.
#[derive(SimpleObject)]
pub struct ScanResult {
    pub project: ProjectNode,
    pub part: ProjectPart,
}

#[derive(SimpleObject)]
pub struct CountBy {
    pub label: String,
    pub count: i64,
}

/// Les non-conformités d'une période.
#[derive(SimpleObject)]
pub struct NonConformityStats {
    pub projects: i64,
    pub projects_with_non_conformity: i64,
    /// Part des projets de la période avec au moins une non-conformité, en %.
    pub rate_pct: Decimal,
    pub by_defect: Vec<CountBy>,
    pub by_powder: Vec<CountBy>,
    /// Retard moyen (jours) des projets en retard ayant eu une non-conformité.
    pub average_delay_days: Option<f64>,
}

#[derive(InputObject)]
pub struct ProjectInput {
    pub client_id: ID,
    pub lines: Vec<QuoteLineInput>,
    pub deposited_on: Option<NaiveDate>,
    pub promised_on: Option<NaiveDate>,
    pub end_use: Option<String>,
    #[graphql(default_with = "PriorityValue::Normal")]
    pub priority: PriorityValue,
}

#[derive(InputObject)]
pub struct QcAnswerInput {
    pub item: String,
    pub passed: bool,
    pub comment: Option<String>,
}

#[derive(InputObject)]
pub struct NonConformityInput {
    pub project_id: ID,
    pub defect_type: String,
    pub comment: Option<String>,
    pub corrective_action: Option<String>,
    /// L'étape où le projet retourne (l'étape en cours pour la refaire).
    pub return_to: String,
}

impl ScanResult {
    /// The scanned part out of its project; `None` when the project no longer has that rank.
    pub(super) fn of(scanned: ScannedPart) -> Option<Self> {
        let mut project = ProjectNode::from(scanned.project);
        let part = project
            .parts
            .iter()
            .position(|part| i32::from(part.rank) == scanned.rank)?;
        let part = project.parts.swap_remove(part);
        Some(Self { project, part })
    }
}

impl From<NcStats> for NonConformityStats {
    fn from(stats: NcStats) -> Self {
        let rate_pct = if stats.projects == 0 {
            Decimal::ZERO
        } else {
            (Decimal::from(stats.projects_with_nc * 100) / Decimal::from(stats.projects))
                .round_dp(1)
        };
        let counts = |rows: Vec<(String, i64)>| {
            rows.into_iter()
                .map(|(label, count)| CountBy { label, count })
                .collect()
        };
        Self {
            projects: stats.projects,
            projects_with_non_conformity: stats.projects_with_nc,
            rate_pct,
            by_defect: counts(stats.by_defect),
            by_powder: counts(stats.by_powder),
            average_delay_days: stats.average_delay_days,
        }
    }
}

impl ProjectInput {
    /// The project to open: an unreadable client id is a client that does not exist.
    pub(super) fn draft(self) -> Result<ProjectDraft, ApiError> {
        let client_id = Uuid::parse_str(&self.client_id).map_err(|_| {
            ApiError::new(
                domain::ErrorKind::NotFound,
                "CLIENT_NOT_FOUND",
                "ce client n'existe pas",
            )
        })?;
        Ok(ProjectDraft {
            client_id,
            lines: line_drafts(self.lines)?,
            deposited_on: self.deposited_on,
            promised_on: self.promised_on,
            end_use: self.end_use,
            priority: match self.priority {
                PriorityValue::Normal => Priority::Normal,
                PriorityValue::Urgent => Priority::Urgent,
            },
        })
    }
}

impl From<QcAnswerInput> for QcAnswer {
    fn from(answer: QcAnswerInput) -> Self {
        Self {
            item: answer.item,
            passed: answer.passed,
            comment: answer.comment.filter(|text| !text.trim().is_empty()),
        }
    }
}

impl NonConformityInput {
    /// The project it is about, and the declaration with a fresh id.
    pub(super) fn command(self) -> (ID, ProjectCommand) {
        (
            self.project_id,
            ProjectCommand::DeclareNonConformity {
                nc_id: Uuid::now_v7(),
                defect_type: self.defect_type,
                comment: self.comment,
                corrective_action: self.corrective_action,
                return_to: self.return_to,
            },
        )
    }
}
