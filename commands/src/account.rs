//! Accounts: the identities and secrets kept out of the event log (ADR 0003).
//!
//! An account is a person's login, platform-wide; what they may do in a workshop is their
//! membership, an event-sourced part of the workspace.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::net::IpAddr;

use domain::identity::{check_password, Email, EmailError, PasswordError};
use domain::{DomainError, ErrorKind};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("un compte existe déjà avec cette adresse email")]
    EmailTaken,
    #[error("email ou mot de passe incorrect")]
    BadCredentials,
    #[error(
        "trop de tentatives échouées depuis votre adresse : réessayez dans {seconds} secondes \
         (ou réinitialisez votre mot de passe)"
    )]
    Delayed { seconds: i64 },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password hashing: {0}")]
    Hashing(String),
    #[error(transparent)]
    Bound(#[from] domain::limits::OutOfBounds),
}

impl DomainError for AccountError {
    fn code(&self) -> &'static str {
        match self {
            Self::Email(error) => error.code(),
            Self::Password(error) => error.code(),
            Self::EmailTaken => "EMAIL_TAKEN",
            Self::BadCredentials => "BAD_CREDENTIALS",
            Self::Delayed { .. } => "TOO_MANY_ATTEMPTS",
            Self::Database(_) | Self::Hashing(_) => "INTERNAL",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Email(_) | Self::Password(_) | Self::Bound(_) => ErrorKind::Validation,
            Self::EmailTaken => ErrorKind::Conflict,
            Self::BadCredentials => ErrorKind::Unauthenticated,
            Self::Delayed { .. } => ErrorKind::RateLimited,
            Self::Database(_) | Self::Hashing(_) => ErrorKind::Internal,
        }
    }
}

/// What creating an account needs, already parsed.
pub struct NewAccount {
    pub email: Email,
    pub phone: Option<String>,
    pub password: String,
}

impl NewAccount {
    /// Parses raw input: the email's shape and the password rule.
    pub fn parse(email: &str, phone: Option<&str>, password: String) -> Result<Self, AccountError> {
        let email = Email::parse(email)?;
        check_password(&password)?;
        let phone = phone
            .map(str::trim)
            .filter(|phone| !phone.is_empty())
            .map(str::to_owned);
        domain::limits::account::PHONE.check_optional(phone.as_deref())?;
        Ok(Self {
            email,
            phone,
            password,
        })
    }
}

/// Hashes with argon2id and the crate's current recommended parameters (OWASP's minimum).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AccountError::Hashing(error.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates the account; the email must be new on the platform.
pub async fn create_account(pool: &PgPool, account: NewAccount) -> Result<Uuid, AccountError> {
    let account_id = Uuid::now_v7();
    // Hashing takes tens of milliseconds of CPU: keep it off the async workers.
    let password = account.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AccountError::Hashing(error.to_string()))??;
    let inserted = sqlx::query(
        "insert into account (account_id, email, email_normalized, phone, password_hash)
         values ($1, $2, $3, $4, $5) on conflict (email_normalized) do nothing",
    )
    .bind(account_id)
    .bind(account.email.as_str())
    .bind(account.email.normalized())
    .bind(&account.phone)
    .bind(password_hash)
    .execute(pool)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AccountError::EmailTaken);
    }
    Ok(account_id)
}

/// After this many failures in a row from one source for one email, each further failure
/// delays that source's next attempts at that email: 1, 2, 4… minutes, capped at a day.
pub const FREE_FAILURES: i32 = 5;

/// Where a login attempt comes from: the client's address, or none (internal callers), as
/// the text PostgreSQL casts to `inet`.
fn source_of(ip: Option<IpAddr>) -> String {
    ip.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
        .to_string()
}

/// Checks an email and password from `source`; counts failures and delays abusive ones.
///
/// Unknown email, wrong password and a delayed source are the same for an account that
/// exists and one that does not, and every path costs a hash: the answer and its timing
/// reveal nothing about who has an account. The delay falls on the (email, source) pair
/// that failed (ASVS 2.2.1): an attacker slows themselves down, never the owner logging in
/// from their own address. A right password does not clear the count: the login may still
/// fail its second factor; the caller calls [`record_success`] once the whole login passed.
pub async fn verify_login(
    pool: &PgPool,
    email: &str,
    password: &str,
    source: Option<IpAddr>,
) -> Result<Uuid, AccountError> {
    let normalized = Email::parse(email)
        .map(|email| email.normalized())
        .unwrap_or_default();
    let source = source_of(source);
    let delayed: Option<i64> = sqlx::query_scalar(
        "select ceil(extract(epoch from delayed_until - now()))::bigint from login_delay
         where email_normalized = $1 and source = $2::inet and delayed_until > now()",
    )
    .bind(&normalized)
    .bind(&source)
    .fetch_optional(pool)
    .await?;
    if let Some(seconds) = delayed {
        spend_a_hash(password).await;
        return Err(AccountError::Delayed {
            seconds: seconds.max(1),
        });
    }
    let row: Option<(Uuid, String)> =
        sqlx::query_as("select account_id, password_hash from account where email_normalized = $1")
            .bind(&normalized)
            .fetch_optional(pool)
            .await?;
    let valid = match row {
        None => {
            spend_a_hash(password).await;
            None
        }
        Some((account_id, password_hash)) => {
            let password = password.to_owned();
            tokio::task::spawn_blocking(move || verify_password(&password, &password_hash))
                .await
                .unwrap_or(false)
                .then_some(account_id)
        }
    };
    match valid {
        Some(account_id) => Ok(account_id),
        None => {
            record_failed_email(pool, &normalized, source).await?;
            Err(AccountError::BadCredentials)
        }
    }
}

