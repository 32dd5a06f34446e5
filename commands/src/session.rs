//! Refresh tokens: long-lived, rotating, revocable. Only their SHA-256 is stored.
//!
//! Each refresh returns a new token and retires the old one. Presenting a retired token means
//! it was copied: the whole family (that login's chain) is revoked, the thief and the owner
//! both have to log in again.
//!
//! The family is also what access tokens stand on: each names its family (`sid`), checked
//! on every request, so a logout or a new password ends the access tokens already handed
//! out too, not only their refresh. A family lives `SESSION_MAX_DAYS` from its login,
//! however often it is refreshed: then the password is asked again (ASVS 3.3.2).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub const REFRESH_TOKEN_DAYS: i64 = 30;
/// A login's absolute lifetime.
pub const SESSION_MAX_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session expirée ou révoquée, veuillez vous reconnecter")]
    Invalid,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Bound(#[from] domain::limits::OutOfBounds),
}

/// A refresh token as given to the client once, and what it opens.
#[derive(Debug, Clone)]
pub struct Session {
    pub refresh_token: String,
    /// The login chain: what access tokens name (`sid`).
    pub family_id: Uuid,
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
    let family_id = Uuid::now_v7();
    let mut tx = pool.begin().await?;
    let started: DateTime<Utc> = sqlx::query_scalar(
        "insert into session_family (family_id, account_id) values ($1, $2) returning created_at",
    )
    .bind(family_id)
    .bind(account_id)
    .fetch_one(&mut *tx)
    .await?;
    let session = issue(
        &mut tx,
        family_id,
        started,
        account_id,
        workspace_id,
        two_factor,
    )
    .await?;
    tx.commit().await?;
    Ok(session)
}

async fn issue(
    conn: &mut PgConnection,
    family_id: Uuid,
    started: DateTime<Utc>,
    account_id: Uuid,
    workspace_id: Uuid,
    two_factor: bool,
) -> Result<Session, SessionError> {
    let refresh_token = new_token();
    let expires_at = (Utc::now() + Duration::days(REFRESH_TOKEN_DAYS))
        .min(started + Duration::days(SESSION_MAX_DAYS));
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
    .execute(conn)
    .await?;
    Ok(Session {
        refresh_token,
        family_id,
        account_id,
        workspace_id,
        expires_at,
        two_factor,
    })
}

/// A family as locked: its id, whether it is revoked, when its login happened.
type LockedFamily = (Uuid, bool, DateTime<Utc>);

/// Locks the family of `refresh_token`, if the token is known.
async fn lock_family(
    conn: &mut PgConnection,
    refresh_token: &str,
) -> Result<Option<LockedFamily>, sqlx::Error> {
    // Rotation and revocation take this lock first, and only then touch tokens: they never
    // wait on each other crosswise.
    sqlx::query_as(
        "select f.family_id, f.revoked_at is not null, f.created_at from session_family f
         where f.family_id = (select family_id from refresh_token where token_hash = $1)
         for update",
    )
    .bind(digest(refresh_token))
    .fetch_optional(conn)
    .await
}

/// Exchanges a live token for a new one of the same family.
pub async fn rotate(pool: &PgPool, refresh_token: &str) -> Result<Session, SessionError> {
    domain::limits::account::REFRESH_TOKEN.check(refresh_token)?;
    let mut tx = pool.begin().await?;
    let Some((family_id, revoked, started)) = lock_family(&mut tx, refresh_token).await? else {
        return Err(SessionError::Invalid);
    };
    if revoked {
        return Err(SessionError::Invalid);
    }
    if started + Duration::days(SESSION_MAX_DAYS) <= Utc::now() {
        // Its absolute lifetime is over: ended for good, the password is asked again.
        revoke_family(&mut tx, family_id).await?;
        tx.commit().await?;
        return Err(SessionError::Invalid);
    }
    let rotated: Option<(Uuid, Uuid, bool)> = sqlx::query_as(
        "update refresh_token set rotated_at = now()
         where token_hash = $1 and rotated_at is null and revoked_at is null and expires_at > now()
         returning account_id, workspace_id, two_factor",
    )
    .bind(digest(refresh_token))
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((account_id, workspace_id, two_factor)) = rotated {
        let session = issue(
            &mut tx,
            family_id,
            started,
            account_id,
            workspace_id,
            two_factor,
        )
        .await?;
        tx.commit().await?;
        return Ok(session);
    }
    // A known but retired token is a replay: revoke its whole family.
    revoke_family(&mut tx, family_id).await?;
    tx.commit().await?;
    Err(SessionError::Invalid)
}

async fn revoke_family(conn: &mut PgConnection, family_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update session_family set revoked_at = coalesce(revoked_at, now()) where family_id = $1",
    )
    .bind(family_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update refresh_token set revoked_at = coalesce(revoked_at, now()) where family_id = $1",
    )
    .bind(family_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the login the token belongs to. Unknown tokens are ignored: logging out twice is fine.
pub async fn close(pool: &PgPool, refresh_token: &str) -> Result<(), SessionError> {
    domain::limits::account::REFRESH_TOKEN.check(refresh_token)?;
    let mut tx = pool.begin().await?;
    if let Some((family_id, _, _)) = lock_family(&mut tx, refresh_token).await? {
        revoke_family(&mut tx, family_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the login `family_id` of `account_id` still stands (not logged out, not revoked
/// by a new password or a replay, within its absolute lifetime), asked on every request
/// carrying an access token; and when it stands, a transaction reading `workspace_id`'s
/// `read_models` as [`projections::tenant::begin_reading`] opens it: both in one statement,
/// since every authenticated request asks both (the session's table is read before the
/// statement drops to the tenant role: PostgreSQL checks a statement's privileges when it
/// starts). `None` when the login no longer stands.
pub async fn begin_reading_if_live(
    pool: &PgPool,
    family_id: Uuid,
    account_id: Uuid,
    workspace_id: Uuid,
    read_models: &[&str],
) -> Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let live: Option<bool> = sqlx::query_scalar(
        "select (select revoked_at is null and created_at > now() - make_interval(days => $3)
                 from session_family where family_id = $1 and account_id = $2),
                thermogestion_enter_tenant($4, $5)",
    )
    .bind(family_id)
    .bind(account_id)
    .bind(SESSION_MAX_DAYS as i32)
    .bind(workspace_id)
    .bind(read_models)
    .fetch_one(&mut *tx)
    .await?;
    if live == Some(true) {
        Ok(Some(tx))
    } else {
        tx.rollback().await?;
        Ok(None)
    }
}

/// Ends every login of an account (its password changed).
pub async fn close_all(conn: &mut PgConnection, account_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update session_family set revoked_at = coalesce(revoked_at, now()) where account_id = $1",
    )
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update refresh_token set revoked_at = coalesce(revoked_at, now()) where account_id = $1",
    )
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}
