//! TOTP second factor (RFC 6238, totp-rs) and single-use recovery codes.
//!
//! Owners and admins must have it (spec §11.2); others may. Enrolment is two steps: a
//! pending secret shown as a QR code, then a first valid code that switches it on and hands
//! out recovery codes once.

use domain::{DomainError, ErrorKind};
use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use crate::secret_box::SecretBox;

pub const ISSUER: &str = "ThermoGestion";
pub const RECOVERY_CODES: usize = 10;
const STEP_SECONDS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    #[error("la double authentification est déjà activée")]
    AlreadyEnabled,
    #[error("aucune activation en cours : demandez d'abord un nouveau code QR")]
    NoEnrolment,
    #[error("code de vérification incorrect ou expiré")]
    InvalidCode,
    #[error("code de vérification requis (application d'authentification ou code de secours)")]
    Required,
    #[error("confirmez d'abord votre adresse email avec le lien reçu, puis activez la double authentification")]
    EmailNotVerified,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("totp: {0}")]
    Totp(String),
    #[error(transparent)]
    Bound(#[from] domain::limits::OutOfBounds),
}

impl DomainError for TwoFactorError {
    fn code(&self) -> &'static str {
        match self {
            Self::AlreadyEnabled => "TWO_FACTOR_ALREADY_ENABLED",
            Self::NoEnrolment => "TWO_FACTOR_NO_ENROLMENT",
            Self::InvalidCode => "TWO_FACTOR_INVALID",
            Self::Required => "TWO_FACTOR_REQUIRED",
            Self::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            Self::Database(_) | Self::Totp(_) => "INTERNAL",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::AlreadyEnabled | Self::EmailNotVerified => ErrorKind::Conflict,
            Self::NoEnrolment | Self::InvalidCode | Self::Bound(_) => ErrorKind::Validation,
            Self::Required => ErrorKind::Unauthenticated,
            Self::Database(_) | Self::Totp(_) => ErrorKind::Internal,
        }
    }
}

/// What the enrolment screen shows.
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

fn totp(secret_base32: &str, account_name: &str) -> Result<TOTP, TwoFactorError> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|error| TwoFactorError::Totp(error.to_string()))?;
    // Authenticator apps only agree on SHA-1, 6 digits, 30 s; skew 1 accepts the previous
    // and next code for clocks a little off.
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_owned()),
        account_name.to_owned(),
    )
    .map_err(|error| TwoFactorError::Totp(error.to_string()))
}

/// The 30-second step `code` belongs to, if it is valid now (previous, current or next step).
fn matching_step(totp: &TOTP, code: &str) -> Option<u64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let current = now / STEP_SECONDS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| totp.generate(step * STEP_SECONDS) == code.trim())
}

