//! Who may see a quote: its workshop's staff, and the client in its portal only its own
//! quotes once sent. What a quote's PDF shows, and the PDFs sending and signing freeze, are
//! the write side's (`commands::quote_sending`).

use projections::quote::QuoteRow;
use projections::tenant;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::Actor;
use crate::permissions::Operation;
use crate::ApiError;

pub fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "QUOTE_NOT_FOUND",
        "ce devis n'existe pas",
    )
}

/// The quote as `actor` may see it: staff see their workshop's quotes, a client in its
/// portal only its own; anything else is not found, like an unknown id.
pub async fn visible_quote(
    pool: &PgPool,
    actor: &Actor,
    quote_id: Uuid,
) -> Result<QuoteRow, ApiError> {
    let mut tx = tenant::begin(pool, actor.workspace_id).await?;
    let quote = projections::quote::find(&mut *tx, actor.workspace_id, quote_id)
        .await?
        .ok_or_else(not_found)?;
    // A client reads only what was sent to it: a draft (a revision included) is not found.
    let visible = if actor.role == domain::Role::Client {
        quote.status != "draft"
            && projections::client::of_portal_account(
                &mut *tx,
                actor.workspace_id,
                actor.account_id,
            )
            .await?
            .contains(&quote.client_id)
    } else {
        // Staff: those the table lets read a quote, the client aside.
        Operation::Quote.allows(actor.role)
    };
    tx.commit().await?;
    if !visible {
        return Err(if actor.role == domain::Role::Client {
            not_found()
        } else {
            ApiError::new(
                domain::ErrorKind::Forbidden,
                "ROLE_NOT_ALLOWED",
                "votre rôle ne permet pas cette action",
            )
        });
    }
    Ok(quote)
}
