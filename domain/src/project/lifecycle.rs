//! The project aggregate (spec §5.3, §5.4): the parts a client left at the shop, their
//! recorded parameters, and their way through the workshop's steps — validated in order by
//! operators, skipped where allowed, sent back by a non-conformity — with the quality check
//! that must pass before the project is ready, then delivered. Every change is an event:
//! the project's audit trail.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::photo::{Annotation, AnnotationError, Photo, PurgeBudget, PurgeBudgetError, MAX_PHOTOS};
use super::workflow::{StepDef, StepKind, WorkflowSettings};
use crate::limits::{excerpt, OutOfBounds};
use crate::quote::pricing::{price, Line, LinePowder, PricingError, Rates, Surface};
use crate::{DomainError, ErrorKind, Stamped};

mod decisions;
use rust_decimal::prelude::ToPrimitive;

pub fn aggregate_local_id(project_id: Uuid) -> String {
    format!("project/{project_id}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Normal,
    Urgent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InProgress,
    Ready,
    Delivered,
}

/// One kind of part (a line of the quote): how many, their surface, and the parameters the
/// shop records for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Part {
    /// 1, 2, 3… in the project.
    pub rank: u16,
    /// Printed on the label: `P26-0042-2`.
    pub code: String,
    pub description: String,
    pub quantity: u32,
    /// Of all `quantity` parts, m².
    pub surface_m2: Decimal,
    /// The exact powder (identity, cure), none for labour only.
    pub powder: Option<LinePowder>,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    /// Powder a coating of these parts uses: surface × consumption × coats.
    pub powder_kg: Decimal,
    /// One part's face, when the quote gave its dimensions: what oven packing places.
    /// Absent from projects opened before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<PartSize>,
}

/// A part's face to the powder gun, millimetres (rounded up: a packing never undersizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartSize {
    pub length_mm: u32,
    pub width_mm: u32,
}

impl PartSize {
    fn of(surface: &Surface) -> Option<Self> {
        let Surface::Dimensions {
            length_mm,
            width_mm,
        } = surface
        else {
            return None;
        };
        let mm = |value: &Decimal| value.ceil().to_u32().filter(|mm| *mm > 0);
        Some(Self {
            length_mm: mm(length_mm)?,
            width_mm: mm(width_mm)?,
        })
    }
}

/// Builds the parts of a project from lines (a quote's, or typed at the counter).
pub fn parts_from_lines(project_number: &str, lines: &[Line]) -> Result<Vec<Part>, ProjectError> {
    // Surfaces and powder do not depend on prices.
    let zero = Rates {
        hourly_rate: Decimal::ZERO,
        powder_margin_pct: Decimal::ZERO,
        labour_margin_pct: Decimal::ZERO,
        primer_price_per_kg: Decimal::ZERO,
        varnish_price_per_kg: Decimal::ZERO,
    };
    let priced = price(lines, &zero)?;
    Ok(lines
        .iter()
        .zip(priced.lines)
        .enumerate()
        .map(|(index, (line, priced))| {
            let rank = index as u16 + 1;
            Part {
                rank,
                code: super::numbering::part_code(project_number, rank),
                description: line.description.clone(),
                quantity: line.quantity,
                surface_m2: priced.surface_m2,
                powder: line.powder.clone(),
                coats: line.coats,
                primer: line.primer,
                varnish: line.varnish,
                powder_kg: priced.powder_kg,
                size: PartSize::of(&line.surface),
            }
        })
        .collect())
}

/// The quote a project comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QuoteRef {
    pub quote_id: Uuid,
    pub number: String,
    pub version: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Intake {
    pub client_id: Uuid,
    pub quote: Option<QuoteRef>,
    pub parts: Vec<Part>,
    /// When the client left the parts.
    pub deposited_on: Option<NaiveDate>,
    pub promised_on: Option<NaiveDate>,
    /// Outdoor gate, rims, indoor furniture…: decides the powder family.
    pub end_use: Option<String>,
    pub priority: Priority,
}

