//! The workshop's workflow over GraphQL: its steps, quality-control checklist and defect
//! types, read from and written to `WorkflowSettings`.

use async_graphql::{InputObject, SimpleObject};
use domain::project::workflow::{StepDef, WorkflowSettings};

use super::types::StepKindValue;

#[derive(SimpleObject)]
pub struct WorkflowStepNode {
    pub key: String,
    pub label: String,
    pub kind: StepKindValue,
    pub skippable: bool,
}

/// Le flux de l'atelier : étapes, liste de contrôle qualité, types de défaut.
#[derive(SimpleObject)]
pub struct WorkflowNode {
    pub steps: Vec<WorkflowStepNode>,
    pub qc_checklist: Vec<String>,
    pub defect_types: Vec<String>,
    pub watermark_photos: bool,
}

impl From<WorkflowSettings> for WorkflowNode {
    fn from(settings: WorkflowSettings) -> Self {
        Self {
            steps: settings
                .steps
                .into_iter()
                .map(|step| WorkflowStepNode {
                    key: step.key,
                    label: step.label,
                    kind: step.kind.into(),
                    skippable: step.skippable,
                })
                .collect(),
            qc_checklist: settings.qc_checklist,
            defect_types: settings.defect_types,
            watermark_photos: settings.watermark_photos,
        }
    }
}

#[derive(InputObject)]
pub struct WorkflowStepInput {
    pub key: String,
    pub label: String,
    pub kind: StepKindValue,
    pub skippable: bool,
}

#[derive(InputObject)]
pub struct WorkflowInput {
    pub steps: Vec<WorkflowStepInput>,
    pub qc_checklist: Vec<String>,
    pub defect_types: Vec<String>,
    /// Le logo de l'atelier (celui de son modèle de devis) en filigrane des photos.
    #[graphql(default)]
    pub watermark_photos: bool,
}

impl From<WorkflowInput> for WorkflowSettings {
    fn from(input: WorkflowInput) -> Self {
        Self {
            steps: input
                .steps
                .into_iter()
                .map(|step| StepDef {
                    key: step.key.trim().to_owned(),
                    label: step.label.trim().to_owned(),
                    kind: step.kind.into(),
                    skippable: step.skippable,
                })
                .collect(),
            qc_checklist: input
                .qc_checklist
                .into_iter()
                .map(|item| item.trim().to_owned())
                .collect(),
            defect_types: input
                .defect_types
                .into_iter()
                .map(|item| item.trim().to_owned())
                .collect(),
            watermark_photos: input.watermark_photos,
        }
    }
}
