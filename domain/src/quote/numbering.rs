//! Quote numbers: a workshop pattern such as `DEV-{YYYY}-{NNNN}` and a counter per workshop
//! and year that only moves when a quote is created with the number, in the same commit:
//! no gap, no duplicate.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Paris;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::{DomainError, ErrorKind, Stamped};

pub const DEFAULT_PATTERN: &str = "DEV-{YYYY}-{NNNN}";
pub const MAX_PATTERN_LENGTH: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("le modèle de numéro doit contenir un compteur {{NNNN}} (2 à 8 N)")]
    NoCounter,
    #[error("le modèle de numéro ne peut contenir que lettres, chiffres, - _ / . et les variables {{YYYY}} {{YY}} {{MM}} {{NNNN}}")]
    Invalid,
}

impl DomainError for PatternError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoCounter => "NUMBER_PATTERN_NO_COUNTER",
            Self::Invalid => "NUMBER_PATTERN_INVALID",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// A checked pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NumberPattern(String);

enum Token<'a> {
    Text(&'a str),
    Year4,
    Year2,
    Month,
    Counter(usize),
}

fn tokens(pattern: &str) -> Result<Vec<Token<'_>>, PatternError> {
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let end = rest.find('}').ok_or(PatternError::Invalid)?;
                let name = &rest[1..end];
                tokens.push(match name {
                    "YYYY" => Token::Year4,
                    "YY" => Token::Year2,
                    "MM" => Token::Month,
                    counter
                        if (2..=8).contains(&counter.len())
                            && counter.chars().all(|c| c == 'N') =>
                    {
                        Token::Counter(counter.len())
                    }
                    _ => return Err(PatternError::Invalid),
                });
                rest = &rest[end + 1..];
            }
            found => {
                let end = found.unwrap_or(rest.len());
                let text = &rest[..end];
                let allowed = text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
                if !allowed {
                    return Err(PatternError::Invalid);
                }
                tokens.push(Token::Text(text));
                rest = &rest[end..];
            }
        }
    }
    Ok(tokens)
}

impl NumberPattern {
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        let pattern = pattern.trim();
        if pattern.is_empty() || pattern.len() > MAX_PATTERN_LENGTH {
            return Err(PatternError::Invalid);
        }
        let counters = tokens(pattern)?
            .iter()
            .filter(|token| matches!(token, Token::Counter(_)))
            .count();
        if counters != 1 {
            return Err(PatternError::NoCounter);
        }
        Ok(Self(pattern.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number of the `sequence`-th quote of the year of `at` (Paris time: a quote made
    /// on 31 December at 23:30 belongs to that year).
    pub fn format(&self, at: DateTime<Utc>, sequence: u32) -> String {
        let local = at.with_timezone(&Paris);
        let mut number = String::new();
        for token in tokens(&self.0).unwrap_or_default() {
            match token {
                Token::Text(text) => number.push_str(text),
                Token::Year4 => number.push_str(&format!("{:04}", local.year())),
                Token::Year2 => number.push_str(&format!("{:02}", local.year() % 100)),
                Token::Month => number.push_str(&format!("{:02}", local.month())),
                Token::Counter(width) => number.push_str(&format!("{sequence:0width$}")),
            }
        }
        number
    }
}

impl Default for NumberPattern {
    fn default() -> Self {
        Self(DEFAULT_PATTERN.to_owned())
    }
}

/// The counter of one workshop's quotes in one (Paris) year.
pub fn aggregate_local_id(at: DateTime<Utc>) -> String {
    format!("quote_numbering/{}", at.with_timezone(&Paris).year())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NumberingCommand {
    Take { quote_id: uuid::Uuid },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum NumberingEvent {
    Taken { sequence: u32, quote_id: uuid::Uuid },
}

impl NumberingEvent {
    pub const TAKEN: &'static str = "QuoteNumberTaken";
}

impl DomainEvent for NumberingEvent {
    fn event_type(&self) -> String {
        Self::TAKEN.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteNumbering {
    last: u32,
}

impl QuoteNumbering {
    /// The next sequence; it is only spent if the quote using it commits with it.
    pub fn next(&self) -> u32 {
        self.last + 1
    }

    pub fn decide(&self, command: Stamped<NumberingCommand>) -> Vec<NumberingEvent> {
        let NumberingCommand::Take { quote_id } = command.body;
        vec![NumberingEvent::Taken {
            sequence: self.next(),
            quote_id,
        }]
    }
}

impl Aggregate for QuoteNumbering {
    const TYPE: &'static str = "quote_numbering";
    type Command = Stamped<NumberingCommand>;
    type Event = NumberingEvent;
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
        let NumberingEvent::Taken { sequence, .. } = event;
        self.last = sequence;
    }
}
