//! The batch aggregate (spec §5.5 « Série »): parts of one strict key gathered for one
//! powdering and one cure. A draft takes and gives back parts (the key enforced, the oven's
//! size checked); launching sends its projects' parts to the booth; closing validates the
//! coating for them and takes the batch's powder from stock once — the projects' own coating
//! then takes nothing more for those parts.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::key::{check_joins, BatchKey, KeyMismatch};
use super::packing::{fits, Oven};
use crate::limits::excerpt;
use crate::project::lifecycle::Part;
use crate::{DomainError, ErrorKind, Stamped};

pub fn aggregate_local_id(batch_id: Uuid) -> String {
    format!("batch/{batch_id}")
}

/// The counter series and number prefix: `S26-0012`.
pub const SERIES: &str = "batch";
pub const PREFIX: &str = "S";

/// A part line of a project in a batch: all its `quantity` parts go together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Member {
    pub project_id: Uuid,
    pub project_number: String,
    pub promised_on: Option<NaiveDate>,
    pub urgent: bool,
    pub part: Part,
}

impl Member {
    fn is(&self, part: &PartRef) -> bool {
        self.project_id == part.project_id && self.part.rank == part.rank
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartRef {
    pub project_id: Uuid,
    pub rank: u16,
}

/// The parts of one project a launch sends to the booth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProjectParts {
    pub project_id: Uuid,
    pub ranks: Vec<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Draft,
    Launched,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("cette série existe déjà")]
    AlreadyCreated,
    #[error("cette série n'existe pas")]
    NotFound,
    #[error("une série se crée avec au moins une pièce")]
    NoParts,
    #[error("la pièce {code} n'entre pas dans cette série : {mismatch}")]
    Key { code: String, mismatch: KeyMismatch },
    #[error("la pièce {code} ({length} × {width} mm) ne passe pas dans le four, même tournée : place utile {room}")]
    TooLarge {
        code: String,
        length: u32,
        width: u32,
        room: String,
    },
    #[error("la pièce {} n'est pas dans cette série", excerpt(.code))]
    NotMember { code: String },
    #[error("la série est vide : ajoutez des pièces avant de la lancer")]
    Empty,
    #[error("la série est déjà lancée : on n'y ajoute ni n'en retire plus de pièces")]
    AlreadyLaunched,
    #[error("la série n'est pas lancée : lancez-la avant de la clôturer")]
    NotLaunched,
    #[error("la série est déjà clôturée")]
    AlreadyClosed,
}