/// The work of a password check, for paths that have none to do, so they take as long.
async fn spend_a_hash(password: &str) {
    let password = password.to_owned();
    let _ = tokio::task::spawn_blocking(move || hash_password(&password)).await;
}

/// Clears the failures of this account's email from `source` once a login fully passed
/// (password and second factor).
pub async fn record_success(
    pool: &PgPool,
    account_id: Uuid,
    source: Option<IpAddr>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "delete from login_delay where source = $2::inet
           and email_normalized = (select email_normalized from account where account_id = $1)",
    )
    .bind(account_id)
    .bind(source_of(source))
    .execute(pool)
    .await?;
    Ok(())
}

/// Counts a failed login of this account from `source` (a wrong second factor).
pub async fn record_failure(
    pool: &PgPool,
    account_id: Uuid,
    source: Option<IpAddr>,
) -> Result<(), sqlx::Error> {
    let normalized: Option<String> =
        sqlx::query_scalar("select email_normalized from account where account_id = $1")
            .bind(account_id)
            .fetch_optional(pool)
            .await?;
    if let Some(normalized) = normalized {
        record_failed_email(pool, &normalized, source_of(source)).await?;
    }
    Ok(())
}

/// One more failure of `normalized` from `source`; past the free ones, a doubling delay. A
/// day without failure starts the count again.
async fn record_failed_email(
    pool: &PgPool,
    normalized: &str,
    source: String,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into login_delay (email_normalized, source, failures, last_failure_at)
         values ($1, $2::inet, 1, now())
         on conflict (email_normalized, source) do update
         set failures = case when login_delay.last_failure_at < now() - interval '1 day' then 1
                             else login_delay.failures + 1 end,
             last_failure_at = now()",
    )
    .bind(normalized)
    .bind(&source)
    .execute(pool)
    .await?;
    sqlx::query(
        "update login_delay
         set delayed_until = case when failures > $3
           then now() + least(interval '1 minute' * power(2, failures - $3 - 1), interval '1 day')
           end
         where email_normalized = $1 and source = $2::inet",
    )
    .bind(normalized)
    .bind(&source)
    .bind(FREE_FAILURES)
    .execute(pool)
    .await?;
    Ok(())
}

/// The account's email, for display to the account itself.
pub async fn email_of(pool: &PgPool, account_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("select email from account where account_id = $1")
        .bind(account_id)
        .fetch_optional(pool)
        .await
}

/// Emails of several accounts at once, for lists that show who did something.
pub async fn emails_of(
    pool: &PgPool,
    account_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("select account_id, email from account where account_id = any($1)")
            .bind(account_ids)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// Records a login attempt in the security journal. The password never reaches it.
pub async fn record_attempt(
    pool: &PgPool,
    email: &str,
    account_id: Option<Uuid>,
    workspace_id: Option<Uuid>,
    ip: Option<std::net::IpAddr>,
    reason: Result<(), &str>,
) -> Result<(), sqlx::Error> {
    let (outcome, reason) = match reason {
        Ok(()) => ("succeeded", "OK"),
        Err(reason) => ("failed", reason),
    };
    sqlx::query(
        "insert into login_attempt (email_normalized, account_id, workspace_id, ip, outcome, reason)
         values ($1, coalesce($2, (select account_id from account where email_normalized = $1)),
                 $3, $4::text::inet, $5, $6)",
    )
    .bind(email.trim().to_lowercase())
    .bind(account_id)
    .bind(workspace_id)
    .bind(ip.map(|ip| ip.to_string()))
    .bind(outcome)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// The account registered with `email`, if any.
pub async fn find_by_email(pool: &PgPool, email: &Email) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("select account_id from account where email_normalized = $1")
        .bind(email.normalized())
        .fetch_optional(pool)
        .await
}

pub async fn mark_email_verified(pool: &PgPool, account_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update account set email_verified_at = coalesce(email_verified_at, now()) where account_id = $1",
    )
    .bind(account_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Replaces the password (already checked against the rule), lifts any lockout and ends
/// every session: whoever knew the old password is out.
pub async fn set_password(
    pool: &PgPool,
    account_id: Uuid,
    password: String,
) -> Result<(), AccountError> {
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AccountError::Hashing(error.to_string()))??;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "update account set password_hash = $2, failed_logins = 0, locked_until = null where account_id = $1",
    )
    .bind(account_id)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    // Whoever set a new password proved they read the mailbox: every source starts afresh.
    sqlx::query(
        "delete from login_delay
         where email_normalized = (select email_normalized from account where account_id = $1)",
    )
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    crate::session::close_all(&mut tx, account_id).await?;
    // Other reset links still in an inbox die with the old password.
    sqlx::query(
        "update email_token set used_at = now()
         where account_id = $1 and purpose = 'reset_password' and used_at is null",
    )
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
