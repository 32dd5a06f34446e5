//! Gap-free yearly counters for the numbers people type and print (`S26-0012` for oven
//! batches; invoices next): a counter per workshop, series and Paris year, taken in the same
//! commit as what it numbers, so a number is never lost nor given twice. (Quotes and
//! projects kept their own counters, written before this one; their events stay.)

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Paris;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Stamped;

/// The counter of `series` for the Paris year of `at`.
pub fn aggregate_local_id(series: &str, at: DateTime<Utc>) -> String {
    format!("counter/{series}/{}", at.with_timezone(&Paris).year())
}

/// `{prefix}{YY}-{NNNN}`: the `sequence`-th number of the Paris year of `at`.
pub fn format(prefix: &str, at: DateTime<Utc>, sequence: u32) -> String {
    format!(
        "{prefix}{:02}-{sequence:04}",
        at.with_timezone(&Paris).year() % 100
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CounterCommand {
    /// The next number, for the thing `for_id` names.
    Take { for_id: Uuid },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CounterEvent {
    Taken { sequence: u32, for_id: Uuid },
}

impl CounterEvent {
    pub const TAKEN: &'static str = "CounterNumberTaken";
}

impl DomainEvent for CounterEvent {
    fn event_type(&self) -> String {
        Self::TAKEN.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counter {
    last: u32,
}

impl Counter {
    pub fn decide(&self, command: Stamped<CounterCommand>) -> Vec<CounterEvent> {
        let CounterCommand::Take { for_id } = command.body;
        vec![CounterEvent::Taken {
            sequence: self.last + 1,
            for_id,
        }]
    }
}

impl Aggregate for Counter {
    const TYPE: &'static str = "counter";
    type Command = Stamped<CounterCommand>;
    type Event = CounterEvent;
    type Error = crate::Never;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command) {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let CounterEvent::Taken { sequence, .. } = event;
        self.last = sequence;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn numbers_follow_each_other_and_the_paris_year() {
        let mut counter = Counter::default();
        // 23:30 UTC on 31 December is already the new year in Paris.
        let new_year = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        for expected in 1..=3 {
            let events = counter.decide(Stamped {
                now: new_year,
                body: CounterCommand::Take {
                    for_id: Uuid::nil(),
                },
            });
            let CounterEvent::Taken { sequence, .. } = events[0].clone();
            assert_eq!(sequence, expected);
            counter.apply(events[0].clone());
        }
        assert_eq!(aggregate_local_id("batch", new_year), "counter/batch/2027");
        assert_eq!(format("S", new_year, 12), "S27-0012");
    }
}
