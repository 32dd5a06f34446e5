//! Projects over GraphQL (spec §5.3, §5.4): the list by promised date, the project sheet,
//! the workshop's queue, the moves of the shop floor (validate, skip, QC, non-conformity,
//! delivery), the scan of a part label, the workflow settings and the non-conformity figures.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use commands::project::{ProjectDraft, ProjectSaveError};
use domain::project::lifecycle::{aggregate_local_id, Priority, ProjectCommand, QcAnswer};
use domain::project::workflow::{StepDef, StepKind, WorkflowCommand, WorkflowSettings};
use domain::DomainError;
use projections::project::{ProjectFilter, ProjectRow};
use projections::tenant;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::quote::{line_drafts, QuoteLineInput};
use super::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i64 = 100;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ProjectStatus")]
pub enum StatusValue {
    InProgress,
    Ready,
    Delivered,
}

impl StatusValue {
    fn stored(self) -> &'static str {
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

fn today() -> NaiveDate {
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

fn photo_node(
    key: &[u8; 32],
    workspace_id: Uuid,
    row: projections::project::PhotoRow,
) -> PhotoNode {
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

#[derive(SimpleObject)]
pub struct WorkflowStepNode {
    pub key: String,
    pub label: String,
    pub kind: StepKindValue,
    pub skippable: bool,
}

/// Le flux de l'atelier : étapes, liste de contrôle qualité, types de défaut.
#[derive(SimpleObject)]
pub struct WorkflowNode {
    pub steps: Vec<WorkflowStepNode>,
    pub qc_checklist: Vec<String>,
    pub defect_types: Vec<String>,
    pub watermark_photos: bool,
}

impl From<WorkflowSettings> for WorkflowNode {
    fn from(settings: WorkflowSettings) -> Self {
        Self {
            steps: settings
                .steps
                .into_iter()
                .map(|step| WorkflowStepNode {
                    key: step.key,
                    label: step.label,
                    kind: step.kind.into(),
                    skippable: step.skippable,
                })
                .collect(),
            qc_checklist: settings.qc_checklist,
            defect_types: settings.defect_types,
            watermark_photos: settings.watermark_photos,
        }
    }
}

#[derive(InputObject)]
pub struct WorkflowStepInput {
    pub key: String,
    pub label: String,
    pub kind: StepKindValue,
    pub skippable: bool,
}

#[derive(InputObject)]
pub struct WorkflowInput {
    pub steps: Vec<WorkflowStepInput>,
    pub qc_checklist: Vec<String>,
    pub defect_types: Vec<String>,
    /// Le logo de l'atelier (celui de son modèle de devis) en filigrane des photos.
    #[graphql(default)]
    pub watermark_photos: bool,
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

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "PROJECT_NOT_FOUND",
        "ce projet n'existe pas",
    )
}

fn project_uuid(id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

fn save_error(error: ProjectSaveError) -> ApiError {
    match error {
        ProjectSaveError::Project(error) => ApiError::from(error),
        ProjectSaveError::Database(error) => ApiError::from(error),
        other => ApiError::new(other.kind(), other.code(), other.to_string()),
    }
}

async fn project_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<ProjectNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = projections::project::find(&mut *tx, workspace_id, project_id).await?;
    tx.commit().await?;
    row.map(ProjectNode::from).ok_or_else(not_found)
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// Les projets, par date promise (les non datés à la fin).
    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        status: Option<StatusValue>,
        #[graphql(desc = "Clé de l'étape en cours")] step: Option<String>,
        #[graphql(desc = "Seulement les projets en retard")] late: Option<bool>,
        #[graphql(desc = "Référence de poudre")] powder: Option<String>,
        client_id: Option<ID>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ProjectNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Projects)?;
        let after = after.as_deref().map(date_cursor).transpose()?;
        let filter = ProjectFilter {
            status: status.map(|status| status.stored().to_owned()),
            step,
            late_on: late.filter(|late| *late).map(|_| today()),
            powder,
            client_id: client_id
                .as_ref()
                .map(|id| Uuid::parse_str(id).unwrap_or_default()),
        };
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let mut rows =
            projections::project::list(&mut *tx, actor.workspace_id, &filter, after, limit + 1)
                .await
                .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            let day = row
                .promised_on
                .unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default());
            let cursor = format!("{day}|{}", row.project_id);
            connection.edges.push(Edge::new(cursor, row.into()));
        }
        Ok(connection)
    }

    /// La fiche d'un projet : pièces, étapes (qui, quand), contrôle, non-conformités.
    async fn project(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ProjectNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Project)?;
        Ok(project_node(ctx, actor.workspace_id, project_uuid(&id)?).await?)
    }

    /// La file de l'atelier (mode tablette) : les projets en cours, urgents d'abord, puis
    /// par date promise.
    async fn workshop_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
    ) -> async_graphql::Result<Vec<ProjectNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::WorkshopQueue)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let rows = projections::project::queue(
            &mut *tx,
            actor.workspace_id,
            i64::from(first).clamp(1, MAX_PAGE),
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(rows.into_iter().map(ProjectNode::from).collect())
    }

    /// Ce que désigne un code d'étiquette, scanné (QR) ou tapé (`P26-0042-2`).
    async fn scan(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<ScanResult> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Scan)?;
        let part_code = domain::project::numbering::scanned_part_code(&code);
        let unknown = || {
            ApiError::new(
                domain::ErrorKind::NotFound,
                "PART_CODE_UNKNOWN",
                format!(
                    "aucune pièce ne porte le code « {} »",
                    part_code.chars().take(40).collect::<String>()
                ),
            )
        };
        let scanned = projections::views::scan::scan(&state(ctx).pool, actor.workspace_id, &code)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(unknown)?;
        let mut project = ProjectNode::from(scanned.project);
        let part = project
            .parts
            .iter()
            .position(|part| i32::from(part.rank) == scanned.rank)
            .ok_or_else(unknown)?;
        let part = project.parts.swap_remove(part);
        Ok(ScanResult { project, part })
    }

    /// Les photos d'un projet (non purgées), avec leurs liens signés.
    async fn project_photos(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
    ) -> async_graphql::Result<Vec<PhotoNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ProjectPhotos)?;
        let project_id = project_uuid(&project_id)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        projections::project::find(&mut *tx, actor.workspace_id, project_id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(not_found)?;
        let rows = projections::project::photos(&mut *tx, actor.workspace_id, project_id)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .map(|row| photo_node(&state.url_key, actor.workspace_id, row))
            .collect())
    }

    /// La place prise par les photos et le quota de l'atelier.
    async fn photo_storage(&self, ctx: &Context<'_>) -> async_graphql::Result<PhotoStorage> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PhotoStorage)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let used = projections::project::photo_storage_bytes(&mut *tx, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let quota = projections::project::photo_quota(
            &mut *tx,
            actor.workspace_id,
            state.photo_quota_bytes,
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let quota = i64::try_from(quota).unwrap_or(i64::MAX);
        Ok(PhotoStorage {
            used_bytes: used,
            quota_bytes: quota,
            used_pct: (Decimal::from(used) * Decimal::ONE_HUNDRED / Decimal::from(quota.max(1)))
                .round_dp(1),
        })
    }

    /// Le flux de l'atelier (celui par défaut tant qu'il n'a pas été changé).
    async fn workflow(&self, ctx: &Context<'_>) -> async_graphql::Result<WorkflowNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Workflow)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let settings = projections::project::workflow(&mut *tx, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(settings.into())
    }

    /// Les non-conformités d'une période : taux, causes, poudres les plus touchées, retard.
    async fn non_conformity_stats(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> async_graphql::Result<NonConformityStats> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::NonConformityStats)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let stats = projections::project::nc_stats(&mut tx, actor.workspace_id, from, to)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
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
        Ok(NonConformityStats {
            projects: stats.projects,
            projects_with_non_conformity: stats.projects_with_nc,
            rate_pct,
            by_defect: counts(stats.by_defect),
            by_powder: counts(stats.by_powder),
            average_delay_days: stats.average_delay_days,
        })
    }
}

