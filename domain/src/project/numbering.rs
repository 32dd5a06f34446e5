//! Project numbers, short enough to type on the shop tablet: `P26-0042`, a counter per
//! workshop and (Paris) year taken in the same commit as the project. Part codes add the
//! part's rank: `P26-0042-2`.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Paris;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::Stamped;

pub fn aggregate_local_id(at: DateTime<Utc>) -> String {
    format!("project_numbering/{}", at.with_timezone(&Paris).year())
}

/// The number of the `sequence`-th project of the year of `at`.
pub fn format(at: DateTime<Utc>, sequence: u32) -> String {
    format!(
        "P{:02}-{sequence:04}",
        at.with_timezone(&Paris).year() % 100
    )
}

/// The code printed on a part's label and typed when the QR code will not scan.
pub fn part_code(project_number: &str, rank: u16) -> String {
    format!("{project_number}-{rank}")
}

/// What a part label's QR code holds before the part code: a version, so labels printed
/// today still scan if the payload grows.
pub const QR_PREFIX: &str = "TG1:";

/// The part code a scan or a typed entry names: the QR code holds `TG1:<part code>`, a
/// typed code is the part code itself.
pub fn scanned_part_code(scanned: &str) -> &str {
    let typed = scanned.trim();
    typed.strip_prefix(QR_PREFIX).unwrap_or(typed)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProjectNumberingCommand {
    Take { project_id: uuid::Uuid },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ProjectNumberingEvent {
    Taken {
        sequence: u32,
        project_id: uuid::Uuid,
    },
}

impl ProjectNumberingEvent {
    pub const TAKEN: &'static str = "ProjectNumberTaken";
}

impl DomainEvent for ProjectNumberingEvent {
    fn event_type(&self) -> String {
        Self::TAKEN.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectNumbering {
    last: u32,
}

impl ProjectNumbering {
    pub fn next(&self) -> u32 {
        self.last + 1
    }

    pub fn decide(&self, command: Stamped<ProjectNumberingCommand>) -> Vec<ProjectNumberingEvent> {
        let ProjectNumberingCommand::Take { project_id } = command.body;
        vec![ProjectNumberingEvent::Taken {
            sequence: self.next(),
            project_id,
        }]
    }
}

impl Aggregate for ProjectNumbering {
    const TYPE: &'static str = "project_numbering";
    type Command = Stamped<ProjectNumberingCommand>;
    type Event = ProjectNumberingEvent;
    type Error = crate::Never;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command) {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let ProjectNumberingEvent::Taken { sequence, .. } = event;
        self.last = sequence;
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;

    #[test]
    fn a_scan_names_the_part_code_after_the_payload_version_and_a_typed_code_itself() {
        let code = part_code("P26-0042", 2);
        assert_eq!(
            scanned_part_code(&format!("{QR_PREFIX}{code}")),
            "P26-0042-2"
        );
        assert_eq!(scanned_part_code("  P26-0042-2 \n"), "P26-0042-2");
        assert_eq!(scanned_part_code("TG2:P26-0042-2"), "TG2:P26-0042-2");
    }
}
