//! The platform's editors (ADR 0014): who runs the SaaS back office. An editor is an
//! account outside every workshop: their sessions are scoped to the platform workspace, so
//! row-level security keeps every workshop's rows out of their reach, and they always pass
//! a second factor.

use domain::{DomainError, ErrorKind};
use rand::RngCore;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::account::{self, AccountError, NewAccount};

#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    #[error("ce compte est membre d'un atelier : un éditeur de la plateforme n'appartient à aucun atelier")]
    MemberOfAWorkshop,
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl EditorError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MemberOfAWorkshop => "EDITOR_IS_A_MEMBER",
            Self::Account(error) => error.code(),
            Self::Database(_) => "INTERNAL",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::MemberOfAWorkshop => ErrorKind::Conflict,
            Self::Account(error) => error.kind(),
            Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// An editor added: their account, and the password it was created with (shown once),
/// unless the account existed.
#[derive(Debug)]
pub struct Added {
    pub account_id: Uuid,
    pub password: Option<String>,
}

/// Makes `email` an editor, creating its account when absent (its address vouched for by
/// the operator who runs the command). Refused for a member of a workshop. Adding an
/// editor twice changes nothing.
pub async fn add(pool: &PgPool, email: &str) -> Result<Added, EditorError> {
    let parsed = domain::identity::Email::parse(email).map_err(AccountError::from)?;
    let (account_id, password) = match account::find_by_email(pool, &parsed).await? {
        Some(account_id) => {
            // Only an existing account can belong to a workshop.
            let mut tx = projections::tenant::begin_account(pool, account_id).await?;
            let workshops = projections::member::workspaces_of(&mut *tx, account_id).await?;
            tx.commit().await?;
            if !workshops.is_empty() {
                return Err(EditorError::MemberOfAWorkshop);
            }
            (account_id, None)
        }
        None => {
            let password = new_password();
            let account = NewAccount::parse(email, None, password.clone())?;
            let account_id = account::create_account(pool, account).await?;
            account::mark_email_verified(pool, account_id).await?;
            (account_id, Some(password))
        }
    };
    sqlx::query("insert into platform_editor (account_id) values ($1) on conflict do nothing")
        .bind(account_id)
        .execute(pool)
        .await?;
    Ok(Added {
        account_id,
        password,
    })
}

pub async fn is_editor(
    executor: impl PgExecutor<'_>,
    account_id: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select 1 from platform_editor where account_id = $1)")
        .bind(account_id)
        .fetch_one(executor)
        .await
}

/// 20 characters from 120 random bits, without look-alikes: well past the password rules.
fn new_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char)
        .collect()
}
