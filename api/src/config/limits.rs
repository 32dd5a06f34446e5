//! What one person, request or workshop may do: attempts per window (`RATE_LIMIT_*`),
//! bytes per request (`BODY_LIMIT_*`), photo storage (`PHOTO_*`).

use std::num::NonZeroU32;

use crate::http::request_size::BodyLimits;
use crate::limits::RateLimits;

use super::vars::{invalid, Vars};
use super::ConfigError;

pub(super) fn rate_limits(vars: &Vars) -> Result<RateLimits, ConfigError> {
    let defaults = RateLimits::default();
    let rate = |name: &str, default: NonZeroU32| {
        vars.parsed_or(name, default, "a positive number of attempts")
    };
    Ok(RateLimits {
        login_per_ip_per_minute: rate(
            "RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE",
            defaults.login_per_ip_per_minute,
        )?,
        login_per_account_per_minute: rate(
            "RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE",
            defaults.login_per_account_per_minute,
        )?,
        sign_up_per_ip_per_hour: rate(
            "RATE_LIMIT_SIGN_UP_PER_IP_PER_HOUR",
            defaults.sign_up_per_ip_per_hour,
        )?,
        reset_per_account_per_hour: rate(
            "RATE_LIMIT_RESET_PER_ACCOUNT_PER_HOUR",
            defaults.reset_per_account_per_hour,
        )?,
        invitations_per_workspace_per_hour: rate(
            "RATE_LIMIT_INVITATIONS_PER_WORKSPACE_PER_HOUR",
            defaults.invitations_per_workspace_per_hour,
        )?,
        requests_per_user_per_minute: rate(
            "RATE_LIMIT_REQUESTS_PER_USER_PER_MINUTE",
            defaults.requests_per_user_per_minute,
        )?,
        requests_per_workspace_per_minute: rate(
            "RATE_LIMIT_REQUESTS_PER_WORKSPACE_PER_MINUTE",
            defaults.requests_per_workspace_per_minute,
        )?,
        test_emails_per_workspace_per_hour: rate(
            "RATE_LIMIT_TEST_EMAILS_PER_WORKSPACE_PER_HOUR",
            defaults.test_emails_per_workspace_per_hour,
        )?,
    })
}

/// Below 4 KiB not even a login fits.
const SMALLEST_BODY_BYTES: usize = 4096;
const AT_LEAST: &str = "a number of bytes of at least 4096";

pub(super) fn body_limits(vars: &Vars) -> Result<BodyLimits, ConfigError> {
    let defaults = BodyLimits::default();
    let bytes = |name: &str, default: usize| -> Result<usize, ConfigError> {
        let bytes = vars.parsed_or(name, default, AT_LEAST)?;
        if bytes < SMALLEST_BODY_BYTES {
            return Err(invalid(name, format!("{bytes} is not {AT_LEAST}")));
        }
        Ok(bytes)
    };
    Ok(BodyLimits {
        anonymous_bytes: bytes("BODY_LIMIT_ANONYMOUS_BYTES", defaults.anonymous_bytes)?,
        signed_in_bytes: bytes("BODY_LIMIT_SIGNED_IN_BYTES", defaults.signed_in_bytes)?,
    })
}

/// Photo storage per workshop before the oldest projects' photos are purged (at 90 %).
pub(super) fn photo_quota_bytes(vars: &Vars) -> Result<u64, ConfigError> {
    vars.parsed_or(
        "PHOTO_QUOTA_BYTES",
        20 * 1024 * 1024 * 1024,
        "a number of bytes",
    )
}

/// What a shop-floor member may upload a day once their photos would start the purge.
pub(super) fn photo_purge_budget_bytes(vars: &Vars) -> Result<u64, ConfigError> {
    vars.parsed_or(
        "PHOTO_PURGE_BUDGET_PER_MEMBER_PER_DAY_BYTES",
        500_000_000,
        "a number of bytes",
    )
}