impl DomainError for BatchError {
    fn code(&self) -> &'static str {
        match self {
            Self::AlreadyCreated => "BATCH_ALREADY_EXISTS",
            Self::NotFound => "BATCH_NOT_FOUND",
            Self::NoParts => "BATCH_NO_PARTS",
            Self::Key { mismatch, .. } => mismatch.code(),
            Self::TooLarge { .. } => "BATCH_PART_TOO_LARGE",
            Self::NotMember { .. } => "BATCH_PART_NOT_MEMBER",
            Self::Empty => "BATCH_EMPTY",
            Self::AlreadyLaunched => "BATCH_ALREADY_LAUNCHED",
            Self::NotLaunched => "BATCH_NOT_LAUNCHED",
            Self::AlreadyClosed => "BATCH_ALREADY_CLOSED",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NoParts | Self::Key { .. } | Self::TooLarge { .. } => ErrorKind::Validation,
            Self::NotFound | Self::NotMember { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Conflict,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BatchCommand {
    /// `number` comes from the workshop's counter; the key is the first part's.
    Create {
        batch_id: Uuid,
        number: String,
        members: Vec<Member>,
        oven: Oven,
    },
    Add {
        members: Vec<Member>,
        oven: Oven,
    },
    /// By part code (`P26-0042-2`, any case), as typed or scanned.
    Remove {
        codes: Vec<String>,
    },
    Launch,
    Close,
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum BatchEvent {
    Created {
        batch_id: Uuid,
        number: String,
        key: BatchKey,
        created_at: DateTime<Utc>,
    },
    PartsAdded {
        members: Vec<Member>,
        added_at: DateTime<Utc>,
    },
    PartsRemoved {
        parts: Vec<PartRef>,
        removed_at: DateTime<Utc>,
    },
    /// The parts went to the booth; each project recorded them in the same commit.
    Launched {
        projects: Vec<ProjectParts>,
        launched_at: DateTime<Utc>,
    },
    /// Powdered and cured: the batch's powder left the stock in the same commit, once.
    Closed {
        /// The catalogue key of the powder (`powder/…`).
        powder_key: String,
        kg: Decimal,
        projects: Vec<ProjectParts>,
        closed_at: DateTime<Utc>,
    },
}

impl BatchEvent {
    pub const CREATED: &'static str = "BatchCreated";
    pub const PARTS_ADDED: &'static str = "BatchPartsAdded";
    pub const PARTS_REMOVED: &'static str = "BatchPartsRemoved";
    pub const LAUNCHED: &'static str = "BatchLaunched";
    pub const CLOSED: &'static str = "BatchClosed";
}

impl DomainEvent for BatchEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Created { .. } => Self::CREATED,
            Self::PartsAdded { .. } => Self::PARTS_ADDED,
            Self::PartsRemoved { .. } => Self::PARTS_REMOVED,
            Self::Launched { .. } => Self::LAUNCHED,
            Self::Closed { .. } => Self::CLOSED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct OvenBatch {
    status: Option<BatchStatus>,
    key: Option<BatchKey>,
    members: Vec<Member>,
}

impl OvenBatch {
    pub fn decide(&self, command: Stamped<BatchCommand>) -> Result<Vec<BatchEvent>, BatchError> {
        let now = command.now;
        if let BatchCommand::Create {
            batch_id,
            number,
            members,
            oven,
        } = command.body
        {
            if self.status.is_some() {
                return Err(BatchError::AlreadyCreated);
            }
            let key = members
                .first()
                .and_then(|member| BatchKey::of(&member.part))
                .ok_or_else(|| match members.first() {
                    None => BatchError::NoParts,
                    Some(member) => BatchError::Key {
                        code: member.part.code.clone(),
                        mismatch: KeyMismatch::NotCoated,
                    },
                })?;
            let members = admit(&key, &[], members, &oven)?;
            return Ok(vec![
                BatchEvent::Created {
                    batch_id,
                    number,
                    key,
                    created_at: now,
                },
                BatchEvent::PartsAdded {
                    members,
                    added_at: now,
                },
            ]);
        }
        let (Some(status), Some(key)) = (self.status, self.key.as_ref()) else {
            return Err(BatchError::NotFound);
        };
        match (command.body, status) {
            (BatchCommand::Create { .. }, _) => unreachable!("handled above"),
            (BatchCommand::Close, BatchStatus::Closed) => Err(BatchError::AlreadyClosed),
            (BatchCommand::Close, BatchStatus::Draft) => Err(BatchError::NotLaunched),
            (BatchCommand::Close, BatchStatus::Launched) => Ok(vec![BatchEvent::Closed {
                powder_key: crate::powder::catalogue::aggregate_local_id(&key.powder),
                kg: self
                    .members
                    .iter()
                    .map(|member| member.part.powder_kg)
                    .sum(),
                projects: self.by_project(),
                closed_at: now,
            }]),
            (_, BatchStatus::Closed) => Err(BatchError::AlreadyClosed),
            (_, BatchStatus::Launched) => Err(BatchError::AlreadyLaunched),
            (BatchCommand::Add { members, oven }, BatchStatus::Draft) => {
                let members = admit(key, &self.members, members, &oven)?;
                if members.is_empty() {
                    return Ok(vec![]);
                }
                Ok(vec![BatchEvent::PartsAdded {
                    members,
                    added_at: now,
                }])
            }
            (BatchCommand::Remove { codes }, BatchStatus::Draft) => {
                let mut removed: Vec<PartRef> = Vec::new();
                for code in codes {
                    let member = self
                        .members
                        .iter()
                        .find(|member| member.part.code.eq_ignore_ascii_case(code.trim()))
                        .ok_or(BatchError::NotMember { code })?;
                    let part = PartRef {
                        project_id: member.project_id,
                        rank: member.part.rank,
                    };
                    if !removed.contains(&part) {
                        removed.push(part);
                    }
                }
                if removed.is_empty() {
                    return Ok(vec![]);
                }
                Ok(vec![BatchEvent::PartsRemoved {
                    parts: removed,
                    removed_at: now,
                }])
            }
            (BatchCommand::Launch, BatchStatus::Draft) => {
                if self.members.is_empty() {
                    return Err(BatchError::Empty);
                }
                Ok(vec![BatchEvent::Launched {
                    projects: self.by_project(),
                    launched_at: now,
                }])
            }
        }
    }

    /// The members' ranks per project, projects in the order they joined.
    fn by_project(&self) -> Vec<ProjectParts> {
        let mut projects: Vec<ProjectParts> = Vec::new();
        for member in &self.members {
            match projects
                .iter_mut()
                .find(|project| project.project_id == member.project_id)
            {
                Some(project) => project.ranks.push(member.part.rank),
                None => projects.push(ProjectParts {
                    project_id: member.project_id,
                    ranks: vec![member.part.rank],
                }),
            }
        }
        projects
    }
}

/// The parts of `members` not in the batch yet, each checked against the key and the oven.
fn admit(
    key: &BatchKey,
    present: &[Member],
    members: Vec<Member>,
    oven: &Oven,
) -> Result<Vec<Member>, BatchError> {
    let mut admitted: Vec<Member> = Vec::new();
    for member in members {
        check_joins(key, BatchKey::of(&member.part).as_ref()).map_err(|mismatch| {
            BatchError::Key {
                code: member.part.code.clone(),
                mismatch,
            }
        })?;
        if let Some(size) = member.part.size {
            if !fits(oven, size.length_mm, size.width_mm) {
                return Err(BatchError::TooLarge {
                    code: member.part.code.clone(),
                    length: size.length_mm,
                    width: size.width_mm,
                    room: room(oven),
                });
            }
        }
        let reference = PartRef {
            project_id: member.project_id,
            rank: member.part.rank,
        };
        let known = |members: &[Member]| members.iter().any(|other| other.is(&reference));
        if !known(present) && !known(&admitted) {
            admitted.push(member);
        }
    }
    Ok(admitted)
}

fn room(oven: &Oven) -> String {
    format!(
        "{} × {} mm moins l'écart et le crochet",
        oven.width_mm.saturating_sub(2 * oven.margin_mm),
        oven.height_mm.saturating_sub(2 * oven.margin_mm),
    )
}

impl Aggregate for OvenBatch {
    const TYPE: &'static str = "batch";
    type Command = Stamped<BatchCommand>;
    type Event = BatchEvent;
    type Error = BatchError;
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
        match event {
            BatchEvent::Created { key, .. } => {
                self.status = Some(BatchStatus::Draft);
                self.key = Some(key);
            }
            BatchEvent::PartsAdded { members, .. } => self.members.extend(members),
            BatchEvent::PartsRemoved { parts, .. } => self
                .members
                .retain(|member| !parts.iter().any(|part| member.is(part))),
            BatchEvent::Launched { .. } => self.status = Some(BatchStatus::Launched),
            BatchEvent::Closed { .. } => self.status = Some(BatchStatus::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use cqrs_es::test::TestFramework;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::powder::{Finish, PowderIdentity, PowderKind};
    use crate::project::lifecycle::parts_from_lines;
    use crate::quote::pricing::{Line, LinePowder, Surface};

    type BatchTest = TestFramework<OvenBatch>;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap()
    }

    fn at(body: BatchCommand) -> Stamped<BatchCommand> {
        Stamped { now: now(), body }
    }

    fn oven() -> Oven {
        crate::batch::oven::OvenSettings::default().oven
    }

    fn powder(finish: Finish) -> LinePowder {
        LinePowder {
            identity: PowderIdentity::new("RAL 7016", PowderKind::Polyester, finish).unwrap(),
            price_per_kg: dec!(12),
            consumption_kg_m2: dec!(0.2),
            cure_temperature_c: 200,
            cure_minutes: 10,
        }
    }

    /// A project's part: `quantity` panels of `length` × `width` mm.
    fn member(project: u128, rank: u16, finish: Finish, coats: u8, length: u32) -> Member {
        let line = Line {
            description: "Panneau".into(),
            quantity: 2,
            surface: Surface::Dimensions {
                length_mm: length.into(),
                width_mm: dec!(500),
            },
            powder: Some(powder(finish)),
            coats,
            primer: false,
            varnish: false,
            labour_minutes: dec!(5),
            consumables: dec!(0),
            discount_pct: dec!(0),
            vat_rate: dec!(20),
        };
        let number = format!("P26-000{project}");
        let lines = vec![line; usize::from(rank)];
        let part = parts_from_lines(&number, &lines).unwrap().pop().unwrap();
        Member {
            project_id: Uuid::from_u128(project),
            project_number: number,
            promised_on: None,
            urgent: false,
            part,
        }
    }

    fn create(members: Vec<Member>) -> Stamped<BatchCommand> {
        at(BatchCommand::Create {
            batch_id: Uuid::from_u128(100),
            number: "S26-0001".into(),
            members,
            oven: oven(),
        })
    }

    fn created(first: &Member) -> Vec<BatchEvent> {
        vec![
            BatchEvent::Created {
                batch_id: Uuid::from_u128(100),
                number: "S26-0001".into(),
                key: BatchKey::of(&first.part).unwrap(),
                created_at: now(),
            },
            BatchEvent::PartsAdded {
                members: vec![first.clone()],
                added_at: now(),
            },
        ]
    }

    #[test]
    fn a_batch_takes_only_parts_of_its_key_and_names_what_differs() {
        let gloss = member(1, 1, Finish::Gloss, 1, 800);
        let matt = member(2, 1, Finish::Matt, 1, 800);
        BatchTest::with(())
            .given_no_previous_events()
            .when(create(vec![gloss.clone(), matt.clone()]))
            .then_expect_error_message(
                "la pièce P26-0002-1 n'entre pas dans cette série : finition différente : brillant ≠ mat",
            );
        let two_coats = member(3, 2, Finish::Gloss, 2, 800);
        let error = OvenBatch::default()
            .decide(create(vec![gloss.clone(), two_coats]))
            .unwrap_err();
        assert_eq!(error.code(), "BATCH_COATS_MISMATCH");
        let error = OvenBatch::default().decide(create(vec![])).unwrap_err();
        assert_eq!(error.code(), "BATCH_NO_PARTS");
        BatchTest::with(())
            .given_no_previous_events()
            .when(create(vec![gloss.clone()]))
            .then_expect_events(created(&gloss));
    }

    #[test]
    fn every_member_shares_the_key_whatever_is_offered() {
        let offered: Vec<Member> = [Finish::Gloss, Finish::Matt, Finish::Satin]
            .into_iter()
            .flat_map(|finish| {
                (1..=2).flat_map(move |coats| {
                    (1..=3).map(move |project| member(project, coats.into(), finish, coats, 600))
                })
            })
            .collect();
        for first in &offered {
            let mut batch = OvenBatch::default();
            for event in batch.decide(create(vec![first.clone()])).unwrap() {
                batch.apply(event);
            }
            for other in &offered {
                let add = at(BatchCommand::Add {
                    members: vec![other.clone()],
                    oven: oven(),
                });
                if let Ok(events) = batch.decide(add) {
                    for event in events {
                        batch.apply(event);
                    }
                }
            }
            let key = BatchKey::of(&first.part);
            assert!(batch
                .members
                .iter()
                .all(|member| BatchKey::of(&member.part) == key));
            // The three projects' same part: each once.
            assert_eq!(batch.members.len(), 3);
        }
    }

    #[test]
    fn a_part_larger_than_the_oven_is_refused_with_its_size() {
        let huge = member(1, 1, Finish::Gloss, 1, 2500);
        let error = OvenBatch::default().decide(create(vec![huge])).unwrap_err();
        assert_eq!(error.code(), "BATCH_PART_TOO_LARGE");
        assert!(
            error.to_string().contains("P26-0001-1 (2500 × 500 mm)"),
            "{error}"
        );
    }

    #[test]
    fn drafts_change_then_launch_once_non_empty_and_close_once_launched() {
        let first = member(1, 1, Finish::Gloss, 1, 800);
        let second = member(2, 1, Finish::Gloss, 1, 800);
        let mut history = created(&first);
        // The same part twice writes nothing.
        BatchTest::with(())
            .given(history.clone())
            .when(at(BatchCommand::Add {
                members: vec![first.clone()],
                oven: oven(),
            }))
            .then_expect_events(vec![]);
        BatchTest::with(())
            .given(history.clone())
            .when(at(BatchCommand::Remove {
                codes: vec!["P26-0009-1".into()],
            }))
            .then_expect_error(BatchError::NotMember {
                code: "P26-0009-1".into(),
            });
        let removed = BatchEvent::PartsRemoved {
            parts: vec![PartRef {
                project_id: Uuid::from_u128(1),
                rank: 1,
            }],
            removed_at: now(),
        };
        BatchTest::with(())
            .given(history.clone())
            .when(at(BatchCommand::Remove {
                codes: vec![" p26-0001-1 ".into()],
            }))
            .then_expect_events(vec![removed.clone()]);
        let mut emptied = history.clone();
        emptied.push(removed);
        BatchTest::with(())
            .given(emptied)
            .when(at(BatchCommand::Launch))
            .then_expect_error(BatchError::Empty);
        BatchTest::with(())
            .given(history.clone())
            .when(at(BatchCommand::Close))
            .then_expect_error(BatchError::NotLaunched);
        history.push(BatchEvent::PartsAdded {
            members: vec![second],
            added_at: now(),
        });
        let projects = vec![
            ProjectParts {
                project_id: Uuid::from_u128(1),
                ranks: vec![1],
            },
            ProjectParts {
                project_id: Uuid::from_u128(2),
                ranks: vec![1],
            },
        ];
        BatchTest::with(())
            .given(history.clone())
            .when(at(BatchCommand::Launch))
            .then_expect_events(vec![BatchEvent::Launched {
                projects: projects.clone(),
                launched_at: now(),
            }]);
        history.push(BatchEvent::Launched {
            projects: projects.clone(),
            launched_at: now(),
        });
        BatchTest::with(())
            .given(history.clone())
            .when(at(BatchCommand::Add {
                members: vec![member(3, 1, Finish::Gloss, 1, 800)],
                oven: oven(),
            }))
            .then_expect_error(BatchError::AlreadyLaunched);
        // 2 parts × 0.8 × 0.5 m² × 0.2 kg/m², for each of the two projects.
        let closed = BatchEvent::Closed {
            powder_key: crate::powder::catalogue::aggregate_local_id(
                &powder(Finish::Gloss).identity,
            ),
            kg: dec!(0.32),
            projects,
            closed_at: now(),
        };
        BatchTest::with(())
            .given(history.clone())
            .when(at(BatchCommand::Close))
            .then_expect_events(vec![closed.clone()]);
        history.push(closed);
        BatchTest::with(())
            .given(history)
            .when(at(BatchCommand::Close))
            .then_expect_error(BatchError::AlreadyClosed);
    }
}
