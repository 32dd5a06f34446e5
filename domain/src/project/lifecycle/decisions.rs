//! What each project command decides: one method per command, called by
//! [`Project::decide`](super::Project::decide), which checks the project exists and is not
//! delivered where that matters.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;
use crate::limits;
use crate::project::photo::{validate_annotations, Annotation, Photo, PurgeBudget, MAX_PHOTOS};
use crate::project::workflow::{StepKind, WorkflowSettings};

impl Project {
    /// A new project from a signed quote or the counter: dates within range, promised not
    /// before deposited.
    pub(super) fn create(
        &self,
        now: DateTime<Utc>,
        project_id: Uuid,
        number: String,
        intake: Intake,
        workflow: WorkflowSettings,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status.is_some() {
            return Err(ProjectError::AlreadyCreated);
        }
        let today = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        if let Some(deposited) = intake.deposited_on {
            limits::project::DEPOSITED_ON.check(deposited, today)?;
        }
        if let Some(promised) = intake.promised_on {
            limits::project::PROMISED_ON.check(promised, today)?;
        }
        limits::project::END_USE.check_optional(intake.end_use.as_deref())?;
        if let (Some(deposited), Some(promised)) = (intake.deposited_on, intake.promised_on) {
            if promised < deposited {
                return Err(ProjectError::PromisedBeforeDeposit);
            }
        }
        Ok(vec![ProjectEvent::Created {
            project_id,
            number,
            intake,
            steps: workflow.steps,
            qc_checklist: workflow.qc_checklist,
            defect_types: workflow.defect_types,
            created_at: now,
        }])
    }

    pub(super) fn deliver(
        &self,
        now: DateTime<Utc>,
        status: Status,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        match status {
            Status::Ready => Ok(vec![ProjectEvent::Delivered { delivered_at: now }]),
            Status::Delivered => Ok(vec![]),
            Status::InProgress => Err(ProjectError::NotReady),
        }
    }

    /// Photos document the project whatever its state, delivery included.
    pub(super) fn add_photo(
        &self,
        now: DateTime<Utc>,
        photo: Photo,
        purge_budget: Option<PurgeBudget>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.photos.contains(&photo.photo_id) {
            return Ok(vec![]);
        }
        if self.photos.len() >= MAX_PHOTOS {
            return Err(ProjectError::TooManyPhotos);
        }
        if let Some(budget) = purge_budget {
            budget.check(photo.size_bytes)?;
        }
        Ok(vec![ProjectEvent::PhotoAdded {
            photo,
            added_at: now,
        }])
    }

    pub(super) fn annotate_photo(
        &self,
        now: DateTime<Utc>,
        photo_id: Uuid,
        annotations: Vec<Annotation>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if !self.photos.contains(&photo_id) {
            return Err(ProjectError::PhotoNotFound);
        }
        validate_annotations(&annotations)?;
        Ok(vec![ProjectEvent::PhotoAnnotated {
            photo_id,
            annotations,
            annotated_at: now,
        }])
    }

    /// The storage quota's purge: photos already gone are skipped.
    pub(super) fn purge_photos(
        &self,
        now: DateTime<Utc>,
        photo_ids: Vec<Uuid>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        let photo_ids: Vec<Uuid> = photo_ids
            .into_iter()
            .filter(|id| self.photos.contains(id))
            .collect();
        if photo_ids.is_empty() {
            return Ok(vec![]);
        }
        Ok(vec![ProjectEvent::PhotosPurged {
            photo_ids,
            purged_at: now,
        }])
    }

    /// The step in progress is done; at the coating step, its powder leaves the stock unless a batch powdered the parts.
    pub(super) fn validate_step(
        &self,
        now: DateTime<Utc>,
        step: String,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        let current = self.current_step(&step)?;
        if current.kind == StepKind::QualityControl && !self.qc_passed {
            return Err(ProjectError::QcNotPassed);
        }
        let consumption = if current.kind == StepKind::Coating {
            if let Some((_, batch)) = self.in_batch.values().next() {
                return Err(ProjectError::InBatch {
                    codes: self.codes(self.in_batch.keys().copied()),
                    batch: batch.clone(),
                });
            }
            self.powder_used()
        } else {
            vec![]
        };
        let mut events = vec![ProjectEvent::StepValidated {
            step,
            consumption,
            batch: None,
            validated_at: now,
        }];
        events.extend(self.ready_after_this_step(now));
        Ok(events)
    }

