//! What a project's printed documents (its label sheet, its traceability report) are drawn
//! from: the project, its client, its non-conformities and the workshop's name.

use sqlx::PgPool;
use uuid::Uuid;

use crate::project::{self, NcRow, ProjectRow};
use crate::{client, tenant, workspace};

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectDocuments {
    pub project: ProjectRow,
    /// `None`: the client was erased; the documents say so in their words.
    pub client_name: Option<String>,
    pub non_conformities: Vec<NcRow>,
    /// `None` only for a workshop whose row is not projected yet.
    pub workshop_name: Option<String>,
}

/// The documents' facts of `project_id`, if the workshop has the project.
pub async fn project_documents(
    pool: &PgPool,
    workspace_id: Uuid,
    project_id: Uuid,
) -> Result<Option<ProjectDocuments>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let Some(project) = project::find(&mut *tx, workspace_id, project_id).await? else {
        tx.commit().await?;
        return Ok(None);
    };
    let client_name = client::find(&mut *tx, workspace_id, project.client_id)
        .await?
        .map(|client| client.display_name);
    let non_conformities = project::non_conformities(&mut *tx, workspace_id, project_id).await?;
    let workshop_name = workspace::find(&mut *tx, workspace_id)
        .await?
        .map(|row| row.name);
    tx.commit().await?;
    Ok(Some(ProjectDocuments {
        project,
        client_name,
        non_conformities,
        workshop_name,
    }))
}
