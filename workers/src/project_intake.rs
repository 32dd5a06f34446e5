//! An accepted quote becomes a project (spec §4.2 step 7): a reactor on `QuoteAccepted`
//! opens the project with the quote's lines as parts. The project's id is the quote's, so
//! a replayed or concurrent reaction finds it open and spends no number; never replayed.

use async_trait::async_trait;
use commands::project::ProjectSaveError;
use commands::{CommandMeta, Commands};
use domain::project::lifecycle::QuoteRef;
use domain::quote::lifecycle::QuoteEvent;
use projections::engine::{Projection, ProjectionError};
use projections::RecordedEvent;
use sqlx::{PgConnection, PgPool};

pub const NAME: &str = "project_intake";

pub struct ProjectIntake {
    pub pool: PgPool,
    pub commands: Commands,
}

#[async_trait]
impl Projection for ProjectIntake {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[QuoteEvent::ACCEPTED]
    }

    async fn apply(
        &self,
        _conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let QuoteEvent::Accepted {
                quote_id,
                number,
                version,
                content,
                ..
            } = event.payload()?
            else {
                continue;
            };
            let meta = CommandMeta::system(event.workspace_id, "project-intake");
            let quote = QuoteRef {
                quote_id,
                number,
                version,
            };
            // The checkpoint only moves once the project is open (or found open): a failure
            // is retried with the page.
            commands::project::from_quote(
                &self.pool,
                &self.commands,
                &meta,
                quote,
                content.content.client_id,
                &content.content.lines,
            )
            .await
            .map_err(intake_error)?;
        }
        Ok(())
    }
}

/// A refusal parks the workshop (its quote cannot open a project until someone looks); a
/// conflict or a store failure is passing and retried with the page, never parked.
fn intake_error(error: ProjectSaveError) -> ProjectionError {
    use commands::quote::QuoteSaveError;
    use commands::{AppendError, CommandError};
    fn store(error: Box<dyn std::error::Error + Send + Sync>) -> ProjectionError {
        match error.downcast::<sqlx::Error>() {
            Ok(error) => ProjectionError::Database(*error),
            Err(error) => ProjectionError::Passing(error.to_string()),
        }
    }
    match error {
        ProjectSaveError::Database(error)
        | ProjectSaveError::Append(AppendError::Store(error))
        | ProjectSaveError::Lines(QuoteSaveError::Database(error))
        | ProjectSaveError::Lines(QuoteSaveError::Append(AppendError::Store(error))) => {
            ProjectionError::Database(error)
        }
        ProjectSaveError::Project(CommandError::Store(error))
        | ProjectSaveError::Lines(QuoteSaveError::Quote(CommandError::Store(error))) => {
            store(error)
        }
        error @ (ProjectSaveError::Append(AppendError::Conflict)
        | ProjectSaveError::Project(CommandError::Conflict)
        | ProjectSaveError::Lines(QuoteSaveError::Append(AppendError::Conflict))
        | ProjectSaveError::Lines(QuoteSaveError::Quote(CommandError::Conflict))) => {
            ProjectionError::Passing(error.to_string())
        }
        error => ProjectionError::Reactor(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use projections::parking::Failure;

    #[test]
    fn a_conflict_or_a_lost_store_is_retried_a_refusal_parks() {
        let conflict = ProjectSaveError::Append(commands::AppendError::Conflict);
        assert_eq!(intake_error(conflict).failure(), Failure::Transient);
        let lost = ProjectSaveError::Database(sqlx::Error::PoolTimedOut);
        assert_eq!(intake_error(lost).failure(), Failure::Transient);
        let boxed = ProjectSaveError::Project(commands::CommandError::Store(Box::new(
            sqlx::Error::PoolTimedOut,
        )));
        assert_eq!(intake_error(boxed).failure(), Failure::Transient);
        let refused = ProjectSaveError::Lines(commands::quote::QuoteSaveError::ClientNotFound);
        assert_eq!(intake_error(refused).failure(), Failure::Workspace);
    }
}