/// Starts (or restarts) an enrolment with a fresh secret.
pub async fn start(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: Uuid,
) -> Result<Enrolment, TwoFactorError> {
    let (email, enabled): (String, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("select email, totp_enabled_at from account where account_id = $1")
            .bind(account_id)
            .fetch_one(pool)
            .await?;
    if enabled.is_some() {
        return Err(TwoFactorError::AlreadyEnabled);
    }
    let secret_base32 = Secret::generate_secret().to_encoded().to_string();
    let totp = totp(&secret_base32, &email)?;
    // The seed is a secret: sealed at rest like the workshops' (DESIGN.md §3).
    sqlx::query("update account set totp_pending_secret = $2 where account_id = $1")
        .bind(account_id)
        .bind(secrets.seal(&secret_base32))
        .execute(pool)
        .await?;
    let otpauth_uri = totp.get_url();
    let qr_svg = QrCode::new(otpauth_uri.as_bytes())
        .map_err(|error| TwoFactorError::Totp(error.to_string()))?
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Ok(Enrolment {
        secret_base32,
        otpauth_uri,
        qr_svg,
    })
}

/// Checks the first code against the pending secret, switches the factor on, and returns
/// the recovery codes (shown once, stored hashed).
pub async fn confirm(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: Uuid,
    code: &str,
) -> Result<Vec<String>, TwoFactorError> {
    type At = Option<chrono::DateTime<chrono::Utc>>;
    let (email, pending, enabled, verified): (String, Option<String>, At, At) = sqlx::query_as(
        "select email, totp_pending_secret, totp_enabled_at, email_verified_at
         from account where account_id = $1",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await?;
    if enabled.is_some() {
        return Err(TwoFactorError::AlreadyEnabled);
    }
    let pending = reveal(secrets, &pending.ok_or(TwoFactorError::NoEnrolment)?)?;
    let step = matching_step(&totp(&pending, &email)?, code).ok_or(TwoFactorError::InvalidCode)?;
    // Someone who registered a victim's address first must not bind their own second
    // factor to it (issue 17): the second factor is set once the address is proved.
    if verified.is_none() {
        return Err(TwoFactorError::EmailNotVerified);
    }
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|code| digest(code)).collect();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "update account set totp_secret = totp_pending_secret, totp_pending_secret = null,
           totp_enabled_at = now(), totp_last_step = $2
         where account_id = $1",
    )
    .bind(account_id)
    .bind(step as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from recovery_code where account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into recovery_code (account_id, code_hash) select $1, unnest($2::bytea[])")
        .bind(account_id)
        .bind(&hashes)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(codes)
}

pub async fn is_enabled(pool: &PgPool, account_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select totp_enabled_at is not null from account where account_id = $1")
        .bind(account_id)
        .fetch_optional(pool)
        .await
        .map(|enabled| enabled.unwrap_or(false))
}

/// The second step of a login for an account with the factor on: a current TOTP code, not
/// used before, or an unused recovery code.
pub async fn verify(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: Uuid,
    code: Option<&str>,
    recovery_code: Option<&str>,
) -> Result<(), TwoFactorError> {
    if let Some(recovery) = recovery_code.filter(|code| !code.trim().is_empty()) {
        let used = sqlx::query(
            "update recovery_code set used_at = now()
             where account_id = $1 and code_hash = $2 and used_at is null",
        )
        .bind(account_id)
        .bind(digest(&normalize_recovery(recovery)))
        .execute(pool)
        .await?;
        return if used.rows_affected() == 1 {
            Ok(())
        } else {
            Err(TwoFactorError::InvalidCode)
        };
    }
    let code = code
        .filter(|code| !code.trim().is_empty())
        .ok_or(TwoFactorError::Required)?;
    let (email, secret): (String, Option<String>) =
        sqlx::query_as("select email, totp_secret from account where account_id = $1")
            .bind(account_id)
            .fetch_one(pool)
            .await?;
    let secret = reveal(secrets, &secret.ok_or(TwoFactorError::NoEnrolment)?)?;
    let step = matching_step(&totp(&secret, &email)?, code).ok_or(TwoFactorError::InvalidCode)?;
    // Accept each step once: a code seen over a shoulder cannot be reused.
    let accepted = sqlx::query(
        "update account set totp_last_step = $2
         where account_id = $1 and (totp_last_step is null or totp_last_step < $2)",
    )
    .bind(account_id)
    .bind(step as i64)
    .execute(pool)
    .await?;
    if accepted.rows_affected() == 1 {
        Ok(())
    } else {
        Err(TwoFactorError::InvalidCode)
    }
}

/// The end of every password login (login, accepting an invitation): the second factor when
/// the account has one, counted with password failures so guessing codes locks the account
/// too; on success the failure count is cleared. Returns whether a second factor was passed.
/// The codes a login or an invitation carries, before anything reads them: refused when
/// longer than any code could be, even where the account has no second factor to check.
pub fn check_codes(code: Option<&str>, recovery_code: Option<&str>) -> Result<(), TwoFactorError> {
    let bound = domain::limits::account::TWO_FACTOR_CODE;
    bound.check_optional(code.map(str::trim))?;
    bound.check_optional(recovery_code.map(str::trim))?;
    Ok(())
}

pub async fn finish_login(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: Uuid,
    code: Option<&str>,
    recovery_code: Option<&str>,
    source: Option<std::net::IpAddr>,
) -> Result<bool, TwoFactorError> {
    check_codes(code, recovery_code)?;
    let enabled = is_enabled(pool, account_id).await?;
    if enabled {
        if let Err(error) = verify(pool, secrets, account_id, code, recovery_code).await {
            if matches!(error, TwoFactorError::InvalidCode) {
                crate::account::record_failure(pool, account_id, source).await?;
            }
            return Err(error);
        }
    }
    crate::account::record_success(pool, account_id, source).await?;
    Ok(enabled)
}

/// Opens a stored seed; seeds stored before sealing began are plain base32.
fn reveal(secrets: &SecretBox, stored: &str) -> Result<String, TwoFactorError> {
    if stored.starts_with("v1:") {
        secrets
            .open(stored)
            .map_err(|error| TwoFactorError::Totp(error.to_string()))
    } else {
        Ok(stored.to_owned())
    }
}

/// `xxxxx-xxxxx` from 50 random bits, in an alphabet without look-alikes.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn normalize_recovery(code: &str) -> String {
    code.trim().to_lowercase()
}

fn digest(code: &str) -> Vec<u8> {
    Sha256::digest(code.as_bytes()).to_vec()
}
