use serde::{Deserialize, Serialize};

/// Commands carry raw input: parsing into domain types happens in `decide`, so a refusal
/// is a typed domain error and writes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WorkspaceCommand {
    Register { name: String },
    Rename { name: String },
}
