//! The platform's own facts (ADR 0014): what ThermoGestion sells to workshops — plans, paid
//! add-ons, the features each one opens, the trial — decided by the editor and recorded in
//! a reserved stream of the log, the platform workspace, so that every rule of the log
//! (one workspace per event, row-level security, parking) holds for them unchanged.

pub mod catalogue;
pub mod entitlements;
mod feature;

pub use feature::{AddOn, Feature};

use uuid::Uuid;

/// The workspace of the platform's own events. No workshop has it: sign-up draws
/// time-ordered (v7) ids, and this one is not a v7 id. An editor's requests are scoped to it, so row-level
/// security keeps every workshop's rows out of their reach.
pub const PLATFORM_WORKSPACE_ID: Uuid = Uuid::max();

/// Whether `workspace_id` is the platform's rather than a workshop's.
pub fn is_platform(workspace_id: Uuid) -> bool {
    workspace_id == PLATFORM_WORKSPACE_ID
}
