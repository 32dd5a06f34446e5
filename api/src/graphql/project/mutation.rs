//! The project mutations: opening at the counter, the shop floor's moves, the workflow.

use async_graphql::{Context, Object, ID};
use domain::project::lifecycle::{aggregate_local_id, ProjectCommand};
use domain::project::workflow::WorkflowCommand;

use super::photos::annotate_command;
use super::types::{NonConformityInput, ProjectInput, ProjectNode, QcAnswerInput};
use super::workflow::{WorkflowInput, WorkflowNode};
use super::{project_node, project_uuid, workflow_node};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Ouvre un projet au comptoir, sans devis (un devis signé ouvre le sien tout seul).
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: ProjectInput,
    ) -> Result<ProjectNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CreateProject)?;
        let draft = input.draft()?;
        let state = state(ctx);
        let (project_id, _, receipt) =
            commands::project::create(&state.pool, &state.commands, &meta(ctx, &actor), draft)
                .await?;
        state
            .read_after(
                &receipt,
                &[projections::project::NAME],
                project_node(ctx, actor.workspace_id, project_id),
            )
            .await
    }

    /// Valide l'étape en cours (le poudrage sort la poudre du stock).
    async fn validate_step(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        step: String,
    ) -> Result<ProjectNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ValidateStep)?;
        let project_id = project_uuid(&project_id)?;
        let state = state(ctx);
        let receipt =
            commands::project::validate_step(&state.commands, &meta(ctx, &actor), project_id, step)
                .await?;
        state
            .read_after(
                &receipt,
                &[projections::project::NAME],
                project_node(ctx, actor.workspace_id, project_id),
            )
            .await
    }

    /// Saute l'étape en cours si elle peut l'être, avec la raison.
    async fn skip_step(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        step: String,
        reason: String,
    ) -> Result<ProjectNode, ApiError> {
        change(
            ctx,
            Operation::SkipStep,
            project_id,
            ProjectCommand::SkipStep { step, reason },
        )
        .await
    }

    /// Remplit le contrôle qualité : un résultat par point de la liste.
    async fn record_quality_control(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        answers: Vec<QcAnswerInput>,
    ) -> Result<ProjectNode, ApiError> {
        let answers = answers.into_iter().map(Into::into).collect();
        change(
            ctx,
            Operation::RecordQualityControl,
            project_id,
            ProjectCommand::RecordQc { answers },
        )
        .await
    }

    /// Déclare une non-conformité : le projet retourne à l'étape choisie.
    async fn declare_non_conformity(
        &self,
        ctx: &Context<'_>,
        input: NonConformityInput,
    ) -> Result<ProjectNode, ApiError> {
        let (project_id, command) = input.command();
        change(ctx, Operation::DeclareNonConformity, project_id, command).await
    }

    /// Dessine sur une photo (flèches, cercles, rectangles, textes ; coordonnées de 0 à 1) :
    /// remplace les annotations précédentes.
    async fn annotate_photo(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        photo_id: ID,
        annotations: async_graphql::Json<serde_json::Value>,
    ) -> Result<ProjectNode, ApiError> {
        let command = annotate_command(&photo_id, annotations.0)?;
        change(ctx, Operation::AnnotatePhoto, project_id, command).await
    }

    /// Le client a récupéré ses pièces.
    async fn deliver_project(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
    ) -> Result<ProjectNode, ApiError> {
        change(
            ctx,
            Operation::DeliverProject,
            project_id,
            ProjectCommand::Deliver,
        )
        .await
    }

    /// Change le flux de l'atelier (pour les projets ouverts ensuite). Gérant ou
    /// administrateur.
    async fn update_workflow(
        &self,
        ctx: &Context<'_>,
        input: WorkflowInput,
    ) -> Result<WorkflowNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateWorkflow)?;
        let state = state(ctx);
        let receipt = state
            .commands
            .workflows
            .execute(
                &meta(ctx, &actor),
                domain::project::workflow::AGGREGATE_LOCAL_ID,
                WorkflowCommand::Change(input.into()),
            )
            .await?;
        state
            .read_after(
                &receipt,
                &[projections::project::NAME],
                workflow_node(ctx, actor.workspace_id),
            )
            .await
    }
}

/// One command to one project, answered with the project as it then reads.
async fn change(
    ctx: &Context<'_>,
    operation: Operation,
    project_id: ID,
    command: ProjectCommand,
) -> Result<ProjectNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let project_id = project_uuid(&project_id)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .projects
        .execute(&meta(ctx, &actor), &aggregate_local_id(project_id), command)
        .await?;
    state
        .read_after(
            &receipt,
            &[projections::project::NAME],
            project_node(ctx, actor.workspace_id, project_id),
        )
        .await
}
