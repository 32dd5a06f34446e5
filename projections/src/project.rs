//! The `project` read model: each project with its steps as they stand (who validated or
//! skipped what, when), its parts and their codes (what a scan resolves), its quality check
//! and its non-conformities; and the workshop's workflow settings.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::meta;
use domain::project::lifecycle::{Part, ProjectEvent};
use domain::project::workflow::{StepDef, WorkflowEvent, WorkflowSettings};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::RecordedEvent;

pub const NAME: &str = "project";

pub struct ProjectProjection;

/// A step of a project as the sheet shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepState {
    #[serde(flatten)]
    pub def: StepDef,
    /// `todo`, `done` or `skipped`.
    pub state: String,
    pub by: Option<Uuid>,
    pub at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProjectRow {
    pub project_id: Uuid,
    pub number: String,
    pub client_id: Uuid,
    pub quote_id: Option<Uuid>,
    pub quote_number: Option<String>,
    pub status: String,
    pub current_index: Option<i32>,
    pub current_step: Option<String>,
    pub steps: serde_json::Value,
    pub parts: serde_json::Value,
    pub qc_checklist: serde_json::Value,
    pub defect_types: serde_json::Value,
    pub qc: Option<serde_json::Value>,
    pub deposited_on: Option<NaiveDate>,
    pub promised_on: Option<NaiveDate>,
    pub end_use: Option<String>,
    pub priority: String,
    pub powders: Vec<String>,
    pub nc_count: i32,
    pub created_at: DateTime<Utc>,
    pub ready_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl ProjectRow {
    pub fn steps(&self) -> Vec<StepState> {
        serde_json::from_value(self.steps.clone()).unwrap_or_default()
    }

    pub fn parts(&self) -> Vec<Part> {
        serde_json::from_value(self.parts.clone()).unwrap_or_default()
    }
}

const COLUMNS: &str =
    "project_id, number, client_id, quote_id, quote_number, status, current_index,
    current_step, steps, parts, qc_checklist, defect_types, qc, deposited_on, promised_on, end_use,
    priority, powders, nc_count, created_at, ready_at, delivered_at, updated_at";

fn project_id_of(event: &RecordedEvent) -> Result<Uuid, ProjectionError> {
    event
        .local_id()
        .strip_prefix("project/")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| {
            ProjectionError::Reactor(format!("not a project id: {}", event.aggregate_id))
        })
}