    /// A skippable step in progress is passed, with the reason the operator gives.
    pub(super) fn skip_step(
        &self,
        now: DateTime<Utc>,
        step: String,
        reason: String,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        let current = self.current_step(&step)?;
        if !current.skippable {
            return Err(ProjectError::StepNotSkippable { step });
        }
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(ProjectError::ReasonMissing);
        }
        limits::project::NOTE.check(&reason)?;
        let mut events = vec![ProjectEvent::StepSkipped {
            step,
            reason,
            skipped_at: now,
        }];
        events.extend(self.ready_after_this_step(now));
        Ok(events)
    }

    /// The quality check at its step: every checklist item answered once.
    pub(super) fn record_qc(
        &self,
        now: DateTime<Utc>,
        status: Status,
        answers: Vec<QcAnswer>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        let at_qc = self
            .steps
            .get(self.current)
            .is_some_and(|step| step.kind == StepKind::QualityControl);
        if status != Status::InProgress || !at_qc {
            return Err(ProjectError::NotAtQc);
        }
        for answer in &answers {
            limits::project::NOTE.check_optional(answer.comment.as_deref())?;
        }
        let answered: BTreeMap<&str, &QcAnswer> = answers
            .iter()
            .map(|answer| (answer.item.as_str(), answer))
            .collect();
        let missing: Vec<&str> = self
            .qc_checklist
            .iter()
            .map(String::as_str)
            .filter(|item| !answered.contains_key(item))
            .collect();
        let unknown = answers
            .iter()
            .any(|answer| !self.qc_checklist.contains(&answer.item));
        if !missing.is_empty() || unknown || answered.len() != answers.len() {
            return Err(ProjectError::QcIncomplete {
                missing: missing.join(", "),
            });
        }
        let passed = answers.iter().all(|answer| answer.passed);
        Ok(vec![ProjectEvent::QcRecorded {
            answers,
            passed,
            recorded_at: now,
        }])
    }

    /// A defect sends the project back to a step already reached.
    pub(super) fn declare_non_conformity(
        &self,
        now: DateTime<Utc>,
        nc_id: Uuid,
        defect_type: String,
        comment: Option<String>,
        corrective_action: Option<String>,
        return_to: String,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        limits::project::NOTE.check_optional(comment.as_deref())?;
        limits::project::NOTE.check_optional(corrective_action.as_deref())?;
        if !self.defect_types.contains(&defect_type) {
            return Err(ProjectError::UnknownDefect {
                defect: defect_type,
            });
        }
        // A project found faulty once ready (at pickup) goes back like any other.
        let at = self.current.min(self.steps.len().saturating_sub(1));
        let back = self
            .steps
            .iter()
            .position(|step| step.key == return_to)
            .filter(|index| *index <= at)
            .ok_or(ProjectError::ReturnForward {
                step: return_to.clone(),
            })?;
        Ok(vec![ProjectEvent::NonConformityDeclared {
            nc_id,
            at_step: self.steps[at].key.clone(),
            defect_type,
            comment: comment.filter(|text| !text.trim().is_empty()),
            corrective_action: corrective_action.filter(|text| !text.trim().is_empty()),
            return_to: self.steps[back].key.clone(),
            declared_at: now,
        }])
    }

    /// A launched batch takes these parts to the booth; a part in another batch refuses it.
    pub(super) fn enter_batch(
        &self,
        now: DateTime<Utc>,
        status: Status,
        batch_id: Uuid,
        batch_number: String,
        ranks: Vec<u16>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        let at_coating = self
            .steps
            .get(self.current)
            .filter(|step| step.kind == StepKind::Coating && status == Status::InProgress);
        if at_coating.is_none() {
            return Err(ProjectError::NotAtCoating {
                number: self.number.clone(),
                current: self
                    .steps
                    .get(self.current)
                    .map_or("aucune (projet prêt)".to_owned(), |step| {
                        format!("« {} »", step.label)
                    }),
            });
        }
        for rank in &ranks {
            self.coated_part(*rank)?;
            if let Some((other, number)) = self.in_batch.get(rank) {
                if *other != batch_id {
                    return Err(ProjectError::PartInBatch {
                        code: self.codes([*rank]),
                        batch: number.clone(),
                    });
                }
            }
        }
        let ranks: Vec<u16> = ranks
            .into_iter()
            .filter(|rank| !self.in_batch.contains_key(rank))
            .collect::<BTreeSet<u16>>()
            .into_iter()
            .collect();
        if ranks.is_empty() {
            return Ok(vec![]);
        }
        Ok(vec![ProjectEvent::EnteredBatch {
            batch_id,
            batch_number,
            ranks,
            entered_at: now,
        }])
    }

    /// The closed batch powdered these parts; the coating step is validated once every coated part of the project is.
    pub(super) fn coat_in_batch(
        &self,
        now: DateTime<Utc>,
        status: Status,
        batch_id: Uuid,
        ranks: Vec<u16>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        let ranks: Vec<u16> = ranks
            .into_iter()
            .filter(|rank| {
                self.in_batch
                    .get(rank)
                    .is_some_and(|(batch, _)| *batch == batch_id)
            })
            .collect();
        let Some(batch_number) = ranks
            .first()
            .and_then(|rank| self.in_batch.get(rank))
            .map(|(_, number)| number.clone())
        else {
            return Ok(vec![]);
        };
        let mut events = vec![ProjectEvent::CoatedInBatch {
            batch_id,
            batch_number: batch_number.clone(),
            ranks: ranks.clone(),
            coated_at: now,
        }];
        // The coating step is done when every coated part is, through batches.
        let coating = self
            .steps
            .get(self.current)
            .filter(|step| step.kind == StepKind::Coating && status == Status::InProgress);
        let all_coated = self
            .parts
            .iter()
            .filter(|part| part.powder.is_some())
            .all(|part| self.batch_coated.contains(&part.rank) || ranks.contains(&part.rank));
        let still_in_batch = self.in_batch.keys().any(|rank| !ranks.contains(rank));
        if let Some(step) = coating.filter(|_| all_coated && !still_in_batch) {
            events.push(ProjectEvent::StepValidated {
                step: step.key.clone(),
                consumption: vec![],
                batch: Some(batch_number),
                validated_at: now,
            });
            events.extend(self.ready_after_this_step(now));
        }
        Ok(events)
    }
}
