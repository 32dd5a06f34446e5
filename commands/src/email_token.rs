//! Single-use, expiring tokens sent by email: email verification, password reset,
//! invitation. Only their SHA-256 is stored; the link carries the token itself.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use domain::{DomainError, ErrorKind, Role};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    Invitation,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::Invitation => "invitation",
        }
    }

    /// How long a link works: short for a password, longer for an invitation that waits in
    /// an inbox over a weekend.
    pub fn lifetime(self) -> Duration {
        match self {
            Self::VerifyEmail => Duration::days(3),
            Self::ResetPassword => Duration::hours(1),
            Self::Invitation => Duration::days(domain::workspace::INVITATION_DAYS),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("ce lien n'est pas valide")]
    Invalid,
    #[error("ce lien a expiré, demandez-en un nouveau")]
    Expired,
    #[error("ce lien a déjà été utilisé")]
    Used,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl DomainError for TokenError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid => "TOKEN_INVALID",
            Self::Expired => "TOKEN_EXPIRED",
            Self::Used => "TOKEN_USED",
            Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid | Self::Expired | Self::Used => ErrorKind::Validation,
            Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// What a token was issued for.
#[derive(Debug, Clone)]
pub struct Grant {
    pub account_id: Option<Uuid>,
    pub workspace_id: Option<Uuid>,
    pub email: String,
    pub role: Option<Role>,
    /// For invitations: the member who sent it, and their role then.
    pub invited_by: Option<(Uuid, Role)>,
    /// A member invitation: the workspace's `MemberInvited` it is the link of. Portal
    /// invitations of clients (from a client record) have none.
    pub invitation_id: Option<Uuid>,
    /// A portal invitation: the one client record accepting it links.
    pub client_id: Option<Uuid>,
    /// When the link was sent: read back from the token, ignored when issuing.
    pub issued_at: Option<DateTime<Utc>>,
}

pub(crate) fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// 256 random bits, URL-safe.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues a token; returns it in clear, once, for the link.
pub async fn issue(
    executor: impl PgExecutor<'_>,
    purpose: Purpose,
    grant: &Grant,
) -> Result<String, sqlx::Error> {
    insert(executor, purpose, grant, None).await
}

/// Issues the link of a member invitation, expiring with its event (`expires_at`).
pub(crate) async fn issue_invitation(
    executor: impl PgExecutor<'_>,
    grant: &Grant,
    expires_at: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    insert(executor, Purpose::Invitation, grant, Some(expires_at)).await
}

/// `expires_at`: the purpose's lifetime from the database's clock when `None`.
async fn insert(
    executor: impl PgExecutor<'_>,
    purpose: Purpose,
    grant: &Grant,
    expires_at: Option<DateTime<Utc>>,
) -> Result<String, sqlx::Error> {
    let token = random_token();
    sqlx::query(
        "insert into email_token (token_hash, purpose, account_id, workspace_id, email, role, expires_at,
                                  invited_by, invited_by_role, invitation_id, client_id)
         values ($1, $2, $3, $4, $5, $6, coalesce($10, now() + $7), $8, $9, $11, $12)",
    )
    .bind(digest(&token))
    .bind(purpose.as_str())
    .bind(grant.account_id)
    .bind(grant.workspace_id)
    .bind(&grant.email)
    .bind(grant.role.map(Role::as_str))
    .bind(purpose.lifetime())
    .bind(grant.invited_by.map(|(account_id, _)| account_id))
    .bind(grant.invited_by.map(|(_, role)| role.as_str()))
    .bind(expires_at)
    .bind(grant.invitation_id)
    .bind(grant.client_id)
    .execute(executor)
    .await?;
    Ok(token)
}

