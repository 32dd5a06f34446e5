//! Delivery facts of one email, in its workshop's log (the audit of "was it sent?").
//!
//! The recipient's address is not in the events (personal data stays erasable, ADR 0003):
//! `email_id` links to the outbox row, which holds it while it is kept.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainError, ErrorKind, Stamped};

/// Local id of the aggregate of one email.
pub fn aggregate_local_id(email_id: Uuid) -> String {
    format!("email-{email_id}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EmailCommand {
    RecordSent {
        email_id: Uuid,
        kind: String,
        message_id: String,
        attempt: i32,
    },
    RecordFailed {
        email_id: Uuid,
        kind: String,
        message_id: String,
        attempt: i32,
        error: String,
        /// The server refused for good (5xx, bad address); otherwise it will be retried.
        permanent: bool,
    },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum EmailEvent {
    Sent {
        email_id: Uuid,
        kind: String,
        message_id: String,
        attempt: i32,
        sent_at: DateTime<Utc>,
    },
    Failed {
        email_id: Uuid,
        kind: String,
        message_id: String,
        attempt: i32,
        error: String,
        permanent: bool,
        failed_at: DateTime<Utc>,
    },
}

impl EmailEvent {
    pub const SENT: &'static str = "EmailSent";
    pub const FAILED: &'static str = "EmailFailed";
}

impl DomainEvent for EmailEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Sent { .. } => Self::SENT,
            Self::Failed { .. } => Self::FAILED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// Delivery facts are recorded as they happen; nothing is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {}

impl DomainError for EmailError {
    fn code(&self) -> &'static str {
        match *self {}
    }

    fn kind(&self) -> ErrorKind {
        match *self {}
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Email {
    deliveries: u32,
}

impl Email {
    pub fn decide(&self, command: Stamped<EmailCommand>) -> Result<Vec<EmailEvent>, EmailError> {
        let now = command.now;
        Ok(vec![match command.body {
            EmailCommand::RecordSent {
                email_id,
                kind,
                message_id,
                attempt,
            } => EmailEvent::Sent {
                email_id,
                kind,
                message_id,
                attempt,
                sent_at: now,
            },
            EmailCommand::RecordFailed {
                email_id,
                kind,
                message_id,
                attempt,
                error,
                permanent,
            } => EmailEvent::Failed {
                email_id,
                kind,
                message_id,
                attempt,
                error,
                permanent,
                failed_at: now,
            },
        }])
    }
}

impl Aggregate for Email {
    const TYPE: &'static str = "email";
    type Command = Stamped<EmailCommand>;
    type Event = EmailEvent;
    type Error = EmailError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, _event: Self::Event) {
        self.deliveries += 1;
    }
}
