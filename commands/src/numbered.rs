//! Gap-free numbers (`D-2026-0042`, `P26-0042`, `S26-0012`, invoices): a number is taken from
//! its counter and committed in the same [`AtomicAppend`] as what it numbers, so it is never
//! lost nor given twice. When another writer took that number first, the append conflicts
//! and the whole is decided again with the next number.

use std::future::Future;

use chrono::{DateTime, Utc};
use domain::counter::{self, CounterCommand, CounterEvent};
use domain::project::numbering::{
    self as project_numbering, ProjectNumberingCommand, ProjectNumberingEvent,
};
use domain::quote::numbering::{self as quote_numbering, NumberingCommand, NumberingEvent};
use uuid::Uuid;

use crate::{
    AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands, Decision,
    MAX_ATTEMPTS,
};

/// Where a number comes from. Quotes and projects kept the counters they had before the
/// generic yearly [`counter`]; their events stay in the log, so their aggregates stay too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series<'a> {
    /// A quote's number (`QuoteNumbering`).
    Quote,
    /// A project's number (`ProjectNumbering`).
    Project,
    /// A series of the generic yearly counter (`batch`, the invoice and credit note series).
    Counter(&'a str),
}

/// A number taken, not yet committed.
pub struct Taken {
    /// The counter's decision: commit it with what the number names.
    pub decision: Decision,
    /// The rank in the series' year, from 1.
    pub sequence: u32,
}

/// What a caller formats its number from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number {
    pub sequence: u32,
    /// The decision time: the year of the number, and the time of everything decided with it.
    pub now: DateTime<Utc>,
}

/// The counter could not be read: an internal failure, never the caller's.
#[derive(Debug, thiserror::Error)]
#[error("numbering failure: {0}")]
pub struct NumberingError(String);

impl NumberingError {
    fn store(error: impl std::fmt::Display) -> Self {
        Self(error.to_string())
    }
}

/// Attempts of [`Commands::numbered`], the first included: every writer of a series races
/// on its one counter, so it gets twice a single aggregate's allowance.
const NUMBERED_ATTEMPTS: u32 = MAX_ATTEMPTS * 2;

impl Commands {
    /// The next number of `series` for `for_id` (the quote, project, batch or invoice it will
    /// name), decided as of `now` on the counter as the log has it.
    pub async fn take_number(
        &self,
        meta: &CommandMeta,
        series: Series<'_>,
        for_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Taken, NumberingError> {
        let (decision, sequence) = match series {
            Series::Quote => {
                let decision = self
                    .quote_numbering
                    .decide(
                        meta,
                        &quote_numbering::aggregate_local_id(now),
                        NumberingCommand::Take { quote_id: for_id },
                        false,
                        now,
                    )
                    .await
                    .map_err(refused)?;
                let sequence = decision
                    .payload::<NumberingEvent>()
                    .map(|NumberingEvent::Taken { sequence, .. }| sequence);
                (decision, sequence)
            }
            Series::Project => {
                let decision = self
                    .project_numbering
                    .decide(
                        meta,
                        &project_numbering::aggregate_local_id(now),
                        ProjectNumberingCommand::Take { project_id: for_id },
                        false,
                        now,
                    )
                    .await
                    .map_err(refused)?;
                let sequence = decision
                    .payload::<ProjectNumberingEvent>()
                    .map(|ProjectNumberingEvent::Taken { sequence, .. }| sequence);
                (decision, sequence)
            }
            Series::Counter(series) => {
                let decision = self
                    .counters
                    .decide(
                        meta,
                        &counter::aggregate_local_id(series, now),
                        CounterCommand::Take { for_id },
                        false,
                        now,
                    )
                    .await
                    .map_err(refused)?;
                let sequence = decision
                    .payload::<CounterEvent>()
                    .map(|CounterEvent::Taken { sequence, .. }| sequence);
                (decision, sequence)
            }
        };
        let sequence = sequence.ok_or_else(|| NumberingError::store("no number taken"))?;
        Ok(Taken { decision, sequence })
    }

    /// Takes the next number of `series` for `for_id`, lets `number_with` decide what it
    /// numbers (from the number and the decision time), and appends both in one statement.
    /// When another writer committed that number first, decides again with the next one, a
    /// bounded number of times; a refusal of `number_with` is returned as it is, nothing
    /// written.
    pub async fn numbered<T, E, F, Fut>(
        &self,
        meta: &CommandMeta,
        series: Series<'_>,
        for_id: Uuid,
        mut number_with: F,
    ) -> Result<(T, AppendReceipt), E>
    where
        E: From<AppendError> + From<NumberingError>,
        F: FnMut(Number) -> Fut,
        Fut: Future<Output = Result<(T, Decision), E>>,
    {
        let mut attempt = 1;
        loop {
            let now = Utc::now();
            let taken = self.take_number(meta, series, for_id, now).await?;
            let (numbered, decision) = number_with(Number {
                sequence: taken.sequence,
                now,
            })
            .await?;
            let mut append = AtomicAppend::default();
            append.push(taken.decision);
            append.push(decision);
            match self.commit(meta, append).await {
                Err(AppendError::Conflict) if attempt < NUMBERED_ATTEMPTS => attempt += 1,
                result => return Ok((numbered, result?)),
            }
        }
    }
}

/// A counter never refuses (its error type is `Never`) and `decide` never conflicts: what
/// remains is the store failing.
fn refused<E: domain::DomainError>(error: CommandError<E>) -> NumberingError {
    NumberingError::store(error)
}
