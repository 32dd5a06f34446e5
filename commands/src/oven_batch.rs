//! Oven batches (séries): gathering parts of one strict key, launching them to the booth
//! and closing them. Each step that touches projects commits the batch and every project it
//! moves together (and, at closing, the stock): either all of it is written or none.

use chrono::Utc;
use domain::batch::lifecycle::{
    aggregate_local_id, BatchCommand, BatchError as OvenBatchError, BatchEvent, Member, PREFIX,
    SERIES,
};
use domain::counter;
use domain::powder::movement::{self, ConsumptionSource, MovementCommand};
use domain::project::lifecycle::{self as project, ProjectCommand, ProjectError};
use domain::{DomainError, ErrorKind};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::context;
use crate::{
    AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands, Number,
    NumberingError, Series,
};

/// Parts of a project to put in a batch: the listed ranks, or every coated part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub project_id: Uuid,
    pub ranks: Option<Vec<u16>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchSaveError {
    #[error("ce projet n'existe pas")]
    ProjectNotFound,
    #[error("le projet {number} a déjà passé l'étape de poudrage")]
    PastCoating { number: String },
    #[error("le projet {number} n'a pas de pièce à poudrer{which}")]
    NotCoated { number: String, which: String },
    #[error("la pièce {code} est déjà dans la série {batch}")]
    InOtherBatch { code: String, batch: String },
    #[error(transparent)]
    Batch(#[from] CommandError<OvenBatchError>),
    #[error(transparent)]
    Project(#[from] CommandError<ProjectError>),
    #[error(transparent)]
    Commit(#[from] AppendError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DomainError for BatchSaveError {
    fn code(&self) -> &'static str {
        match self {
            Self::ProjectNotFound => "PROJECT_NOT_FOUND",
            Self::PastCoating { .. } => "PROJECT_PAST_COATING",
            Self::NotCoated { .. } => "PART_NOT_COATED",
            Self::InOtherBatch { .. } => "PART_ALREADY_IN_BATCH",
            Self::Batch(error) => error.code(),
            Self::Project(error) => error.code(),
            Self::Commit(AppendError::Conflict) => "CONCURRENT_MODIFICATION",
            Self::Commit(_) | Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::ProjectNotFound => ErrorKind::NotFound,
            Self::NotCoated { .. } => ErrorKind::Validation,
            Self::PastCoating { .. } | Self::InOtherBatch { .. } => ErrorKind::Conflict,
            Self::Batch(error) => error.kind(),
            Self::Project(error) => error.kind(),
            Self::Commit(AppendError::Conflict) => ErrorKind::Conflict,
            Self::Commit(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }
}

fn store(cause: impl std::fmt::Display) -> BatchSaveError {
    BatchSaveError::Database(sqlx::Error::Protocol(cause.to_string()))
}

impl From<NumberingError> for BatchSaveError {
    fn from(error: NumberingError) -> Self {
        store(error)
    }
}

/// The members `selection` names, from the projects as they stand. The launch checks again
/// on each project itself: this read only gives early, precise refusals.
async fn members(
    pool: &PgPool,
    workspace_id: Uuid,
    selection: Vec<Selection>,
    batch_id: Option<Uuid>,
) -> Result<Vec<Member>, BatchSaveError> {
    let mut members = Vec::new();
    for Selection { project_id, ranks } in selection {
        let row = context::project(pool, workspace_id, project_id)
            .await?
            .ok_or(BatchSaveError::ProjectNotFound)?;
        let past = match (row.current_step, row.coating_step) {
            (Some(current), Some(coating)) => current > coating,
            _ => true,
        };
        if row.status != project::Status::InProgress || past {
            return Err(BatchSaveError::PastCoating { number: row.number });
        }
        let parts = &row.parts;
        let coated = |rank: u16| {
            parts
                .iter()
                .find(|part| part.rank == rank && part.powder.is_some())
        };
        let chosen: Vec<_> = match ranks {
            Some(ranks) => ranks
                .into_iter()
                .map(|rank| {
                    coated(rank).ok_or_else(|| BatchSaveError::NotCoated {
                        number: row.number.clone(),
                        which: format!(" de rang {rank}"),
                    })
                })
                .collect::<Result<_, _>>()?,
            None => parts.iter().filter(|part| part.powder.is_some()).collect(),
        };
        if chosen.is_empty() {
            return Err(BatchSaveError::NotCoated {
                number: row.number,
                which: String::new(),
            });
        }
        for part in chosen {
            if let Some(batch) =
                context::open_batch_of(pool, workspace_id, project_id, part.rank, batch_id).await?
            {
                return Err(BatchSaveError::InOtherBatch {
                    code: part.code.clone(),
                    batch,
                });
            }
            members.push(Member {
                project_id,
                project_number: row.number.clone(),
                promised_on: row.promised_on,
                urgent: row.priority == project::Priority::Urgent,
                part: part.clone(),
            });
        }
    }
    Ok(members)
}

/// Opens a batch with the selected parts (the first part's key is the batch's) and the next
/// number of the year; returns its id and number.
pub async fn create(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    selection: Vec<Selection>,
) -> Result<(Uuid, String, AppendReceipt), BatchSaveError> {
    let members = members(pool, meta.workspace_id, selection, None).await?;
    let oven = context::oven(pool, meta.workspace_id).await?;
    let batch_id = Uuid::now_v7();
    // Refuse a bad selection before taking a number.
    domain::batch::lifecycle::OvenBatch::default()
        .decide(domain::Stamped::at(
            Utc::now(),
            BatchCommand::Create {
                batch_id,
                number: String::new(),
                members: members.clone(),
                oven: oven.clone(),
            },
        ))
        .map_err(CommandError::Rejected)?;
    let (number, receipt) = commands
        .numbered(
            meta,
            Series::Counter(SERIES),
            batch_id,
            |Number { sequence, now }| {
                let number = counter::format(PREFIX, now, sequence);
                let command = BatchCommand::Create {
                    batch_id,
                    number: number.clone(),
                    members: members.clone(),
                    oven: oven.clone(),
                };
                async move {
                    let created = commands
                        .batches
                        .decide(meta, &aggregate_local_id(batch_id), command, true, now)
                        .await?;
                    Ok::<_, BatchSaveError>((number, created))
                }
            },
        )
        .await?;
    Ok((batch_id, number, receipt))
}

/// Adds the selected parts to a draft batch.
pub async fn add(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    batch_id: Uuid,
    selection: Vec<Selection>,
) -> Result<AppendReceipt, BatchSaveError> {
    let members = members(pool, meta.workspace_id, selection, Some(batch_id)).await?;
    let oven = context::oven(pool, meta.workspace_id).await?;
    single(
        commands,
        meta,
        batch_id,
        BatchCommand::Add { members, oven },
    )
    .await
}

/// Takes parts (by code) out of a draft batch.
pub async fn remove(
    commands: &Commands,
    meta: &CommandMeta,
    batch_id: Uuid,
    codes: Vec<String>,
) -> Result<AppendReceipt, BatchSaveError> {
    single(commands, meta, batch_id, BatchCommand::Remove { codes }).await
}

async fn single(
    commands: &Commands,
    meta: &CommandMeta,
    batch_id: Uuid,
    command: BatchCommand,
) -> Result<AppendReceipt, BatchSaveError> {
    commands
        .commit_retrying(meta, || async {
            let decision = commands
                .batches
                .decide(
                    meta,
                    &aggregate_local_id(batch_id),
                    command.clone(),
                    false,
                    Utc::now(),
                )
                .await?;
            let mut append = AtomicAppend::default();
            append.push(decision);
            Ok(append)
        })
        .await
}

/// Launches a draft batch: each of its projects records its parts at the booth, in the same
/// commit (a project no longer at the coating step refuses, and nothing is written).
pub async fn launch(
    commands: &Commands,
    meta: &CommandMeta,
    batch_id: Uuid,
    batch_number: &str,
) -> Result<AppendReceipt, BatchSaveError> {
    commands
        .commit_retrying(meta, || async {
            let now = Utc::now();
            let decision = commands
                .batches
                .decide(
                    meta,
                    &aggregate_local_id(batch_id),
                    BatchCommand::Launch,
                    false,
                    now,
                )
                .await?;
            let projects = match decision.payload::<BatchEvent>() {
                Some(BatchEvent::Launched { projects, .. }) => projects,
                _ => vec![],
            };
            let mut append = AtomicAppend::default();
            append.push(decision);
            for parts in projects {
                let entered = commands
                    .projects
                    .decide(
                        meta,
                        &project::aggregate_local_id(parts.project_id),
                        ProjectCommand::EnterBatch {
                            batch_id,
                            batch_number: batch_number.to_owned(),
                            ranks: parts.ranks,
                        },
                        false,
                        now,
                    )
                    .await?;
                append.push(entered);
            }
            Ok(append)
        })
        .await
}

/// Closes a launched batch: its parts are powdered (each project validates its coating
/// once all its coated parts are), and the batch's powder leaves the stock once.
pub async fn close(
    commands: &Commands,
    meta: &CommandMeta,
    batch_id: Uuid,
) -> Result<AppendReceipt, BatchSaveError> {
    commands
        .commit_retrying(meta, || async {
            let now = Utc::now();
            let decision = commands
                .batches
                .decide(
                    meta,
                    &aggregate_local_id(batch_id),
                    BatchCommand::Close,
                    false,
                    now,
                )
                .await?;
            let Some(BatchEvent::Closed {
                powder_key,
                kg,
                projects,
                ..
            }) = decision.payload::<BatchEvent>()
            else {
                return Err(store("closing decided no closing"));
            };
            let mut append = AtomicAppend::default();
            append.push(decision);
            for parts in projects {
                let coated = commands
                    .projects
                    .decide(
                        meta,
                        &project::aggregate_local_id(parts.project_id),
                        ProjectCommand::CoatInBatch {
                            batch_id,
                            ranks: parts.ranks,
                        },
                        false,
                        now,
                    )
                    .await?;
                append.push(coated);
            }
            if kg > Decimal::ZERO {
                let stock = commands
                    .powder_movements
                    .decide(
                        meta,
                        &movement::aggregate_local_id(&powder_key, now),
                        MovementCommand::Consume {
                            powder_key: powder_key.clone(),
                            kg,
                            source: ConsumptionSource::Batch(batch_id.to_string()),
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
