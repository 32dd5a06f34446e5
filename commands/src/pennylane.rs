//! A workshop's Pennylane connection (spec §7.2 « Connexion Pennylane »): its API token,
//! sealed with the platform key (ADR 0003), and the Pennylane ledger account of each account
//! of our chart. A side table beside the log, like the SMTP settings: the token must stay
//! replaceable and sealed, so it is no event. `workers::pennylane` pushes with it,
//! `projections::pennylane` shows it (never the token).

use std::collections::BTreeMap;

use domain::invoice::settings::{pennylane_account, InvoiceSettingsError};
use domain::{DomainError, ErrorKind};
use sqlx::PgPool;
use uuid::Uuid;

use crate::secret_box::SecretBox;

/// Why a connection was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("collez le jeton d'API Pennylane tel quel (sans espace)")]
    TokenInvalid,
    /// A line of the mapping: not an account of our chart, or out of bounds.
    #[error(transparent)]
    Account(#[from] InvoiceSettingsError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl DomainError for ConnectionError {
    fn code(&self) -> &'static str {
        match self {
            Self::TokenInvalid => "PENNYLANE_TOKEN_INVALID",
            Self::Account(error) => error.code(),
            Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::TokenInvalid => ErrorKind::Validation,
            Self::Account(error) => error.kind(),
            Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// Connects the workshop: each invoice issued from now on is pushed. Connecting again
/// replaces the token and the mapping and keeps the date pushes count from.
pub async fn connect(
    pool: &PgPool,
    secrets: &SecretBox,
    workspace_id: Uuid,
    token: &str,
    accounts: impl IntoIterator<Item = (String, i64)>,
) -> Result<(), ConnectionError> {
    // A token pasted with the spaces of a copy from an email, or a sentence, is refused
    // here rather than at the first push.
    let token = token.trim();
    if token.len() < 8 || token.len() > 512 || token.chars().any(char::is_whitespace) {
        return Err(ConnectionError::TokenInvalid);
    }
    let accounts: BTreeMap<String, i64> = accounts
        .into_iter()
        .map(|(account, ledger_account_id)| pennylane_account(&account, ledger_account_id))
        .collect::<Result<_, _>>()?;
    sqlx::query(
        "insert into pennylane_connection (workspace_id, token_sealed, accounts, connected_at)
         values (thermogestion_scope($1), $2, $3, now())
         on conflict (workspace_id) do update set token_sealed = $2, accounts = $3",
    )
    .bind(workspace_id)
    .bind(secrets.seal(token))
    .bind(serde_json::to_value(&accounts).unwrap_or_default())
    .execute(pool)
    .await?;
    Ok(())
}

/// Disconnects: the token is erased; the history of pushes stays.
pub async fn disconnect(pool: &PgPool, workspace_id: Uuid) -> Result<(), sqlx::Error> {
    let mut tx = crate::scoped(pool, workspace_id).await?;
    sqlx::query("delete from pennylane_connection where workspace_id = $1")
        .bind(workspace_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
