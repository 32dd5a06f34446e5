//! Refresh tokens: long-lived, rotating, revocable. Only their SHA-256 is stored.
//!
//! Each refresh returns a new token and retires the old one. Presenting a retired token means
//! it was copied: the whole family (that login's chain) is revoked, the thief and the owner
//! both have to log in again.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

pub const REFRESH_TOKEN_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session expirée ou révoquée, veuillez vous reconnecter")]
    Invalid,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A refresh token as given to the client once, and what it opens.
#[derive(Debug, Clone)]
pub struct Session {
    pub refresh_token: String,
    pub account_id: Uuid,
    pub workspace_id: Uuid,
    pub expires_at: DateTime<Utc>,
    /// The login passed the second factor.
    pub two_factor: bool,
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a new family for a login.
pub async fn open(
    pool: &PgPool,
    account_id: Uuid,
    workspace_id: Uuid,
    two_factor: bool,
) -> Result<Session, SessionError> {
    issue(pool, Uuid::now_v7(), account_id, workspace_id, two_factor).await
}

async fn issue(
    pool: &PgPool,
    family_id: Uuid,
    account_id: Uuid,
    workspace_id: Uuid,
    two_factor: bool,
) -> Result<Session, SessionError> {
    let refresh_token = new_token();
    let expires_at = Utc::now() + Duration::days(REFRESH_TOKEN_DAYS);
    sqlx::query(
        "insert into refresh_token (token_hash, family_id, account_id, workspace_id, expires_at, two_factor)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(digest(&refresh_token))
    .bind(family_id)
    .bind(account_id)
    .bind(workspace_id)
    .bind(expires_at)
    .bind(two_factor)
    .execute(pool)
    .await?;
    Ok(Session {
        refresh_token,
        account_id,
        workspace_id,
        expires_at,
        two_factor,
    })
}

/// Exchanges a live token for a new one of the same family.
pub async fn rotate(pool: &PgPool, refresh_token: &str) -> Result<Session, SessionError> {
    // Retire the token only if it is live; `returning` tells which case we are in, atomically,
    // so two concurrent refreshes with one token cannot both succeed.
    let rotated: Option<(Uuid, Uuid, Uuid, bool)> = sqlx::query_as(
        "update refresh_token set rotated_at = now()
         where token_hash = $1 and rotated_at is null and revoked_at is null and expires_at > now()
         returning family_id, account_id, workspace_id, two_factor",
    )
    .bind(digest(refresh_token))
    .fetch_optional(pool)
    .await?;
    if let Some((family_id, account_id, workspace_id, two_factor)) = rotated {
        return issue(pool, family_id, account_id, workspace_id, two_factor).await;
    }
    // A known but retired token is a replay: revoke its whole family.
    sqlx::query(
        "update refresh_token set revoked_at = coalesce(revoked_at, now())
         where family_id = (select family_id from refresh_token where token_hash = $1)",
    )
    .bind(digest(refresh_token))
    .execute(pool)
    .await?;
    Err(SessionError::Invalid)
}

/// Ends the login the token belongs to. Unknown tokens are ignored: logging out twice is fine.
pub async fn close(pool: &PgPool, refresh_token: &str) -> Result<(), SessionError> {
    sqlx::query(
        "update refresh_token set revoked_at = coalesce(revoked_at, now())
         where family_id = (select family_id from refresh_token where token_hash = $1)",
    )
    .bind(digest(refresh_token))
    .execute(pool)
    .await?;
    Ok(())
}
