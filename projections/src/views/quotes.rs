//! The quotes list as its screen shows it: staff see the workshop's quotes, a client in its
//! portal only those of its own client records, and none of them a draft.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::quote::{self, QuoteRow};
use crate::{client, tenant};

/// Who reads the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A member of the workshop: every quote.
    Staff,
    /// A client in its portal: the quotes sent to the client records its account opens.
    Client { account_id: Uuid },
}

/// What the list is narrowed to, and one page of it.
#[derive(Debug, Clone, Default)]
pub struct QuoteFilter<'a> {
    /// A stored status (`draft`, `sent`…).
    pub status: Option<&'a str>,
    pub client_id: Option<Uuid>,
    /// The keyset cursor: quotes created before this one, newest first.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// One page of the quotes `reader` may see, newest first. A client asking for another
/// client's quotes gets none, like an unknown client.
pub async fn page(
    pool: &PgPool,
    workspace_id: Uuid,
    reader: Reader,
    filter: &QuoteFilter<'_>,
) -> Result<Vec<QuoteRow>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let clients = match reader {
        Reader::Client { account_id } => {
            let own = client::of_portal_account(&mut *tx, workspace_id, account_id).await?;
            Some(match filter.client_id {
                Some(asked) => own.into_iter().filter(|id| *id == asked).collect(),
                None => own,
            })
        }
        Reader::Staff => filter.client_id.map(|id| vec![id]),
    };
    let rows = quote::list(
        &mut *tx,
        workspace_id,
        filter.status,
        clients.as_deref(),
        matches!(reader, Reader::Client { .. }),
        filter.before,
        filter.limit,
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}
