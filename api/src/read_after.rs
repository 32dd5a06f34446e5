//! Read your writes: a mutation answers from a read model only once that read model shows
//! what the command wrote. One helper, [`AppState::read_after`], for every mutation.

use std::future::Future;

use commands::{AppendReceipt, CommandReceipt};
use domain::Position;
use projections::read_your_writes::{self, Caught};
use uuid::Uuid;

use crate::app::AppState;
use crate::{warnings, ApiError};

/// What a command wrote, as far as waiting for it goes: one aggregate's events
/// ([`CommandReceipt`]) or several appended together ([`AppendReceipt`]).
pub trait Written {
    /// Feed position of the last event; `None` when the command decided nothing.
    fn position(&self) -> Option<Position>;
    fn workspace_id(&self) -> Uuid;
    /// Notes, for a `READ_MODEL_PARKED` answer, which aggregates and events were recorded.
    fn report(&self);
}

impl Written for CommandReceipt {
    fn position(&self) -> Option<Position> {
        self.position
    }

    fn workspace_id(&self) -> Uuid {
        workspace_of(&self.aggregate_id)
    }

    fn report(&self) {
        warnings::recorded(
            self.command_id,
            self.aggregate_type,
            &self.aggregate_id,
            &self.event_types,
        );
    }
}

impl Written for AppendReceipt {
    fn position(&self) -> Option<Position> {
        self.position
    }

    fn workspace_id(&self) -> Uuid {
        self.written
            .first()
            .map(|written| workspace_of(&written.aggregate_id))
            .unwrap_or_default()
    }

    fn report(&self) {
        for written in &self.written {
            warnings::recorded(
                self.command_id,
                written.aggregate_type,
                &written.aggregate_id,
                &written.event_types,
            );
        }
    }
}

impl AppState {
    /// Waits until `read_models` have applied what `receipt` wrote, then reads `view`: what
    /// every mutation answers. On a timeout the answer still comes, from a read model that
    /// may lag (logged); when one of them is parked for the workspace the answer carries a
    /// `READ_MODEL_PARKED` warning naming what was recorded. `view` is not run before the
    /// wait: a future does nothing until awaited.
    pub async fn read_after<T, E>(
        &self,
        receipt: &impl Written,
        read_models: &[&str],
        view: impl Future<Output = Result<T, E>>,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        if let Some(position) = receipt.position() {
            if self
                .parked(position, receipt.workspace_id(), read_models)
                .await?
            {
                receipt.report();
            }
        }
        Ok(view.await?)
    }

    /// [`AppState::read_after`] with nothing to read yet: for a flow whose next step needs
    /// the read model to show a write (a new member before logging in), or a REST answer that
    /// carries no view (a photo stored, a Stripe event received).
    pub async fn settle(
        &self,
        receipt: &impl Written,
        read_models: &[&str],
    ) -> Result<(), ApiError> {
        self.read_after(
            receipt,
            read_models,
            std::future::ready(Ok::<_, ApiError>(())),
        )
        .await
    }

    /// Waits until `read_models` have applied the event at `position`; says whether one of
    /// them is parked for the workspace (and raises the request's warning).
    async fn parked(
        &self,
        position: Position,
        workspace_id: Uuid,
        read_models: &[&str],
    ) -> Result<bool, ApiError> {
        let caught = read_your_writes::wait_until(
            &self.pool,
            &self.subscriptions,
            position,
            workspace_id,
            read_models,
            self.read_your_writes_timeout,
        )
        .await?;
        Ok(match caught {
            Caught::Blocked(parked) => {
                warnings::raise(
                    warnings::READ_MODEL_PARKED,
                    format!(
                        "enregistré ; l'affichage ({}) est en attente d'une reprise par l'équipe \
                         technique, déjà prévenue : ne refaites pas l'opération",
                        parked.join(", ")
                    ),
                );
                true
            }
            Caught::TimedOut => {
                tracing::warn!(
                    ?read_models,
                    "projections did not catch up in time; answering from a lagging read model"
                );
                false
            }
            Caught::Up => false,
        })
    }
}

/// The workspace an aggregate id (`<workspace_id>/<local id>`) belongs to.
fn workspace_of(aggregate_id: &str) -> Uuid {
    aggregate_id
        .split_once('/')
        .and_then(|(workspace, _)| workspace.parse().ok())
        .unwrap_or_default()
}
