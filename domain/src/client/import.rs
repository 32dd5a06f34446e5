//! The record of a confirmed client import: one per file (its SHA-256), so confirming the
//! same file twice imports nothing the second time.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::{DomainError, ErrorKind, Stamped};

pub fn aggregate_local_id(file_sha256: &str) -> String {
    format!("client_import/{file_sha256}")
}

/// What a confirmed import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportSummary {
    pub lines: u32,
    pub created: u32,
    pub updated: u32,
    pub skipped: u32,
    pub invalid: u32,
    pub invited: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRecordError {
    #[error("ce fichier a déjà été importé")]
    AlreadyConfirmed { summary: ImportSummary },
}

impl DomainError for ImportRecordError {
    fn code(&self) -> &'static str {
        "IMPORT_ALREADY_CONFIRMED"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Conflict
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ImportCommand {
    Confirm {
        file_sha256: String,
        summary: ImportSummary,
    },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ImportEvent {
    Confirmed {
        file_sha256: String,
        summary: ImportSummary,
        confirmed_at: DateTime<Utc>,
    },
}

impl ImportEvent {
    pub const CONFIRMED: &'static str = "ClientImportConfirmed";
}

impl DomainEvent for ImportEvent {
    fn event_type(&self) -> String {
        Self::CONFIRMED.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientImport {
    confirmed: Option<ImportSummary>,
}

impl ClientImport {
    pub fn decide(
        &self,
        command: Stamped<ImportCommand>,
    ) -> Result<Vec<ImportEvent>, ImportRecordError> {
        let ImportCommand::Confirm {
            file_sha256,
            summary,
        } = command.body;
        if let Some(summary) = &self.confirmed {
            return Err(ImportRecordError::AlreadyConfirmed {
                summary: summary.clone(),
            });
        }
        Ok(vec![ImportEvent::Confirmed {
            file_sha256,
            summary,
            confirmed_at: command.now,
        }])
    }
}

impl Aggregate for ClientImport {
    const TYPE: &'static str = "client_import";
    type Command = Stamped<ImportCommand>;
    type Event = ImportEvent;
    type Error = ImportRecordError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let ImportEvent::Confirmed { summary, .. } = event;
        self.confirmed = Some(summary);
    }
}
