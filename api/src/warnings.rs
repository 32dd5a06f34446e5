//! Warnings of one GraphQL request, returned as `extensions.warnings` beside the data.
//!
//! A mutation whose write succeeded but whose read model is parked for the workspace must
//! say both: the write happened (never an error that invites a retry: a retried
//! `recordPayment` would pay twice), and the screen will lag. Deep in `AppState` we do not
//! hold the response, so the request's warnings live in a task-local the handler scopes.

use std::cell::RefCell;
use std::future::Future;

/// One warning: a stable code and a French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

pub const READ_MODEL_PARKED: &str = "READ_MODEL_PARKED";

tokio::task_local! {
    static WARNINGS: RefCell<Vec<Warning>>;
}

/// Runs `request` collecting the warnings raised while it runs.
pub async fn collect<T>(request: impl Future<Output = T>) -> (T, Vec<Warning>) {
    WARNINGS
        .scope(RefCell::new(Vec::new()), async move {
            let output = request.await;
            let warnings = WARNINGS.with(|warnings| warnings.take());
            (output, warnings)
        })
        .await
}

/// Adds a warning to the current request (nothing outside one, e.g. in a worker).
pub fn raise(code: &'static str, message: impl Into<String>) {
    let warning = Warning {
        code,
        message: message.into(),
    };
    let _ = WARNINGS.try_with(|warnings| {
        let mut warnings = warnings.borrow_mut();
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    });
}

/// Whether this request already wrote into a parked read model: its later read-back
/// failures must say the write is recorded.
pub fn write_recorded() -> bool {
    WARNINGS
        .try_with(|warnings| {
            warnings
                .borrow()
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
            raise(READ_MODEL_PARKED, "a");
            raise(READ_MODEL_PARKED, "a");
            assert!(write_recorded());
        })
        .await;
        let ((), second) = collect(async { assert!(!write_recorded()) }).await;
        assert_eq!(first.len(), 1);
        assert!(second.is_empty());
        raise(READ_MODEL_PARKED, "outside any request: ignored");
    }
}