/// What a live token grants, without using it: to validate the rest of a form first, so a
/// typo does not burn the link.
pub async fn peek(pool: &PgPool, purpose: Purpose, token: &str) -> Result<Grant, TokenError> {
    let row: Option<TokenRow> = sqlx::query_as(&format!(
        "select {TOKEN_COLUMNS} from email_token where token_hash = $1 and purpose = $2"
    ))
    .bind(digest(token))
    .bind(purpose.as_str())
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(TokenError::Invalid)?;
    if row.used_at.is_some() {
        return Err(TokenError::Used);
    }
    if row.expires_at <= Utc::now() {
        return Err(TokenError::Expired);
    }
    Ok(row.grant())
}

/// What [`TokenRow`] reads, for `peek` and `consume` alike.
const TOKEN_COLUMNS: &str = "account_id, workspace_id, email, role, used_at, expires_at, \
    invited_by, invited_by_role, invitation_id, client_id, created_at";

#[derive(sqlx::FromRow)]
struct TokenRow {
    account_id: Option<Uuid>,
    workspace_id: Option<Uuid>,
    email: String,
    role: Option<String>,
    used_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    invited_by: Option<Uuid>,
    invited_by_role: Option<String>,
    invitation_id: Option<Uuid>,
    client_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl TokenRow {
    fn grant(self) -> Grant {
        Grant {
            account_id: self.account_id,
            workspace_id: self.workspace_id,
            email: self.email,
            role: self.role.as_deref().and_then(Role::parse),
            invited_by: self
                .invited_by
                .zip(self.invited_by_role.as_deref().and_then(Role::parse)),
            invitation_id: self.invitation_id,
            client_id: self.client_id,
            issued_at: Some(self.created_at),
        }
    }
}

/// The member invitations of `workspace_id` whose link went to `account_id`'s address and
/// is still unused: what deactivating them revokes (the address is here, not in the log).
pub async fn invitations_to(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "select invitation_id from email_token
         where purpose = 'invitation' and workspace_id = $1 and used_at is null
           and invitation_id is not null
           and lower(email) = (select email_normalized from account where account_id = $2)",
    )
    .bind(workspace_id)
    .bind(account_id)
    .fetch_all(executor)
    .await
}

/// The address each of `workspace_id`'s invitations went to, for the people who manage
/// them.
pub async fn invitation_emails(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    invitation_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "select invitation_id, email from email_token
         where purpose = 'invitation' and workspace_id = $1 and invitation_id = any($2)",
    )
    .bind(workspace_id)
    .bind(invitation_ids)
    .fetch_all(executor)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Withdraws the portal invitations (from a client record: no invitation event) to
/// `account_id`'s address still pending in `workspace_id`. Member invitations are revoked by
/// events instead ([`invitations_to`]).
pub async fn withdraw_invitations(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update email_token set used_at = now()
         where purpose = 'invitation' and workspace_id = $1 and used_at is null
           and invitation_id is null
           and lower(email) = (select email_normalized from account where account_id = $2)",
    )
    .bind(workspace_id)
    .bind(account_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// Uses a token: atomically marks it used if it is live, or says why it is not.
pub async fn consume(pool: &PgPool, purpose: Purpose, token: &str) -> Result<Grant, TokenError> {
    let used: Option<TokenRow> = sqlx::query_as(&format!(
        "update email_token set used_at = now()
         where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
         returning {TOKEN_COLUMNS}"
    ))
    .bind(digest(token))
    .bind(purpose.as_str())
    .fetch_optional(pool)
    .await?;
    match used {
        Some(row) => Ok(row.grant()),
        // Not live: `peek` tells why (unknown, used or expired).
        None => Err(peek(pool, purpose, token)
            .await
            .err()
            .unwrap_or(TokenError::Used)),
    }
}

/// Uses the link of the member invitation `invitation_id` inside the caller's transaction,
/// the one that records the acceptance: the link is used if and only if the member joins.
pub(crate) async fn use_invitation(
    conn: &mut sqlx::PgConnection,
    token: &str,
    invitation_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query(
        "update email_token set used_at = now()
         where token_hash = $1 and purpose = 'invitation' and invitation_id = $2
           and used_at is null and expires_at > now()",
    )
    .bind(digest(token))
    .bind(invitation_id)
    .execute(conn)
    .await?;
    Ok(used.rows_affected() == 1)
}