async fn load_steps(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<Vec<StepState>, ProjectionError> {
    let steps: Option<serde_json::Value> =
        sqlx::query_scalar("select steps from project where workspace_id = $1 and project_id = $2")
            .bind(workspace_id)
            .bind(project_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(steps
        .and_then(|steps| serde_json::from_value(steps).ok())
        .unwrap_or_default())
}

/// Writes the steps back with the step in progress: the first not done nor skipped.
async fn save_steps(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    project_id: Uuid,
    steps: &[StepState],
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let current = steps.iter().position(|step| step.state == "todo");
    sqlx::query(
        "update project set steps = $3, current_index = $4, current_step = $5, updated_at = $6
         where workspace_id = $1 and project_id = $2",
    )
    .bind(workspace_id)
    .bind(project_id)
    .bind(serde_json::to_value(steps).unwrap_or_default())
    .bind(current.map(|index| index as i32))
    .bind(current.map(|index| steps[index].def.key.clone()))
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn mark(
    steps: &mut [StepState],
    key: &str,
    state: &str,
    by: Option<Uuid>,
    at: DateTime<Utc>,
    reason: Option<String>,
) {
    if let Some(step) = steps.iter_mut().find(|step| step.def.key == key) {
        step.state = state.to_owned();
        step.by = by;
        step.at = Some(at);
        step.reason = reason;
    }
}

#[async_trait]
impl Projection for ProjectProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "project",
            "project_part",
            "project_nc",
            "workflow_settings",
            "project_photo",
        ]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            ProjectEvent::CREATED,
            ProjectEvent::STEP_VALIDATED,
            ProjectEvent::STEP_SKIPPED,
            ProjectEvent::QC_RECORDED,
            ProjectEvent::NON_CONFORMITY,
            ProjectEvent::READY,
            ProjectEvent::DELIVERED,
            ProjectEvent::PHOTO_ADDED,
            ProjectEvent::PHOTO_ANNOTATED,
            ProjectEvent::PHOTOS_PURGED,
            WorkflowEvent::CHANGED,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let workspace_id = event.workspace_id;
            if event.event_type == WorkflowEvent::CHANGED {
                let WorkflowEvent::Changed {
                    settings,
                    changed_at,
                } = event.payload()?;
                crate::workshop_settings::save(
                    conn,
                    "workflow_settings",
                    "settings",
                    workspace_id,
                    &settings,
                    changed_at,
                )
                .await?;
                continue;
            }
            let project_id = project_id_of(event)?;
            let actor = event
                .meta(meta::ACTOR_ID)
                .and_then(|id| Uuid::parse_str(&id).ok());
            match event.payload()? {
                ProjectEvent::Created {
                    number,
                    intake,
                    steps,
                    qc_checklist,
                    defect_types,
                    created_at,
                    ..
                } => {
                    let states: Vec<StepState> = steps
                        .into_iter()
                        .map(|def| StepState {
                            def,
                            state: "todo".to_owned(),
                            by: None,
                            at: None,
                            reason: None,
                        })
                        .collect();
                    let mut powders: Vec<String> = intake
                        .parts
                        .iter()
                        .filter_map(|part| part.powder.as_ref())
                        .map(|powder| powder.identity.reference().to_owned())
                        .collect();
                    powders.sort();
                    powders.dedup();
                    sqlx::query(
                        "insert into project (workspace_id, project_id, number, client_id, quote_id, quote_number,
                                              status, current_index, current_step, steps, parts, qc_checklist,
                                              defect_types, deposited_on, promised_on, end_use, priority, powders,
                                              created_at, updated_at)
                         values ($1, $2, $3, $4, $5, $6, 'in_progress', 0, $7, $8, $9, $10, $11, $12, $13, $14,
                                 $15, $16, $17, $17)
                         on conflict do nothing",
                    )
                    .bind(workspace_id)
                    .bind(project_id)
                    .bind(&number)
                    .bind(intake.client_id)
                    .bind(intake.quote.as_ref().map(|quote| quote.quote_id))
                    .bind(intake.quote.as_ref().map(|quote| quote.number.clone()))
                    .bind(states.first().map(|step| step.def.key.clone()))
                    .bind(serde_json::to_value(&states).unwrap_or_default())
                    .bind(serde_json::to_value(&intake.parts).unwrap_or_default())
                    .bind(serde_json::to_value(&qc_checklist).unwrap_or_default())
                    .bind(serde_json::to_value(&defect_types).unwrap_or_default())
                    .bind(intake.deposited_on)
                    .bind(intake.promised_on)
                    .bind(&intake.end_use)
                    .bind(serde_json::to_value(intake.priority).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "normal".to_owned()))
                    .bind(&powders)
                    .bind(created_at)
                    .execute(&mut *conn)
                    .await?;
                    for part in &intake.parts {
                        sqlx::query(
                            "insert into project_part (workspace_id, code, project_id, rank) values ($1, $2, $3, $4)
                             on conflict do nothing",
                        )
                        .bind(workspace_id)
                        .bind(part.code.to_uppercase())
                        .bind(project_id)
                        .bind(i32::from(part.rank))
                        .execute(&mut *conn)
                        .await?;
                    }
                }
                ProjectEvent::StepValidated {
                    step, validated_at, ..
                } => {
                    let mut steps = load_steps(conn, workspace_id, project_id).await?;
                    mark(&mut steps, &step, "done", actor, validated_at, None);
                    save_steps(conn, workspace_id, project_id, &steps, validated_at).await?;
                }
                ProjectEvent::StepSkipped {
                    step,
                    reason,
                    skipped_at,
                } => {
                    let mut steps = load_steps(conn, workspace_id, project_id).await?;
                    mark(
                        &mut steps,
                        &step,
                        "skipped",
                        actor,
                        skipped_at,
                        Some(reason),
                    );
                    save_steps(conn, workspace_id, project_id, &steps, skipped_at).await?;
                }
                ProjectEvent::QcRecorded {
                    answers,
                    passed,
                    recorded_at,
                } => {
                    let qc = serde_json::json!({
                        "answers": answers, "passed": passed, "by": actor, "at": recorded_at,
                    });
                    sqlx::query(
                        "update project set qc = $3, updated_at = $4 where workspace_id = $1 and project_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(project_id)
                    .bind(qc)
                    .bind(recorded_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ProjectEvent::NonConformityDeclared {
                    nc_id,
                    at_step,
                    defect_type,
                    comment,
                    corrective_action,
                    return_to,
                    declared_at,
                } => {
                    // Every step from the one returned to is to be done again.
                    let mut steps = load_steps(conn, workspace_id, project_id).await?;
                    if let Some(back) = steps.iter().position(|step| step.def.key == return_to) {
                        for step in &mut steps[back..] {
                            step.state = "todo".to_owned();
                            step.by = None;
                            step.at = None;
                            step.reason = None;
                        }
                    }
                    save_steps(conn, workspace_id, project_id, &steps, declared_at).await?;
                    sqlx::query(
                        "update project set status = 'in_progress', qc = null, ready_at = null,
                                            nc_count = nc_count + 1
                         where workspace_id = $1 and project_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(project_id)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(
                        "insert into project_nc (workspace_id, nc_id, project_id, at_step, defect_type, comment,
                                                 corrective_action, return_to, powders, declared_at)
                         select $1, $2, $3, $4, $5, $6, $7, $8, powders, $9
                         from project where workspace_id = $1 and project_id = $3
                         on conflict do nothing",
                    )
                    .bind(workspace_id)
                    .bind(nc_id)
                    .bind(project_id)
                    .bind(&at_step)
                    .bind(&defect_type)
                    .bind(&comment)
                    .bind(&corrective_action)
                    .bind(&return_to)
                    .bind(declared_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ProjectEvent::Ready { ready_at } => {
                    sqlx::query(
                        "update project set status = 'ready', ready_at = $3, updated_at = $3
                         where workspace_id = $1 and project_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(project_id)
                    .bind(ready_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ProjectEvent::PhotoAdded { photo, added_at } => {
                    sqlx::query(
                        "insert into project_photo (workspace_id, photo_id, project_id, stage, step, nc_id,
                                                    content_type, size_bytes, sha256, caption, added_at,
                                                    added_by)
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                         on conflict do nothing",
                    )
                    .bind(workspace_id)
                    .bind(photo.photo_id)
                    .bind(project_id)
                    .bind(
                        serde_json::to_value(photo.stage)
                            .ok()
                            .and_then(|value| value.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                    )
                    .bind(&photo.step)
                    .bind(photo.nc_id)
                    .bind(&photo.content_type)
                    .bind(i64::try_from(photo.size_bytes).unwrap_or(i64::MAX))
                    .bind(&photo.sha256)
                    .bind(&photo.caption)
                    .bind(added_at)
                    .bind(actor)
                    .execute(&mut *conn)
                    .await?;
                }
                ProjectEvent::PhotoAnnotated {
                    photo_id,
                    annotations,
                    ..
                } => {
                    sqlx::query(
                        "update project_photo set annotations = $3 where workspace_id = $1 and photo_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(photo_id)
                    .bind(serde_json::to_value(&annotations).unwrap_or_default())
                    .execute(&mut *conn)
                    .await?;
                }
                // Not subscribed: the batch read model shows which parts are in which batch.
                ProjectEvent::EnteredBatch { .. } | ProjectEvent::CoatedInBatch { .. } => {}
                ProjectEvent::PhotosPurged {
                    photo_ids,
                    purged_at,
                } => {
                    sqlx::query(
                        "update project_photo set purged_at = $3
                         where workspace_id = $1 and photo_id = any($2)",
                    )
                    .bind(workspace_id)
                    .bind(&photo_ids)
                    .bind(purged_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ProjectEvent::Delivered { delivered_at } => {
                    sqlx::query(
                        "update project set status = 'delivered', delivered_at = $3, updated_at = $3
                         where workspace_id = $1 and project_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(project_id)
                    .bind(delivered_at)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// The workshop's workflow, the default until it changed it.
pub async fn workflow(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<WorkflowSettings, sqlx::Error> {
    crate::workshop_settings::load(executor, "workflow_settings", "settings", workspace_id).await
}

pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<Option<ProjectRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from project where workspace_id = $1 and project_id = $2"
    ))
    .bind(workspace_id)
    .bind(project_id)
    .fetch_optional(executor)
    .await
}

/// The filters of the project list.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub status: Option<String>,
    pub step: Option<String>,
    /// Promised before `today` and not ready yet.
    pub late_on: Option<NaiveDate>,
    pub powder: Option<String>,
    pub client_id: Option<Uuid>,
}

/// Projects by promised date (undated last), then number, after the cursor
/// `(promised_on or 9999-12-31, project_id)`.
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    filter: &ProjectFilter,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<ProjectRow>, sqlx::Error> {
    let (after_date, after_id) = after.unzip();
    sqlx::query_as(&format!(
        "select {COLUMNS} from project
         where workspace_id = $1
           and ($2::text is null or status = $2)
           and ($3::text is null or current_step = $3)
           and ($4::date is null or (promised_on < $4 and status = 'in_progress'))
           and ($5::text is null or upper($5) = any(select upper(p) from unnest(powders) p))
           and ($6::uuid is null or client_id = $6)
           and ($7::date is null or (coalesce(promised_on, '9999-12-31'), project_id) > ($7, $8))
         order by coalesce(promised_on, '9999-12-31'), project_id
         limit $9"
    ))
    .bind(workspace_id)
    .bind(&filter.status)
    .bind(&filter.step)
    .bind(filter.late_on)
    .bind(&filter.powder)
    .bind(filter.client_id)
    .bind(after_date)
    .bind(after_id)
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// The workshop's queue: projects in progress, urgent first, then by promised date.
pub async fn queue(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    limit: i64,
) -> Result<Vec<ProjectRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from project
         where workspace_id = $1 and status = 'in_progress'
         order by (priority = 'urgent') desc, coalesce(promised_on, '9999-12-31'), created_at
         limit $2"
    ))
    .bind(workspace_id)
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// A non-conformity as the report lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NcRow {
    pub nc_id: Uuid,
    pub at_step: String,
    pub defect_type: String,
    pub comment: Option<String>,
    pub corrective_action: Option<String>,
    pub return_to: String,
    pub declared_at: DateTime<Utc>,
}

/// A project's non-conformities, oldest first.
pub async fn non_conformities(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<Vec<NcRow>, sqlx::Error> {
    sqlx::query_as(
        "select nc_id, at_step, defect_type, comment, corrective_action, return_to, declared_at
         from project_nc where workspace_id = $1 and project_id = $2 order by declared_at",
    )
    .bind(workspace_id)
    .bind(project_id)
    .fetch_all(executor)
    .await
}

/// Projects whose step in progress is the coating: what batches are made of.
pub async fn at_coating(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<ProjectRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from project
         where workspace_id = $1 and status = 'in_progress'
           and steps -> current_index ->> 'kind' = 'coating'
         order by coalesce(promised_on, '9999-12-31'), project_id"
    ))
    .bind(workspace_id)
    .fetch_all(executor)
    .await
}

/// The project and part a typed or scanned part code names.
pub async fn by_part_code(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    code: &str,
) -> Result<Option<(Uuid, i32)>, sqlx::Error> {
    sqlx::query_as(
        "select project_id, rank from project_part where workspace_id = $1 and code = upper($2)",
    )
    .bind(workspace_id)
    .bind(code.trim())
    .fetch_optional(executor)
    .await
}

/// Non-conformities between two instants: how many projects had one among those created,
/// and the counts by defect type and by powder.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NcStats {
    pub projects: i64,
    pub projects_with_nc: i64,
    pub by_defect: Vec<(String, i64)>,
    pub by_powder: Vec<(String, i64)>,
    /// Days between the promised date and the day the project was ready, averaged over the
    /// projects with a non-conformity that were late.
    pub average_delay_days: Option<f64>,
}

pub async fn nc_stats(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<NcStats, sqlx::Error> {
    let (projects, projects_with_nc): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where nc_count > 0) from project
         where workspace_id = $1 and created_at >= $2 and created_at < $3",
    )
    .bind(workspace_id)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    let by_defect = sqlx::query_as(
        "select defect_type, count(*) from project_nc
         where workspace_id = $1 and declared_at >= $2 and declared_at < $3
         group by defect_type order by count(*) desc, defect_type",
    )
    .bind(workspace_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let by_powder = sqlx::query_as(
        "select powder, count(*) from project_nc, unnest(powders) powder
         where workspace_id = $1 and declared_at >= $2 and declared_at < $3
         group by powder order by count(*) desc, powder",
    )
    .bind(workspace_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let average_delay_days: Option<f64> = sqlx::query_scalar(
        "select avg(extract(epoch from (ready_at - (promised_on + 1)::timestamptz)) / 86400)::float8
         from project
         where workspace_id = $1 and created_at >= $2 and created_at < $3 and nc_count > 0
           and ready_at is not null and ready_at > (promised_on + 1)::timestamptz",
    )
    .bind(workspace_id)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    Ok(NcStats {
        projects,
        projects_with_nc,
        by_defect,
        by_powder,
        average_delay_days,
    })
}

/// A photo of a project, as the sheet lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub photo_id: Uuid,
    pub project_id: Uuid,
    pub stage: String,
    pub step: Option<String>,
    pub nc_id: Option<Uuid>,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub caption: Option<String>,
    pub annotations: serde_json::Value,
    pub added_at: DateTime<Utc>,
    /// The renditions stored so far (`thumbnail`, `medium`, `large`).
    pub renditions: Vec<String>,
}

const PHOTO_COLUMNS: &str = "p.photo_id, p.project_id, p.stage, p.step, p.nc_id, p.content_type,
    p.size_bytes, p.sha256, p.caption, p.annotations, p.added_at,
    coalesce((select array_agg(r.name order by r.width) from photo_rendition r
              where r.workspace_id = p.workspace_id and r.photo_id = p.photo_id), '{}') as renditions";

/// A project's photos not purged, oldest first.
pub async fn photos(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<Vec<PhotoRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {PHOTO_COLUMNS} from project_photo p
         where p.workspace_id = $1 and p.project_id = $2 and p.purged_at is null
         order by p.added_at, p.photo_id"
    ))
    .bind(workspace_id)
    .bind(project_id)
    .fetch_all(executor)
    .await
}

pub async fn photo(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    photo_id: Uuid,
) -> Result<Option<PhotoRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {PHOTO_COLUMNS} from project_photo p
         where p.workspace_id = $1 and p.photo_id = $2 and p.purged_at is null"
    ))
    .bind(workspace_id)
    .bind(photo_id)
    .fetch_optional(executor)
    .await
}

/// The workshop's photo quota: the operator's setting for it, or the platform default.
pub async fn photo_quota(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    default_bytes: u64,
) -> Result<u64, sqlx::Error> {
    let set: Option<i64> =
        sqlx::query_scalar("select quota_bytes from photo_quota where workspace_id = $1")
            .bind(workspace_id)
            .fetch_optional(executor)
            .await?;
    Ok(set.map_or(default_bytes, |bytes| bytes.max(0) as u64))
}

/// Sets a workshop's photo quota (the platform operator's command).
pub async fn set_photo_quota(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quota_bytes: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into photo_quota (workspace_id, quota_bytes) values ($1, $2)
         on conflict (workspace_id) do update set quota_bytes = $2, updated_at = now()",
    )
    .bind(workspace_id)
    .bind(i64::try_from(quota_bytes).unwrap_or(i64::MAX))
    .execute(executor)
    .await?;
    Ok(())
}

/// Bytes the workshop's photos take: originals and renditions not purged.
pub async fn photo_storage_bytes(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(sum(p.size_bytes + coalesce((select sum(r.size_bytes) from photo_rendition r
                 where r.workspace_id = p.workspace_id and r.photo_id = p.photo_id), 0)), 0)::bigint
         from project_photo p where p.workspace_id = $1 and p.purged_at is null",
    )
    .bind(workspace_id)
    .fetch_one(executor)
    .await
}

/// Bytes of the originals `account_id` sent since `since`, purged or not: what a shop-floor
/// member has spent of their daily purge budget.
pub async fn photo_bytes_sent_since(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    account_id: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(sum(size_bytes), 0)::bigint from project_photo
         where workspace_id = $1 and added_by = $2 and added_at >= $3",
    )
    .bind(workspace_id)
    .bind(account_id)
    .bind(since)
    .fetch_one(executor)
    .await
}
