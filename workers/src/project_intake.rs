//! An accepted quote becomes a project (spec §4.2 step 7): a reactor on `QuoteAccepted`
//! opens the project with the quote's lines as parts. The project's id is the quote's, so
//! a replayed or concurrent reaction finds it open and spends no number; never replayed.

use async_trait::async_trait;
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
            .map_err(|error| ProjectionError::Reactor(error.to_string()))?;
        }
        Ok(())
    }
}