fn date_cursor(cursor: &str) -> Result<(NaiveDate, Uuid), ApiError> {
    let invalid = || {
        ApiError::new(
            domain::ErrorKind::Validation,
            "CURSOR_INVALID",
            "curseur de pagination invalide",
        )
    };
    let (day, id) = cursor.split_once('|').ok_or_else(invalid)?;
    Ok((
        day.parse().map_err(|_| invalid())?,
        Uuid::parse_str(id).map_err(|_| invalid())?,
    ))
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Ouvre un projet au comptoir, sans devis (un devis signé ouvre le sien tout seul).
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: ProjectInput,
    ) -> async_graphql::Result<ProjectNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CreateProject)?;
        let client_id = Uuid::parse_str(&input.client_id).map_err(|_| {
            ApiError::new(
                domain::ErrorKind::NotFound,
                "CLIENT_NOT_FOUND",
                "ce client n'existe pas",
            )
        })?;
        let draft = ProjectDraft {
            client_id,
            lines: line_drafts(input.lines)?,
            deposited_on: input.deposited_on,
            promised_on: input.promised_on,
            end_use: input.end_use,
            priority: match input.priority {
                PriorityValue::Normal => Priority::Normal,
                PriorityValue::Urgent => Priority::Urgent,
            },
        };
        let state = state(ctx);
        let (project_id, _, receipt) =
            commands::project::create(&state.pool, &state.commands, &meta(ctx, &actor), draft)
                .await
                .map_err(save_error)?;
        state
            .await_batch(&receipt, &[projections::project::NAME])
            .await?;
        Ok(project_node(ctx, actor.workspace_id, project_id).await?)
    }

    /// Valide l'étape en cours (le poudrage sort la poudre du stock).
    async fn validate_step(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        step: String,
    ) -> async_graphql::Result<ProjectNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ValidateStep)?;
        let project_id = project_uuid(&project_id)?;
        let state = state(ctx);
        let receipt =
            commands::project::validate_step(&state.commands, &meta(ctx, &actor), project_id, step)
                .await
                .map_err(save_error)?;
        state
            .await_batch(&receipt, &[projections::project::NAME])
            .await?;
        Ok(project_node(ctx, actor.workspace_id, project_id).await?)
    }

    /// Saute l'étape en cours si elle peut l'être, avec la raison.
    async fn skip_step(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        step: String,
        reason: String,
    ) -> async_graphql::Result<ProjectNode> {
        change(
            ctx,
            Operation::SkipStep,
            project_id,
            ProjectCommand::SkipStep { step, reason },
        )
        .await
    }

    /// Remplit le contrôle qualité : un résultat par point de la liste.
    async fn record_quality_control(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        answers: Vec<QcAnswerInput>,
    ) -> async_graphql::Result<ProjectNode> {
        let answers = answers
            .into_iter()
            .map(|answer| QcAnswer {
                item: answer.item,
                passed: answer.passed,
                comment: answer.comment.filter(|text| !text.trim().is_empty()),
            })
            .collect();
        change(
            ctx,
            Operation::RecordQualityControl,
            project_id,
            ProjectCommand::RecordQc { answers },
        )
        .await
    }

    /// Déclare une non-conformité : le projet retourne à l'étape choisie.
    async fn declare_non_conformity(
        &self,
        ctx: &Context<'_>,
        input: NonConformityInput,
    ) -> async_graphql::Result<ProjectNode> {
        change(
            ctx,
            Operation::DeclareNonConformity,
            input.project_id,
            ProjectCommand::DeclareNonConformity {
                nc_id: Uuid::now_v7(),
                defect_type: input.defect_type,
                comment: input.comment,
                corrective_action: input.corrective_action,
                return_to: input.return_to,
            },
        )
        .await
    }

    /// Dessine sur une photo (flèches, cercles, rectangles, textes ; coordonnées de 0 à 1) :
    /// remplace les annotations précédentes.
    async fn annotate_photo(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        photo_id: ID,
        annotations: async_graphql::Json<serde_json::Value>,
    ) -> async_graphql::Result<ProjectNode> {
        let photo_id = Uuid::parse_str(&photo_id).map_err(|_| {
            ApiError::new(
                domain::ErrorKind::NotFound,
                "PHOTO_NOT_FOUND",
                "cette photo n'existe pas (ou a été purgée)",
            )
        })?;
        let annotations: Vec<domain::project::photo::Annotation> =
            serde_json::from_value(annotations.0).map_err(|error| {
                ApiError::new(
                    domain::ErrorKind::Validation,
                    "ANNOTATION_SHAPE_INVALID",
                    format!("annotations illisibles : {error}"),
                )
            })?;
        change(
            ctx,
            Operation::AnnotatePhoto,
            project_id,
            ProjectCommand::AnnotatePhoto {
                photo_id,
                annotations,
            },
        )
        .await
    }

    /// Le client a récupéré ses pièces.
    async fn deliver_project(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
    ) -> async_graphql::Result<ProjectNode> {
        change(
            ctx,
            Operation::DeliverProject,
            project_id,
            ProjectCommand::Deliver,
        )
        .await
    }

    /// Change le flux de l'atelier (pour les projets ouverts ensuite). Gérant ou
    /// administrateur.
    async fn update_workflow(
        &self,
        ctx: &Context<'_>,
        input: WorkflowInput,
    ) -> async_graphql::Result<WorkflowNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateWorkflow)?;
        let settings = WorkflowSettings {
            steps: input
                .steps
                .into_iter()
                .map(|step| StepDef {
                    key: step.key.trim().to_owned(),
                    label: step.label.trim().to_owned(),
                    kind: step.kind.into(),
                    skippable: step.skippable,
                })
                .collect(),
            qc_checklist: input
                .qc_checklist
                .into_iter()
                .map(|item| item.trim().to_owned())
                .collect(),
            defect_types: input
                .defect_types
                .into_iter()
                .map(|item| item.trim().to_owned())
                .collect(),
            watermark_photos: input.watermark_photos,
        };
        let state = state(ctx);
        let receipt = state
            .commands
            .workflows
            .execute(
                &meta(ctx, &actor),
                domain::project::workflow::AGGREGATE_LOCAL_ID,
                WorkflowCommand::Change(settings),
            )
            .await
            .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::project::NAME])
            .await?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let settings = projections::project::workflow(&mut *tx, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(settings.into())
    }
}

async fn change(
    ctx: &Context<'_>,
    operation: Operation,
    project_id: ID,
    command: ProjectCommand,
) -> async_graphql::Result<ProjectNode> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let project_id = project_uuid(&project_id)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .projects
        .execute(&meta(ctx, &actor), &aggregate_local_id(project_id), command)
        .await
        .map_err(ApiError::from)?;
    state
        .await_projections(&receipt, &[projections::project::NAME])
        .await?;
    Ok(project_node(ctx, actor.workspace_id, project_id).await?)
}
