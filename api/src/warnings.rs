//! Warnings of one GraphQL request, returned as `extensions.warnings` beside the data.
//!
//! A mutation whose write succeeded but whose read model is parked for the workspace must
//! say both: the write happened (never an error that invites a retry: a retried
//! `recordPayment` would pay twice), and the screen will lag. Deep in `AppState` we do not
//! hold the response, so the request's warnings live in a task-local the handler scopes.

use std::cell::RefCell;
use std::future::Future;

use serde_json::{json, Map, Value};

/// One warning: a stable code, a French message and, for a write whose read model is
/// parked, what the command itself recorded (`details.recorded`, `details.known`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

pub const READ_MODEL_PARKED: &str = "READ_MODEL_PARKED";

/// What one request raised and wrote.
#[derive(Default)]
struct Request {
    warnings: Vec<Warning>,
    /// The aggregates its commands wrote while a read model was parked.
    recorded: Vec<Value>,
    /// Figures its commands decided (a quote's number…), named as in the schema.
    known: Map<String, Value>,
}

impl Request {
    /// What a client may show instead of the read-back: the ids and numbers the commands
    /// decided, so nobody writes again to find out.
    fn details(&self) -> Value {
        json!({ "recorded": self.recorded, "known": self.known })
    }
}

tokio::task_local! {
    static REQUEST: RefCell<Request>;
}

/// Runs `request` collecting the warnings raised while it runs.
pub async fn collect<T>(request: impl Future<Output = T>) -> (T, Vec<Warning>) {
    REQUEST
        .scope(RefCell::new(Request::default()), async move {
            let output = request.await;
            let warnings = REQUEST.with(|request| {
                let request = request.take();
                let details = request.details();
                let mut warnings = request.warnings;
                for warning in &mut warnings {
                    if warning.code == READ_MODEL_PARKED {
                        warning.details = Some(details.clone());
                    }
                }
                warnings
            });
            (output, warnings)
        })
        .await
}

/// An aggregate this request's command wrote, with its events' types: reported when its
/// read model turns out parked.
pub fn recorded(
    command_id: uuid::Uuid,
    aggregate_type: &str,
    aggregate_id: &str,
    event_types: &[String],
) {
    let written = json!({
        "commandId": command_id,
        "aggregateType": aggregate_type,
        "aggregateId": aggregate_id,
        "events": event_types,
    });
    let _ = REQUEST.try_with(|request| request.borrow_mut().recorded.push(written));
}

/// A figure a command of this request decided (`number` of a quote…), reported beside the
/// write if its read model is parked.
pub fn known(name: &str, value: impl Into<Value>) {
    let _ = REQUEST.try_with(|request| {
        request
            .borrow_mut()
            .known
            .insert(name.to_owned(), value.into())
    });
}

/// What this request recorded so far, for an error that must say it (`details`).
pub fn recorded_details() -> Option<Value> {
    REQUEST.try_with(|request| request.borrow().details()).ok()
}

/// Adds a warning to the current request (nothing outside one, e.g. in a worker).
pub fn raise(code: &'static str, message: impl Into<String>) {
    let warning = Warning {
        code,
        message: message.into(),
        details: None,
    };
    let _ = REQUEST.try_with(|request| {
        let warnings = &mut request.borrow_mut().warnings;
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    });
}

/// Whether this request already wrote into a parked read model: its later read-back
/// failures must say the write is recorded.
pub fn write_recorded() -> bool {
    REQUEST
        .try_with(|request| {
            request
                .borrow()
                .warnings
                .iter()
                .any(|warning| warning.code == READ_MODEL_PARKED)
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn warnings_belong_to_their_request() {
        let ((), first) = collect(async {
            known("number", "DEV-2026-0002");
            raise(READ_MODEL_PARKED, "a");
            raise(READ_MODEL_PARKED, "a");
            assert!(write_recorded());
        })
        .await;
        let ((), second) = collect(async { assert!(!write_recorded()) }).await;
        assert_eq!(first.len(), 1);
        assert_eq!(
            first[0].details.as_ref().unwrap()["known"]["number"],
            "DEV-2026-0002"
        );
        assert!(second.is_empty());
        raise(READ_MODEL_PARKED, "outside any request: ignored");
    }
}
