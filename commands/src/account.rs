//! Accounts: the identities and secrets kept out of the event log (ADR 0003).
//!
//! An account is a person's login, platform-wide; what they may do in a workshop is their
//! membership, an event-sourced part of the workspace.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
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
    #[error("trop de tentatives échouées : compte bloqué jusqu'à {until}")]
    Locked { until: DateTime<Utc> },
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
            Self::Locked { .. } => "ACCOUNT_LOCKED",
            Self::Database(_) | Self::Hashing(_) => "INTERNAL",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Email(_) | Self::Password(_) | Self::Bound(_) => ErrorKind::Validation,
            Self::EmailTaken => ErrorKind::Conflict,
            Self::BadCredentials => ErrorKind::Unauthenticated,
            Self::Locked { .. } => ErrorKind::RateLimited,
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

/// After this many failures in a row, each further failure locks the account for a delay
/// that doubles: 1, 2, 4… minutes, capped at a day.
pub const FREE_FAILURES: i32 = 5;

/// Checks an email and password; counts failures and locks abusive attempts.
///
/// Unknown email and wrong password give the same error, and every path costs a hash, so
/// the answer and its timing reveal little about who has an account. A right password does
/// not clear the failure count: the login may still fail its second factor; the caller
/// calls [`record_success`] once the whole login passed.
pub async fn verify_login(
    pool: &PgPool,
    email: &str,
    password: &str,
) -> Result<Uuid, AccountError> {
    let normalized = Email::parse(email)
        .map(|email| email.normalized())
        .unwrap_or_default();
    let row: Option<(Uuid, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "select account_id, password_hash, locked_until from account where email_normalized = $1",
    )
    .bind(&normalized)
    .fetch_optional(pool)
    .await?;
    let Some((account_id, password_hash, locked_until)) = row else {
        spend_a_hash(password).await;
        return Err(AccountError::BadCredentials);
    };
    if let Some(until) = locked_until.filter(|until| *until > Utc::now()) {
        spend_a_hash(password).await;
        return Err(AccountError::Locked { until });
    }
    let password = password.to_owned();
    let valid = tokio::task::spawn_blocking(move || verify_password(&password, &password_hash))
        .await
        .unwrap_or(false);
    if valid {
        return Ok(account_id);
    }
    record_failure(pool, account_id).await?;
    Err(AccountError::BadCredentials)
}

/// The work of a password check, for paths that have none to do, so they take as long.
async fn spend_a_hash(password: &str) {
    let password = password.to_owned();
    let _ = tokio::task::spawn_blocking(move || hash_password(&password)).await;
}

/// Clears the failure count once a login fully passed (password and second factor).
pub async fn record_success(pool: &PgPool, account_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("update account set failed_logins = 0, locked_until = null where account_id = $1")
        .bind(account_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Counts a failed login (wrong password or wrong second factor) and locks the account
/// once the free failures are spent.
pub async fn record_failure(pool: &PgPool, account_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update account set failed_logins = failed_logins + 1,
           locked_until = case when failed_logins + 1 > $2
             then now() + least(interval '1 minute' * power(2, failed_logins + 1 - $2 - 1), interval '1 day')
             else locked_until end
         where account_id = $1",
    )
    .bind(account_id)
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
