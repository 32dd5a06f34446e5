//! The shop floor's scan: a part's QR code, or its code typed when the label will not scan,
//! opens the project it belongs to at that part.

use sqlx::PgPool;
use uuid::Uuid;

use crate::project::{self, ProjectRow};
use crate::tenant;

/// The longest part code a label carries (`P26-0042-12` and well beyond).
const LONGEST_CODE: usize = 40;

/// The project a scanned part belongs to, and the part's rank in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannedPart {
    pub project: ProjectRow,
    pub rank: i32,
}

/// The part `scanned` names (`TG1:P26-0042-2` or `p26-0042-2`), if this workshop has it.
/// An empty or overlong entry names no part: it is not looked up.
pub async fn scan(
    pool: &PgPool,
    workspace_id: Uuid,
    scanned: &str,
) -> Result<Option<ScannedPart>, sqlx::Error> {
    let code = domain::project::numbering::scanned_part_code(scanned);
    if code.is_empty() || code.len() > LONGEST_CODE {
        return Ok(None);
    }
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let found = match project::by_part_code(&mut *tx, workspace_id, code).await? {
        Some((project_id, rank)) => project::find(&mut *tx, workspace_id, project_id)
            .await?
            .map(|project| ScannedPart { project, rank }),
        None => None,
    };
    tx.commit().await?;
    Ok(found)
}
