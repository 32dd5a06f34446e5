use chrono::{DateTime, Utc};

/// A command with the facts an aggregate may not fetch itself: the time it is decided at.
///
/// The command side fills `now` from its clock, so `decide` stays a pure function and tests
/// pass a fixed instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped<C> {
    pub now: DateTime<Utc>,
    pub body: C,
}

impl<C> Stamped<C> {
    pub fn at(now: DateTime<Utc>, body: C) -> Self {
        Self { now, body }
    }
}
