//! A batch's label sheet as the booth prints it: each member part with the client its
//! project is for.

use domain::batch::lifecycle::Member;
use sqlx::PgPool;
use uuid::Uuid;

use crate::oven_batch::{self, BatchRow};
use crate::{client, project, tenant};

/// One part of the batch and whom it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledMember {
    pub member: Member,
    /// `None`: the project or its client is gone (erased); the sheet says so in its words.
    pub client_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchLabels {
    pub batch: BatchRow,
    /// In the batch's order.
    pub members: Vec<LabelledMember>,
}

/// The batch `batch_id` and its members' clients, if the workshop has the batch.
pub async fn batch_labels(
    pool: &PgPool,
    workspace_id: Uuid,
    batch_id: Uuid,
) -> Result<Option<BatchLabels>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let Some(batch) = oven_batch::find(&mut *tx, workspace_id, batch_id).await? else {
        tx.commit().await?;
        return Ok(None);
    };
    let mut members = Vec::new();
    for member in batch.members() {
        let client_name = match project::find(&mut *tx, workspace_id, member.project_id).await? {
            Some(project) => client::find(&mut *tx, workspace_id, project.client_id)
                .await?
                .map(|client| client.display_name),
            None => None,
        };
        members.push(LabelledMember {
            member,
            client_name,
        });
    }
    tx.commit().await?;
    Ok(Some(BatchLabels { batch, members }))
}
