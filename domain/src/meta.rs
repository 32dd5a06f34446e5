//! Keys of the metadata map every event carries (DESIGN.md §2).
//!
//! cqrs-es stores metadata as a string map; these names are the contract between the
//! command side that writes them and the projections and auditors that read them.

pub const WORKSPACE_ID: &str = "workspace_id";
pub const ACTOR_ID: &str = "actor_id";
pub const ACTOR_ROLE: &str = "actor_role";
pub const IP: &str = "ip";
pub const REQUEST_ID: &str = "request_id";
pub const OCCURRED_AT: &str = "occurred_at";
/// One id per command: every event of one commit shares it, which groups them in an audit.
pub const COMMAND_ID: &str = "command_id";
