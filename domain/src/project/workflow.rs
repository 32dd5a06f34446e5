//! A workshop's workflow (spec §5.3): the ordered steps a project goes through, the quality
//! checklist filled at the QC step and the defect types non-conformities are declared with.
//! Each project copies the workflow when it is created, so changing it never reshuffles the
//! projects already in the shop.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::limits::excerpt;
use crate::{DomainError, ErrorKind, Stamped};

pub const AGGREGATE_LOCAL_ID: &str = "workflow";
const MAX_STEPS: usize = 15;
const MAX_LIST: usize = 30;
const MAX_LABEL: usize = 60;

/// What a step is for: the shop's rules hang on it (coating uses powder, QC blocks "ready").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Reception,
    Preparation,
    Primer,
    Coating,
    Curing,
    QualityControl,
    Packaging,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepDef {
    /// Stable, typeable: `sablage`, `qc`.
    pub key: String,
    pub label: String,
    pub kind: StepKind,
    /// Steps some parts do not need (sandblasting new steel, masking, primer).
    pub skippable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkflowSettings {
    pub steps: Vec<StepDef>,
    /// Items checked at the QC step; all must pass before the project can be ready.
    pub qc_checklist: Vec<String>,
    /// What non-conformities are declared as.
    pub defect_types: Vec<String>,
    /// Draw the workshop's logo (its quote template's) on the medium and large photos.
    #[serde(default)]
    pub watermark_photos: bool,
}

fn step(key: &str, label: &str, kind: StepKind, skippable: bool) -> StepDef {
    StepDef {
        key: key.to_owned(),
        label: label.to_owned(),
        kind,
        skippable,
    }
}

impl Default for WorkflowSettings {
    /// The route of a part in a French thermolaquage shop.
    fn default() -> Self {
        use StepKind::*;
        Self {
            steps: vec![
                step("reception", "Réception", Reception, false),
                step("degraissage", "Dégraissage", Preparation, true),
                step("sablage", "Sablage", Preparation, true),
                step("masquage", "Masquage", Preparation, true),
                step("primaire", "Primaire", Primer, true),
                step("poudrage", "Poudrage", Coating, false),
                step("cuisson", "Cuisson", Curing, false),
                step("controle", "Contrôle qualité", QualityControl, false),
                step("emballage", "Emballage", Packaging, true),
            ],
            qc_checklist: [
                "Teinte conforme (RAL et finition)",
                "Épaisseur dans la tolérance",
                "Adhérence (quadrillage)",
                "Aspect : ni coulure, ni grain, ni manque",
                "Masquages retirés, filetages propres",
            ]
            .map(str::to_owned)
            .to_vec(),
            defect_types: [
                "Manque de poudre",
                "Coulure",
                "Inclusion / grain",
                "Défaut d'adhérence",
                "Teinte non conforme",
                "Défaut de préparation",
                "Pièce abîmée",
            ]
            .map(str::to_owned)
            .to_vec(),
            watermark_photos: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("un flux compte de 2 à {MAX_STEPS} étapes")]
    StepCount,
    #[error("« {} » : une clé d'étape est en minuscules, chiffres, - ou _, unique, 30 caractères au plus", excerpt(.key))]
    StepKey { key: String },
    #[error("chaque étape a un libellé de {MAX_LABEL} caractères au plus")]
    Label,
    #[error("le flux a exactement une étape de poudrage, et le contrôle qualité après elle")]
    CoatingAndQc,
    #[error("la liste de contrôle et les types de défaut comptent de 1 à {MAX_LIST} entrées non vides, sans doublon")]
    List,
}

impl DomainError for WorkflowError {
    fn code(&self) -> &'static str {
        match self {
            Self::StepCount => "WORKFLOW_STEP_COUNT",
            Self::StepKey { .. } => "WORKFLOW_STEP_KEY_INVALID",
            Self::Label => "WORKFLOW_LABEL_INVALID",
            Self::CoatingAndQc => "WORKFLOW_COATING_QC",
            Self::List => "WORKFLOW_LIST_INVALID",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

fn valid_list(items: &[String]) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    (1..=MAX_LIST).contains(&items.len())
        && items.iter().all(|item| {
            let item = item.trim();
            !item.is_empty() && item.chars().count() <= 120 && seen.insert(item.to_lowercase())
        })
}

impl WorkflowSettings {
    pub fn validate(self) -> Result<Self, WorkflowError> {
        if !(2..=MAX_STEPS).contains(&self.steps.len()) {
            return Err(WorkflowError::StepCount);
        }
        let mut keys = std::collections::BTreeSet::new();
        for step in &self.steps {
            let key_ok = !step.key.is_empty()
                && step.key.len() <= 30
                && step
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !key_ok || !keys.insert(step.key.clone()) {
                return Err(WorkflowError::StepKey {
                    key: step.key.clone(),
                });
            }
            if step.label.trim().is_empty() || step.label.chars().count() > MAX_LABEL {
                return Err(WorkflowError::Label);
            }
        }
        let position = |kind| self.steps.iter().position(|step| step.kind == kind);
        let count = |kind| self.steps.iter().filter(|step| step.kind == kind).count();
        let coating_then_qc = matches!(
            (position(StepKind::Coating), position(StepKind::QualityControl)),
            (Some(coating), Some(qc)) if coating < qc
        );
        if !coating_then_qc || count(StepKind::Coating) != 1 || count(StepKind::QualityControl) != 1
        {
            return Err(WorkflowError::CoatingAndQc);
        }
        // Coating and QC are what the shop's rules hang on: never skipped.
        if self.steps.iter().any(|step| {
            step.skippable && matches!(step.kind, StepKind::Coating | StepKind::QualityControl)
        }) {
            return Err(WorkflowError::CoatingAndQc);
        }
        if !valid_list(&self.qc_checklist) || !valid_list(&self.defect_types) {
            return Err(WorkflowError::List);
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WorkflowCommand {
    Change(WorkflowSettings),
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum WorkflowEvent {
    Changed {
        settings: WorkflowSettings,
        changed_at: DateTime<Utc>,
    },
}

impl WorkflowEvent {
    pub const CHANGED: &'static str = "WorkflowChanged";
}

impl DomainEvent for WorkflowEvent {
    fn event_type(&self) -> String {
        Self::CHANGED.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    settings: WorkflowSettings,
}

impl Workflow {
    pub fn decide(
        &self,
        command: Stamped<WorkflowCommand>,
    ) -> Result<Vec<WorkflowEvent>, WorkflowError> {
        let WorkflowCommand::Change(settings) = command.body;
        let settings = settings.validate()?;
        if settings == self.settings {
            return Ok(vec![]);
        }
        Ok(vec![WorkflowEvent::Changed {
            settings,
            changed_at: command.now,
        }])
    }
}

impl Aggregate for Workflow {
    const TYPE: &'static str = "workflow";
    type Command = Stamped<WorkflowCommand>;
    type Event = WorkflowEvent;
    type Error = WorkflowError;
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
        let WorkflowEvent::Changed { settings, .. } = event;
        self.settings = settings;
    }
}
