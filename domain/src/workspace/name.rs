use serde::{Deserialize, Serialize};

use super::WorkspaceError;

/// The workshop's trading name as shown on quotes and emails.
///
/// Invariant: trimmed, inner runs of whitespace collapsed, 1 to [`WorkspaceName::MAX_CHARS`]
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    /// Long enough for "SARL Thermolaquage et Sablage du Grand Ouest – Atelier de Cholet".
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Self, WorkspaceError> {
        // People paste names from documents: collapse the stray double spaces and newlines.
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(WorkspaceError::NameEmpty);
        }
        if collapsed.chars().count() > Self::MAX_CHARS {
            return Err(WorkspaceError::NameTooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for WorkspaceName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
