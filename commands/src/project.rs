//! Opening projects (from an accepted quote, or at the counter) with the next number of the
//! year in the same commit, and moving them through the shop. Validating the coating step
//! takes its powder from stock in the same commit: the stock never misses a coating, nor
//! counts one twice.

use chrono::{NaiveDate, Utc};
use domain::powder::movement::{self, ConsumptionSource, MovementCommand};
use domain::project::lifecycle::{
    aggregate_local_id, parts_from_lines, Intake, Priority, ProjectCommand, ProjectError,
    ProjectEvent, QuoteRef,
};
use domain::project::numbering;
use domain::quote::pricing::Line;
use domain::{DomainError, ErrorKind};
use sqlx::PgPool;
use uuid::Uuid;

use crate::quote::{active_client, resolve_lines, LineDraft, QuoteSaveError};
use crate::{
    AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands, Number,
    NumberingError, Series,
};

/// A project typed at the counter, without a quote.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectDraft {
    pub client_id: Uuid,
    pub lines: Vec<LineDraft>,
    pub deposited_on: Option<NaiveDate>,
    pub promised_on: Option<NaiveDate>,
    pub end_use: Option<String>,
    pub priority: Priority,
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectSaveError {
    #[error(transparent)]
    Lines(#[from] QuoteSaveError),
    #[error(transparent)]
    Project(#[from] CommandError<ProjectError>),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DomainError for ProjectSaveError {
    fn code(&self) -> &'static str {
        match self {
            Self::Lines(error) => error.code(),
            Self::Project(error) => error.code(),
            Self::Append(AppendError::Conflict) => "CONCURRENT_MODIFICATION",
            Self::Append(_) | Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Lines(error) => error.kind(),
            Self::Project(error) => error.kind(),
            Self::Append(AppendError::Conflict) => ErrorKind::Conflict,
            Self::Append(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }
}

fn store(cause: impl std::fmt::Display) -> ProjectSaveError {
    ProjectSaveError::Database(sqlx::Error::Protocol(cause.to_string()))
}

impl From<NumberingError> for ProjectSaveError {
    fn from(error: NumberingError) -> Self {
        store(error)
    }
}

/// Opens a project typed at the counter; returns its id and number.
pub async fn create(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    draft: ProjectDraft,
) -> Result<(Uuid, String, AppendReceipt), ProjectSaveError> {
    active_client(pool, meta.workspace_id, draft.client_id).await?;
    let lines = resolve_lines(pool, meta.workspace_id, draft.lines).await?;
    let intake = Intake {
        client_id: draft.client_id,
        quote: None,
        parts: vec![],
        deposited_on: draft.deposited_on,
        promised_on: draft.promised_on,
        end_use: draft.end_use.filter(|text| !text.trim().is_empty()),
        priority: draft.priority,
    };
    open(pool, commands, meta, Uuid::now_v7(), intake, &lines).await
}

/// Opens the project of an accepted quote, once: its id is the quote's, so a second call
/// (a replayed reaction, two processes) finds it and spends no number.
pub async fn from_quote(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    quote: QuoteRef,
    client_id: Uuid,
    lines: &[Line],
) -> Result<Option<(Uuid, String)>, ProjectSaveError> {
    let project_id = quote.quote_id;
    let intake = Intake {
        client_id,
        quote: Some(quote),
        parts: vec![],
        deposited_on: None,
        promised_on: None,
        end_use: None,
        priority: Priority::Normal,
    };
    match open(pool, commands, meta, project_id, intake, lines).await {
        Ok((project_id, number, _)) => Ok(Some((project_id, number))),
        Err(ProjectSaveError::Project(CommandError::Rejected(ProjectError::AlreadyCreated))) => {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

async fn open(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    project_id: Uuid,
    intake: Intake,
    lines: &[Line],
) -> Result<(Uuid, String, AppendReceipt), ProjectSaveError> {
    // Refuse bad lines before touching the counter.
    parts_from_lines("P", lines).map_err(CommandError::Rejected)?;
    let workflow = crate::context::workflow(pool, meta.workspace_id).await?;
    // Another project may take the number, or open this one, first: then look again.
    let (number, receipt) = commands
        .numbered(
            meta,
            Series::Project,
            project_id,
            |Number { sequence, now }| {
                let number = numbering::format(now, sequence);
                let mut intake = intake.clone();
                let workflow = workflow.clone();
                async move {
                    intake.parts =
                        parts_from_lines(&number, lines).map_err(CommandError::Rejected)?;
                    // Loaded, not assumed new: the quote's project may be open already (then
                    // the number taken is never committed).
                    let project = commands
                        .projects
                        .decide(
                            meta,
                            &aggregate_local_id(project_id),
                            ProjectCommand::Create {
                                project_id,
                                number: number.clone(),
                                intake,
                                workflow,
                            },
                            false,
                            now,
                        )
                        .await?;
                    Ok::<_, ProjectSaveError>((number, project))
                }
            },
        )
        .await?;
    Ok((project_id, number, receipt))
}

/// Validates the step in progress; the coating step's powder leaves the stock in the same
/// commit.
pub async fn validate_step(
    commands: &Commands,
    meta: &CommandMeta,
    project_id: Uuid,
    step: String,
) -> Result<AppendReceipt, ProjectSaveError> {
    commands
        .commit_retrying(meta, || async {
            let now = Utc::now();
            let decision = commands
                .projects
                .decide(
                    meta,
                    &aggregate_local_id(project_id),
                    ProjectCommand::ValidateStep { step: step.clone() },
                    false,
                    now,
                )
                .await?;
            let consumption = match decision.payload::<ProjectEvent>() {
                Some(ProjectEvent::StepValidated { consumption, .. }) => consumption,
                _ => vec![],
            };
            let mut append = AtomicAppend::default();
            append.push(decision);
            for used in consumption {
                let stock = commands
                    .powder_movements
                    .decide(
                        meta,
                        &movement::aggregate_local_id(&used.powder_key, now),
                        MovementCommand::Consume {
                            powder_key: used.powder_key.clone(),
                            kg: used.kg,
                            source: ConsumptionSource::Project(project_id.to_string()),
                        },
                        false,
                        now,
                    )
                    .await
                    .map_err(store)?;
                append.push(stock);
            }
            Ok(append)
        })
        .await
}