/// What the coating of a project took from stock, per powder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PowderUse {
    /// The catalogue key of the powder (`powder/…`).
    pub powder_key: String,
    pub kg: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QcAnswer {
    pub item: String,
    pub passed: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Part(#[from] PricingError),
    #[error("ce projet existe déjà")]
    AlreadyCreated,
    #[error("ce projet n'existe pas")]
    NotFound,
    #[error("la date promise ne peut pas précéder le dépôt")]
    PromisedBeforeDeposit,
    #[error("l'étape en cours est « {expected} », pas « {} »", excerpt(.given))]
    StepOutOfOrder { expected: String, given: String },
    /// Not echoed: the key came from the request and may be anything, of any length.
    #[error("cette étape n'existe pas dans le parcours du projet")]
    UnknownStep,
    #[error("l'étape « {} » ne se saute pas", excerpt(.step))]
    StepNotSkippable { step: String },
    #[error("dites pourquoi l'étape est sautée")]
    ReasonMissing,
    #[error("le contrôle qualité se remplit à l'étape de contrôle")]
    NotAtQc,
    #[error("le contrôle qualité doit répondre à chaque point de la liste : {missing}")]
    QcIncomplete { missing: String },
    #[error(
        "le contrôle qualité n'est pas passé : déclarez une non-conformité ou refaites le contrôle"
    )]
    QcNotPassed,
    #[error("type de défaut inconnu : « {} »", excerpt(.defect))]
    UnknownDefect { defect: String },
    #[error("une non-conformité renvoie à une étape déjà faite ou en cours, pas à « {} »", excerpt(.step))]
    ReturnForward { step: String },
    #[error("le projet n'est pas prêt")]
    NotReady,
    #[error("le projet est livré : il ne change plus")]
    Delivered,
    #[error(transparent)]
    Annotation(#[from] AnnotationError),
    #[error("cette photo n'existe pas (ou a été purgée)")]
    PhotoNotFound,
    #[error("un projet garde au plus {MAX_PHOTOS} photos")]
    TooManyPhotos,
    #[error(transparent)]
    PurgeBudget(#[from] PurgeBudgetError),
    #[error("le projet {number} n'est pas à l'étape de poudrage (étape en cours : {current})")]
    NotAtCoating { number: String, current: String },
    #[error("la pièce {code} est déjà dans la série {batch}")]
    PartInBatch { code: String, batch: String },
    #[error("le projet {number} n'a pas de pièce à poudrer de rang {rank}")]
    PartNotCoated { number: String, rank: u16 },
    #[error("les pièces {codes} sont dans la série {batch} : clôturez la série pour valider le poudrage")]
    InBatch { codes: String, batch: String },
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for ProjectError {
    fn code(&self) -> &'static str {
        match self {
            Self::Part(error) => error.code(),
            Self::AlreadyCreated => "PROJECT_ALREADY_EXISTS",
            Self::NotFound => "PROJECT_NOT_FOUND",
            Self::PromisedBeforeDeposit => "PROJECT_DATES_INVALID",
            Self::StepOutOfOrder { .. } => "STEP_OUT_OF_ORDER",
            Self::UnknownStep => "STEP_UNKNOWN",
            Self::StepNotSkippable { .. } => "STEP_NOT_SKIPPABLE",
            Self::ReasonMissing => "STEP_SKIP_REASON_MISSING",
            Self::NotAtQc => "QC_NOT_AT_QC_STEP",
            Self::QcIncomplete { .. } => "QC_INCOMPLETE",
            Self::QcNotPassed => "QC_NOT_PASSED",
            Self::UnknownDefect { .. } => "DEFECT_TYPE_UNKNOWN",
            Self::ReturnForward { .. } => "NC_RETURN_FORWARD",
            Self::NotReady => "PROJECT_NOT_READY",
            Self::Delivered => "PROJECT_DELIVERED",
            Self::Annotation(error) => error.code(),
            Self::PhotoNotFound => "PHOTO_NOT_FOUND",
            Self::TooManyPhotos => "PHOTOS_TOO_MANY",
            Self::PurgeBudget(error) => error.code(),
            Self::NotAtCoating { .. } => "PROJECT_NOT_AT_COATING",
            Self::PartInBatch { .. } => "PART_ALREADY_IN_BATCH",
            Self::PartNotCoated { .. } => "PART_NOT_COATED",
            Self::InBatch { .. } => "PROJECT_IN_BATCH",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Part(_)
            | Self::PromisedBeforeDeposit
            | Self::ReasonMissing
            | Self::QcIncomplete { .. }
            | Self::UnknownDefect { .. }
            | Self::UnknownStep
            | Self::ReturnForward { .. }
            | Self::PartNotCoated { .. }
            | Self::Annotation(_)
            | Self::Bound(_) => ErrorKind::Validation,
            Self::NotFound | Self::PhotoNotFound => ErrorKind::NotFound,
            _ => ErrorKind::Conflict,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProjectCommand {
    /// `number` comes from the workshop's counter, `workflow` is copied from its settings.
    Create {
        project_id: Uuid,
        number: String,
        intake: Intake,
        workflow: WorkflowSettings,
    },
    ValidateStep {
        step: String,
    },
    SkipStep {
        step: String,
        reason: String,
    },
    RecordQc {
        answers: Vec<QcAnswer>,
    },
    DeclareNonConformity {
        nc_id: Uuid,
        defect_type: String,
        comment: Option<String>,
        corrective_action: Option<String>,
        /// The step the project goes back to (the current one to redo it).
        return_to: String,
    },
    Deliver,
    /// The original is stored (by its digest) before the command. `purge_budget`: the
    /// uploader is a shop-floor member (owners and admins upload without one).
    AddPhoto {
        photo: Photo,
        purge_budget: Option<PurgeBudget>,
    },
    AnnotatePhoto {
        photo_id: Uuid,
        annotations: Vec<Annotation>,
    },
    /// The storage quota's purge; never a person's.
    PurgePhotos {
        photo_ids: Vec<Uuid>,
    },
    /// A batch was launched with these parts: they go to the booth together.
    EnterBatch {
        batch_id: Uuid,
        batch_number: String,
        ranks: Vec<u16>,
    },
    /// The batch closed: these parts are powdered; the coating step is validated once every
    /// coated part of the project is.
    CoatInBatch {
        batch_id: Uuid,
        ranks: Vec<u16>,
    },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ProjectEvent {
    Created {
        project_id: Uuid,
        number: String,
        intake: Intake,
        steps: Vec<StepDef>,
        qc_checklist: Vec<String>,
        defect_types: Vec<String>,
        created_at: DateTime<Utc>,
    },
    StepValidated {
        step: String,
        /// The coating step's powder, taken from stock in the same commit (none for parts a
        /// batch powdered: the batch took it).
        consumption: Vec<PowderUse>,
        /// The batch whose closing validated the step.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch: Option<String>,
        validated_at: DateTime<Utc>,
    },
    StepSkipped {
        step: String,
        reason: String,
        skipped_at: DateTime<Utc>,
    },
    QcRecorded {
        answers: Vec<QcAnswer>,
        passed: bool,
        recorded_at: DateTime<Utc>,
    },
    NonConformityDeclared {
        nc_id: Uuid,
        at_step: String,
        defect_type: String,
        comment: Option<String>,
        corrective_action: Option<String>,
        return_to: String,
        declared_at: DateTime<Utc>,
    },
    /// Every step done: the parts can be picked up.
    Ready {
        ready_at: DateTime<Utc>,
    },
    Delivered {
        delivered_at: DateTime<Utc>,
    },
    PhotoAdded {
        photo: Photo,
        added_at: DateTime<Utc>,
    },
    PhotoAnnotated {
        photo_id: Uuid,
        annotations: Vec<Annotation>,
        annotated_at: DateTime<Utc>,
    },
    /// Removed to keep the workshop under its storage quota (oldest projects first).
    PhotosPurged {
        photo_ids: Vec<Uuid>,
        purged_at: DateTime<Utc>,
    },
    EnteredBatch {
        batch_id: Uuid,
        batch_number: String,
        ranks: Vec<u16>,
        entered_at: DateTime<Utc>,
    },
    CoatedInBatch {
        batch_id: Uuid,
        batch_number: String,
        ranks: Vec<u16>,
        coated_at: DateTime<Utc>,
    },
}

impl ProjectEvent {
    pub const CREATED: &'static str = "ProjectCreated";
    pub const STEP_VALIDATED: &'static str = "ProjectStepValidated";
    pub const STEP_SKIPPED: &'static str = "ProjectStepSkipped";
    pub const QC_RECORDED: &'static str = "ProjectQcRecorded";
    pub const NON_CONFORMITY: &'static str = "ProjectNonConformityDeclared";
    pub const READY: &'static str = "ProjectReady";
    pub const DELIVERED: &'static str = "ProjectDelivered";
    pub const PHOTO_ADDED: &'static str = "ProjectPhotoAdded";
    pub const PHOTO_ANNOTATED: &'static str = "ProjectPhotoAnnotated";
    pub const PHOTOS_PURGED: &'static str = "ProjectPhotosPurged";
    pub const ENTERED_BATCH: &'static str = "ProjectEnteredBatch";
    pub const COATED_IN_BATCH: &'static str = "ProjectCoatedInBatch";
}

impl DomainEvent for ProjectEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Created { .. } => Self::CREATED,
            Self::StepValidated { .. } => Self::STEP_VALIDATED,
            Self::StepSkipped { .. } => Self::STEP_SKIPPED,
            Self::QcRecorded { .. } => Self::QC_RECORDED,
            Self::NonConformityDeclared { .. } => Self::NON_CONFORMITY,
            Self::Ready { .. } => Self::READY,
            Self::Delivered { .. } => Self::DELIVERED,
            Self::PhotoAdded { .. } => Self::PHOTO_ADDED,
            Self::PhotoAnnotated { .. } => Self::PHOTO_ANNOTATED,
            Self::PhotosPurged { .. } => Self::PHOTOS_PURGED,
            Self::EnteredBatch { .. } => Self::ENTERED_BATCH,
            Self::CoatedInBatch { .. } => Self::COATED_IN_BATCH,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    number: String,
    /// Parts (by rank) in a launched batch: `(batch id, batch number)`.
    in_batch: BTreeMap<u16, (Uuid, String)>,
    /// Parts a closed batch powdered since the project last reached the coating step.
    batch_coated: BTreeSet<u16>,
    /// Photos not purged.
    photos: Vec<Uuid>,
    status: Option<Status>,
    steps: Vec<StepDef>,
    /// Index of the step in progress; `steps.len()` once all are done.
    current: usize,
    qc_checklist: Vec<String>,
    defect_types: Vec<String>,
    qc_passed: bool,
    parts: Vec<Part>,
}

impl Project {
    pub fn decide(
        &self,
        command: Stamped<ProjectCommand>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        let now = command.now;
        use ProjectCommand as C;
        if let C::Create {
            project_id,
            number,
            intake,
            workflow,
        } = command.body
        {
            return self.create(now, project_id, number, intake, workflow);
        }
        let status = self.status.ok_or(ProjectError::NotFound)?;
        match command.body {
            C::Create { .. } => unreachable!("handled above"),
            C::Deliver => self.deliver(now, status),
            // Photos document the project whatever its state, delivery included.
            C::AddPhoto {
                photo,
                purge_budget,
            } => self.add_photo(now, photo, purge_budget),
            C::AnnotatePhoto {
                photo_id,
                annotations,
            } => self.annotate_photo(now, photo_id, annotations),
            C::PurgePhotos { photo_ids } => self.purge_photos(now, photo_ids),
            _ if status == Status::Delivered => Err(ProjectError::Delivered),
            C::ValidateStep { step } => self.validate_step(now, step),
            C::SkipStep { step, reason } => self.skip_step(now, step, reason),
            C::RecordQc { answers } => self.record_qc(now, status, answers),
            C::DeclareNonConformity {
                nc_id,
                defect_type,
                comment,
                corrective_action,
                return_to,
            } => self.declare_non_conformity(
                now,
                nc_id,
                defect_type,
                comment,
                corrective_action,
                return_to,
            ),
            C::EnterBatch {
                batch_id,
                batch_number,
                ranks,
            } => self.enter_batch(now, status, batch_id, batch_number, ranks),
            C::CoatInBatch { batch_id, ranks } => self.coat_in_batch(now, status, batch_id, ranks),
        }
    }

    fn coated_part(&self, rank: u16) -> Result<&Part, ProjectError> {
        self.parts
            .iter()
            .find(|part| part.rank == rank && part.powder.is_some())
            .ok_or_else(|| ProjectError::PartNotCoated {
                number: self.number.clone(),
                rank,
            })
    }

    fn codes(&self, ranks: impl IntoIterator<Item = u16>) -> String {
        ranks
            .into_iter()
            .map(|rank| super::numbering::part_code(&self.number, rank))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The step in progress, if it is `step`.
    fn current_step(&self, step: &str) -> Result<&StepDef, ProjectError> {
        // A key the workflow does not know is a wrong input, not a step out of turn.
        if !self.steps.iter().any(|known| known.key == step) {
            return Err(ProjectError::UnknownStep);
        }
        match self.steps.get(self.current) {
            Some(current) if current.key == step && self.status == Some(Status::InProgress) => {
                Ok(current)
            }
            Some(current) => Err(ProjectError::StepOutOfOrder {
                expected: current.key.clone(),
                given: step.to_owned(),
            }),
            None => Err(ProjectError::StepOutOfOrder {
                expected: "aucune (projet prêt)".to_owned(),
                given: step.to_owned(),
            }),
        }
    }

    fn ready_after_this_step(&self, now: DateTime<Utc>) -> Option<ProjectEvent> {
        (self.current + 1 == self.steps.len()).then_some(ProjectEvent::Ready { ready_at: now })
    }

    /// Powder per catalogue key for one coating of every part a batch did not powder.
    fn powder_used(&self) -> Vec<PowderUse> {
        let mut by_powder: BTreeMap<String, Decimal> = BTreeMap::new();
        for part in &self.parts {
            if self.batch_coated.contains(&part.rank) {
                continue;
            }
            if let Some(powder) = &part.powder {
                if part.powder_kg > Decimal::ZERO {
                    let key = crate::powder::catalogue::aggregate_local_id(&powder.identity);
                    *by_powder.entry(key).or_default() += part.powder_kg;
                }
            }
        }
        by_powder
            .into_iter()
            .map(|(powder_key, kg)| PowderUse { powder_key, kg })
            .collect()
    }
}

impl Aggregate for Project {
    const TYPE: &'static str = "project";
    type Command = Stamped<ProjectCommand>;
    type Event = ProjectEvent;
    type Error = ProjectError;
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
            ProjectEvent::Created {
                number,
                intake,
                steps,
                qc_checklist,
                defect_types,
                ..
            } => {
                self.status = Some(Status::InProgress);
                self.number = number;
                self.steps = steps;
                self.current = 0;
                self.qc_checklist = qc_checklist;
                self.defect_types = defect_types;
                self.parts = intake.parts;
            }
            ProjectEvent::StepValidated { .. } | ProjectEvent::StepSkipped { .. } => {
                self.current += 1;
            }
            ProjectEvent::QcRecorded { passed, .. } => self.qc_passed = passed,
            ProjectEvent::NonConformityDeclared { return_to, .. } => {
                self.current = self
                    .steps
                    .iter()
                    .position(|step| step.key == return_to)
                    .unwrap_or(self.current);
                // Back to the coating step or before it: every part is powdered again.
                let coating = self
                    .steps
                    .iter()
                    .position(|step| step.kind == StepKind::Coating);
                if coating.is_some_and(|coating| self.current <= coating) {
                    self.batch_coated.clear();
                }
                self.qc_passed = false;
                self.status = Some(Status::InProgress);
            }
            ProjectEvent::Ready { .. } => self.status = Some(Status::Ready),
            ProjectEvent::Delivered { .. } => self.status = Some(Status::Delivered),
            ProjectEvent::PhotoAdded { photo, .. } => self.photos.push(photo.photo_id),
            ProjectEvent::PhotoAnnotated { .. } => {}
            ProjectEvent::PhotosPurged { photo_ids, .. } => {
                self.photos.retain(|id| !photo_ids.contains(id))
            }
            ProjectEvent::EnteredBatch {
                batch_id,
                batch_number,
                ranks,
                ..
            } => {
                for rank in ranks {
                    self.in_batch.insert(rank, (batch_id, batch_number.clone()));
                }
            }
            ProjectEvent::CoatedInBatch { ranks, .. } => {
                for rank in ranks {
                    self.in_batch.remove(&rank);
                    self.batch_coated.insert(rank);
                }
            }
        }
    }
}
