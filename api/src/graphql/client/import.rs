//! Client CSV import over GraphQL: preview, then confirm with a choice per duplicate.
//! The file travels base64-encoded, byte for byte: its encoding is part of what is read.

use std::collections::HashMap;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use base64::Engine;
use commands::client_import::{
    self, Choice, Choices, ConfirmError, Similar, Verdict, MAX_FILE_BYTES,
};
use domain::DomainError;

use super::CriterionValue;
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// Lines needing attention shown by a preview; the counts cover the whole file.
const MAX_SHOWN: usize = 1_000;

fn file_bytes(file_base64: &str) -> Result<Vec<u8>, ApiError> {
    // Base64 is 4/3 of the file: refuse before decoding what could not be imported anyway.
    if file_base64.len() > MAX_FILE_BYTES / 3 * 4 + 4 {
        return Err(ApiError::domain(&client_import::FileError::TooLarge {
            max_mb: MAX_FILE_BYTES / (1024 * 1024),
        }));
    }
    base64::engine::general_purpose::STANDARD
        .decode(file_base64.trim())
        .map_err(|_| {
            ApiError::new(
                domain::ErrorKind::Validation,
                "IMPORT_FILE_NOT_BASE64",
                "le fichier doit être transmis encodé en base64",
            )
        })
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportLineStatus {
    Ok,
    Invalid,
    Duplicate,
}

/// Un client existant ou une ligne précédente du fichier qui ressemble à la ligne.
#[derive(SimpleObject)]
pub struct ImportMatch {
    pub client_id: Option<ID>,
    /// La ligne du fichier, quand le doublon est dans le fichier même.
    pub line: Option<i64>,
    pub criterion: CriterionValue,
    pub label: String,
}

/// Une ligne du fichier à regarder.
#[derive(SimpleObject)]
pub struct ImportLineNode {
    /// Numéro de ligne dans le fichier (1 : les en-têtes).
    pub line: i64,
    pub status: ImportLineStatus,
    pub display_name: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub matches: Vec<ImportMatch>,
}

/// Une colonne du fichier et le champ qu'elle remplit (absent : ignorée).
#[derive(SimpleObject)]
pub struct ImportColumn {
    pub header: String,
    pub field: Option<String>,
}

/// Ce que l'import ferait.
#[derive(SimpleObject)]
pub struct ImportPreviewNode {
    pub file_sha256: String,
    pub encoding: String,
    pub delimiter: String,
    pub columns: Vec<ImportColumn>,
    pub total: i64,
    pub ok: i64,
    pub invalid: i64,
    pub duplicates: i64,
    /// Les lignes invalides et les doublons (au plus 1 000), dans l'ordre du fichier.
    pub issues: Vec<ImportLineNode>,
    pub issues_truncated: bool,
    /// Ce fichier a déjà été importé : le confirmer n'importerait rien.
    pub already_imported: bool,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportChoice {
    /// Ne pas importer la ligne.
    Skip,
    /// Compléter le client existant avec la ligne.
    Update,
    /// Créer quand même un nouveau client.
    Create,
}

impl From<ImportChoice> for Choice {
    fn from(choice: ImportChoice) -> Self {
        match choice {
            ImportChoice::Skip => Self::Skip,
            ImportChoice::Update => Self::Update,
            ImportChoice::Create => Self::Create,
        }
    }
}

#[derive(InputObject)]
pub struct ImportLineChoice {
    pub line: i64,
    pub choice: ImportChoice,
}

/// Ce que l'import a fait.
#[derive(SimpleObject)]
pub struct ImportResultNode {
    pub file_sha256: String,
    pub lines: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub invalid: i64,
    pub invited: i64,
    /// Le fichier avait déjà été importé : rien n'a été écrit cette fois.
    pub already_imported: bool,
}

fn field_name(field: client_import::Field) -> String {
    client_import::HEADERS
        .iter()
        .find(|(known, _)| *known == field)
        .map(|(_, names)| names[0].to_owned())
        .unwrap_or_default()
}

impl From<client_import::Preview> for ImportPreviewNode {
    fn from(preview: client_import::Preview) -> Self {
        let count = |wanted: fn(&Verdict) -> bool| {
            preview
                .lines
                .iter()
                .filter(|line| wanted(&line.verdict))
                .count() as i64
        };
        let (ok, invalid, duplicates) = (
            count(|verdict| matches!(verdict, Verdict::Ok)),
            count(|verdict| matches!(verdict, Verdict::Invalid(_))),
            count(|verdict| matches!(verdict, Verdict::Duplicate(_))),
        );
        let issues: Vec<ImportLineNode> = preview
            .lines
            .iter()
            .filter(|line| !matches!(line.verdict, Verdict::Ok))
            .take(MAX_SHOWN)
            .map(|line| {
                let display_name = line.profile.as_ref().map(|profile| profile.display_name());
                match &line.verdict {
                    Verdict::Invalid(error) => ImportLineNode {
                        line: line.number as i64,
                        status: ImportLineStatus::Invalid,
                        display_name,
                        reason: Some(error.code().to_owned()),
                        message: Some(error.to_string()),
                        matches: vec![],
                    },
                    Verdict::Duplicate(similar) => ImportLineNode {
                        line: line.number as i64,
                        status: ImportLineStatus::Duplicate,
                        display_name,
                        reason: Some("CLIENT_DUPLICATE".to_owned()),
                        message: None,
                        matches: similar
                            .iter()
                            .map(|(found, criterion)| ImportMatch {
                                client_id: match found {
                                    Similar::Client(id) => Some(ID(id.to_string())),
                                    Similar::Line(_) => None,
                                },
                                line: match found {
                                    Similar::Line(number) => Some(*number as i64),
                                    Similar::Client(_) => None,
                                },
                                criterion: (*criterion).into(),
                                label: criterion.label().to_owned(),
                            })
                            .collect(),
                    },
                    Verdict::Ok => unreachable!("filtered above"),
                }
            })
            .collect();
        Self {
            file_sha256: preview.file_sha256,
            encoding: preview.file.encoding.to_owned(),
            delimiter: preview.file.delimiter.to_string(),
            columns: preview
                .file
                .columns
                .iter()
                .map(|(header, field)| ImportColumn {
                    header: header.clone(),
                    field: field.map(field_name),
                })
                .collect(),
            total: preview.lines.len() as i64,
            ok,
            invalid,
            duplicates,
            issues_truncated: (invalid + duplicates) as usize > MAX_SHOWN,
            issues,
            already_imported: preview.already_imported.is_some(),
        }
    }
}

impl From<&client_import::Confirmed> for ImportResultNode {
    fn from(confirmed: &client_import::Confirmed) -> Self {
        let summary = &confirmed.summary;
        Self {
            file_sha256: confirmed.file_sha256.clone(),
            lines: i64::from(summary.lines),
            created: i64::from(summary.created),
            updated: i64::from(summary.updated),
            skipped: i64::from(summary.skipped),
            invalid: i64::from(summary.invalid),
            invited: i64::from(summary.invited),
            already_imported: confirmed.already_imported,
        }
    }
}

#[derive(Default)]
pub struct ClientImportMutation;

#[Object]
impl ClientImportMutation {
    /// Lit un fichier CSV de clients (format : schemas/csv/clients.md) et dit pour chaque
    /// ligne : correcte, invalide (avec la raison) ou doublon (d'un client ou d'une ligne
    /// précédente, avec le critère). N'écrit rien. Gérant, administrateur ou atelier.
    async fn preview_client_import(
        &self,
        ctx: &Context<'_>,
        file_base64: String,
    ) -> Result<ImportPreviewNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PreviewClientImport)?;
        let bytes = file_bytes(&file_base64)?;
        let state = state(ctx);
        let preview = client_import::preview(&state.pool, actor.workspace_id, &bytes).await?;
        Ok(preview.into())
    }

    /// Importe le fichier : toutes les lignes acceptées ou aucune. Les doublons suivent
    /// `choices` ligne par ligne, sinon `duplicates` (ignorés par défaut). Un fichier avec des
    /// lignes invalides est refusé sauf `skipInvalidLines`. Confirmer deux fois le même
    /// fichier n'importe rien la seconde fois. `invite` envoie à chaque client créé avec un
    /// email l'invitation à son espace client. Gérant ou administrateur.
    async fn confirm_client_import(
        &self,
        ctx: &Context<'_>,
        file_base64: String,
        choices: Option<Vec<ImportLineChoice>>,
        duplicates: Option<ImportChoice>,
        skip_invalid_lines: Option<bool>,
        invite: Option<bool>,
    ) -> Result<ImportResultNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ConfirmClientImport)?;
        let bytes = file_bytes(&file_base64)?;
        let mut lines = HashMap::new();
        for choice in choices.unwrap_or_default() {
            let line = u64::try_from(choice.line).map_err(|_| {
                ApiError::domain(&ConfirmError::ChoiceLineUnknown { line: choice.line })
            })?;
            lines.insert(line, choice.choice.into());
        }
        let choices = Choices {
            lines,
            duplicates: duplicates.map(Into::into),
            skip_invalid_lines: skip_invalid_lines.unwrap_or(false),
            invite: invite.unwrap_or(false),
        };
        let state = state(ctx);
        let confirmed = client_import::confirm(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            &bytes,
            &choices,
        )
        .await?;
        let answer = std::future::ready(Ok::<_, ApiError>(ImportResultNode::from(&confirmed)));
        match &confirmed.receipt {
            Some(receipt) => {
                state
                    .read_after(receipt, &[projections::client::NAME], answer)
                    .await
            }
            None => answer.await,
        }
    }
}
