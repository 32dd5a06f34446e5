//! Importing clients from CSV in two steps (spec §4.1 step 9, §5.1): a preview that says, for
//! each line, OK / error / duplicate (of a client or of an earlier line, with the criterion),
//! then a confirmation with a choice per duplicate. The confirmation writes every accepted
//! line and the import's record in one statement: all or nothing, and once per file.

mod file;

pub use file::{
    export_headers, parse, Field, FileError, Line, ParsedFile, HEADERS, MAX_FILE_BYTES,
};

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use domain::client::import::{
    aggregate_local_id as import_id, ImportCommand, ImportRecordError, ImportSummary,
};
use domain::client::{
    aggregate_local_id, keys_for, ClientCommand, ClientError, ClientProfile, Criterion,
    DuplicateMatch, DuplicateOverride, Invitation, MatchKey, Sealed, SealedProfile,
};
use domain::DomainError;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    context, AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands,
};

/// What a line looks like to the workshop's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Similar {
    Client(Uuid),
    /// An earlier line of the same file.
    Line(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Ok,
    Invalid(ClientError),
    Duplicate(Vec<(Similar, Criterion)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLine {
    pub number: u64,
    pub profile: Option<ClientProfile>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// SHA-256 of the file: the same file is the same import.
    pub file_sha256: String,
    pub file: ParsedFile,
    pub lines: Vec<PlannedLine>,
    /// Already confirmed: a confirmation would import nothing.
    pub already_imported: Option<ImportSummary>,
}

pub use domain::digest::sha256_hex;

/// Reads the file and compares each line with the workshop's clients and the lines before it.
pub async fn preview(
    pool: &PgPool,
    workspace_id: Uuid,
    bytes: &[u8],
) -> Result<Preview, PreviewError> {
    let file = parse(bytes)?;
    let file_sha256 = sha256_hex(bytes);
    let criteria = context::duplicate_criteria(pool, workspace_id).await?;
    let lines = plan(pool, workspace_id, &file, &criteria).await?;
    let already_imported =
        context::confirmed_import(pool, workspace_id, &import_id(&file_sha256)).await?;
    Ok(Preview {
        file_sha256,
        file,
        lines,
        already_imported,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// One query for the whole file's keys against the client base, then the file against
/// itself: the first line holding a key is the original, later ones its duplicates.
async fn plan(
    pool: &PgPool,
    workspace_id: Uuid,
    file: &ParsedFile,
    criteria: &BTreeSet<Criterion>,
) -> Result<Vec<PlannedLine>, sqlx::Error> {
    let keys: Vec<Vec<MatchKey>> = file
        .lines
        .iter()
        .map(|line| match &line.profile {
            Ok(profile) => keys_for(profile, criteria),
            Err(_) => vec![],
        })
        .collect();
    let all: Vec<MatchKey> = keys.iter().flatten().cloned().collect();
    let mut known: HashMap<MatchKey, Vec<Uuid>> = HashMap::new();
    for (key, client_id) in context::holders(pool, workspace_id, &all).await? {
        known.entry(key).or_default().push(client_id);
    }
    let mut first_line: HashMap<&MatchKey, u64> = HashMap::new();
    let mut planned = Vec::with_capacity(file.lines.len());
    for (line, keys) in file.lines.iter().zip(&keys) {
        let profile = match &line.profile {
            Ok(profile) => profile.clone(),
            Err(error) => {
                planned.push(PlannedLine {
                    number: line.number,
                    profile: None,
                    verdict: Verdict::Invalid(error.clone()),
                });
                continue;
            }
        };
        let mut similar: Vec<(Similar, Criterion)> = Vec::new();
        for key in keys {
            for client_id in known.get(key).into_iter().flatten() {
                let found = (Similar::Client(*client_id), key.criterion);
                if !similar.contains(&found) {
                    similar.push(found);
                }
            }
            match first_line.get(key) {
                Some(earlier) => {
                    let found = (Similar::Line(*earlier), key.criterion);
                    if !similar.contains(&found) {
                        similar.push(found);
                    }
                }
                None => {
                    first_line.insert(key, line.number);
                }
            }
        }
        planned.push(PlannedLine {
            number: line.number,
            profile: Some(profile),
            verdict: if similar.is_empty() {
                Verdict::Ok
            } else {
                Verdict::Duplicate(similar)
            },
        });
    }
    Ok(planned)
}

/// What to do with a duplicate line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Skip,
    /// Complete the existing client with the line (duplicates of a client only).
    Update,
    /// Create a new client anyway; recorded as a duplicate override.
    Create,
}

#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Per line number.
    pub lines: HashMap<u64, Choice>,
    /// For duplicate lines without their own choice; skip by default.
    pub duplicates: Option<Choice>,
    /// Leave out invalid lines instead of refusing the file.
    pub skip_invalid_lines: bool,
    /// Invite each created client with an email to the customer portal.
    pub invite: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error(transparent)]
    Preview(#[from] PreviewError),
    #[error("lignes invalides : {}. Corrigez le fichier ou choisissez de les ignorer", list(.lines))]
    InvalidLines { lines: Vec<u64> },
    #[error("ligne {line} : on ne peut mettre à jour qu'un client existant, pas une autre ligne du fichier")]
    ChoiceInvalid { line: u64 },
    /// A choice for a line the file does not have: the file is not the one previewed.
    #[error("choix pour la ligne {line}, qui n'est pas dans le fichier")]
    ChoiceLineUnknown { line: i64 },
    #[error(transparent)]
    Client(#[from] CommandError<ClientError>),
    #[error(transparent)]
    Append(#[from] AppendError),
}

fn list(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(20).map(u64::to_string).collect();
    match lines.len() {
        n if n > 20 => format!("{}… ({n} en tout)", shown.join(", ")),
        _ => shown.join(", "),
    }
}

impl DomainError for ConfirmError {
    fn code(&self) -> &'static str {
        match self {
            Self::Preview(PreviewError::File(error)) => error.code(),
            Self::Preview(PreviewError::Database(_)) | Self::Append(AppendError::Store(_)) => {
                "INTERNAL"
            }
            Self::InvalidLines { .. } => "IMPORT_LINES_INVALID",
            Self::ChoiceInvalid { .. } => "IMPORT_CHOICE_INVALID",
            Self::ChoiceLineUnknown { .. } => "IMPORT_CHOICE_LINE_UNKNOWN",
            Self::Client(error) => error.code(),
            Self::Append(AppendError::Conflict) => "CONCURRENT_MODIFICATION",
        }
    }

    fn kind(&self) -> domain::ErrorKind {
        match self {
            Self::Preview(PreviewError::File(_))
            | Self::InvalidLines { .. }
            | Self::ChoiceInvalid { .. }
            | Self::ChoiceLineUnknown { .. } => domain::ErrorKind::Validation,
            Self::Client(error) => error.kind(),
            Self::Append(AppendError::Conflict) => domain::ErrorKind::Conflict,
            _ => domain::ErrorKind::Internal,
        }
    }
}

/// What a confirmation did; `already_imported` when the file had been confirmed before and
/// this confirmation wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub file_sha256: String,
    pub summary: ImportSummary,
    pub already_imported: bool,
    pub receipt: Option<AppendReceipt>,
}

/// Imports every accepted line, with the import's record, in one statement.
pub async fn confirm(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    bytes: &[u8],
    choices: &Choices,
) -> Result<Confirmed, ConfirmError> {
    let mut attempt = 1;
    loop {
        match confirm_once(pool, commands, meta, bytes, choices).await {
            Err(ConfirmError::Append(AppendError::Conflict)) if attempt < crate::MAX_ATTEMPTS => {
                attempt += 1
            }
            result => return result,
        }
    }
}

async fn confirm_once(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    bytes: &[u8],
    choices: &Choices,
) -> Result<Confirmed, ConfirmError> {
    let preview = preview(pool, meta.workspace_id, bytes).await?;
    let mut chosen: Vec<u64> = choices.lines.keys().copied().collect();
    chosen.sort_unstable();
    if let Some(line) = chosen
        .into_iter()
        .find(|chosen| !preview.lines.iter().any(|line| line.number == *chosen))
    {
        return Err(ConfirmError::ChoiceLineUnknown {
            line: i64::try_from(line).unwrap_or(i64::MAX),
        });
    }
    if let Some(summary) = preview.already_imported {
        return Ok(Confirmed {
            file_sha256: preview.file_sha256,
            summary,
            already_imported: true,
            receipt: None,
        });
    }
    let invalid: Vec<u64> = preview
        .lines
        .iter()
        .filter(|line| matches!(line.verdict, Verdict::Invalid(_)))
        .map(|line| line.number)
        .collect();
    if !invalid.is_empty() && !choices.skip_invalid_lines {
        return Err(ConfirmError::InvalidLines { lines: invalid });
    }
    let now = Utc::now();
    let mut append = AtomicAppend::default();
    // New clients' keys are stored before the append: a failed append leaves unused keys,
    // never sealed data without its key.
    let mut new_keys = Vec::new();
    let mut summary = ImportSummary {
        lines: preview.lines.len() as u32,
        invalid: invalid.len() as u32,
        ..ImportSummary::default()
    };
    for line in preview.lines {
        let Some(profile) = line.profile else {
            continue;
        };
        let (choice, similar) = match line.verdict {
            Verdict::Invalid(_) => continue,
            Verdict::Ok => (Choice::Create, vec![]),
            Verdict::Duplicate(similar) => (
                choices
                    .lines
                    .get(&line.number)
                    .copied()
                    .or(choices.duplicates)
                    .unwrap_or(Choice::Skip),
                similar,
            ),
        };
        match choice {
            Choice::Skip => summary.skipped += 1,
            Choice::Create => {
                let matches: Vec<DuplicateMatch> = similar
                    .iter()
                    .filter_map(|(found, criterion)| match found {
                        Similar::Client(client_id) => Some(DuplicateMatch {
                            client_id: *client_id,
                            criterion: *criterion,
                        }),
                        Similar::Line(_) => None,
                    })
                    .collect();
                let client_id = Uuid::now_v7();
                let key = crate::client::new_key();
                let seal = |text: &str| Sealed::seal(&key, crate::client::nonce(), text);
                let duplicate_override = (!similar.is_empty()).then(|| DuplicateOverride {
                    reason: seal(&format!(
                        "import CSV, ligne {} : créé malgré la ressemblance",
                        line.number
                    )),
                    matches,
                });
                let invitation = match (&profile.email, choices.invite) {
                    (Some(email), true) => Some(Invitation {
                        email: seal(email),
                        display_name: seal(&profile.display_name()),
                    }),
                    _ => None,
                };
                summary.invited += u32::from(invitation.is_some());
                append.push(
                    commands
                        .clients
                        .decide(
                            meta,
                            &aggregate_local_id(client_id),
                            ClientCommand::Create {
                                client_id,
                                profile: SealedProfile::seal(
                                    &profile,
                                    &key,
                                    crate::client::nonce(),
                                ),
                                duplicate_override,
                                invitation,
                            },
                            true,
                            now,
                        )
                        .await?,
                );
                new_keys.push((client_id, key));
                summary.created += 1;
            }
            Choice::Update => {
                let Some(client_id) = similar.iter().find_map(|(found, _)| match found {
                    Similar::Client(client_id) => Some(*client_id),
                    Similar::Line(_) => None,
                }) else {
                    return Err(ConfirmError::ChoiceInvalid { line: line.number });
                };
                // The known client completed by the line, sealed with its own key.
                let (existing, key) = match (
                    context::client_profile(pool, meta.workspace_id, client_id)
                        .await
                        .map_err(PreviewError::from)?,
                    context::client_key(pool, meta.workspace_id, client_id)
                        .await
                        .map_err(PreviewError::from)?,
                ) {
                    (Some(profile), Some(key)) => (profile, key),
                    _ => return Err(CommandError::Rejected(ClientError::NotFound).into()),
                };
                let completed = existing
                    .overlaid_with(&profile)
                    .validate()
                    .map_err(|error| ConfirmError::Client(CommandError::Rejected(error)))?;
                let decision = commands
                    .clients
                    .decide(
                        meta,
                        &aggregate_local_id(client_id),
                        ClientCommand::Edit {
                            profile: SealedProfile::seal(&completed, &key, crate::client::nonce()),
                            duplicate_override: None,
                        },
                        false,
                        now,
                    )
                    .await?;
                if decision.event_count() > 0 {
                    summary.updated += 1;
                } else {
                    summary.skipped += 1;
                }
                append.push(decision);
            }
        }
    }
    let record = commands
        .client_imports
        .decide(
            meta,
            &import_id(&preview.file_sha256),
            ImportCommand::Confirm {
                file_sha256: preview.file_sha256.clone(),
                summary: summary.clone(),
            },
            false,
            now,
        )
        .await;
    match record {
        Ok(decision) => append.push(decision),
        // Confirmed by someone else since the preview above: theirs stands.
        Err(CommandError::Rejected(ImportRecordError::AlreadyConfirmed { summary })) => {
            return Ok(Confirmed {
                file_sha256: preview.file_sha256,
                summary,
                already_imported: true,
                receipt: None,
            })
        }
        Err(CommandError::Conflict) => return Err(AppendError::Conflict.into()),
        Err(CommandError::Store(error)) => {
            return Err(AppendError::Store(sqlx::Error::Protocol(error.to_string())).into())
        }
    }
    crate::client_key::insert_many(pool, meta.workspace_id, &new_keys)
        .await
        .map_err(AppendError::Store)?;
    let receipt = commands.commit(meta, append).await?;
    Ok(Confirmed {
        file_sha256: preview.file_sha256,
        summary,
        already_imported: false,
        receipt: Some(receipt),
    })
}
