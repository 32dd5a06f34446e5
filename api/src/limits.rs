//! Rate limits on the doors attackers knock at: login and sign-up (spec §16, abuse
//! protection). In memory, per process: behind N instances an attacker gets N times the
//! budget, which the per-account lockout in the database (`account::verify_login`) bounds.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use domain::ErrorKind;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::ApiError;

/// A workshop's team behind one address logs in at 8 a.m.: generous per address, strict per
/// account.
pub const LOGIN_PER_IP_PER_MINUTE: u32 = 60;
pub const LOGIN_PER_ACCOUNT_PER_MINUTE: u32 = 10;
pub const SIGN_UP_PER_IP_PER_HOUR: u32 = 20;
/// Password-reset emails per address typed: enough for a lost email, not enough to flood an
/// inbox; kept apart from the login budget so resets cannot lock someone's logins.
pub const RESET_PER_ACCOUNT_PER_HOUR: u32 = 5;
/// Invitations a workshop sends: a team is invited over days, spam would be thousands.
pub const INVITATIONS_PER_WORKSPACE_PER_HOUR: u32 = 50;

pub struct Limits {
    login_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_by_account: DefaultKeyedRateLimiter<String>,
    sign_up_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    reset_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    reset_by_account: DefaultKeyedRateLimiter<String>,
    invitations_by_workspace: DefaultKeyedRateLimiter<uuid::Uuid>,
}

fn per_minute(count: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(count).expect("positive quota"))
}

fn per_hour(count: u32) -> Quota {
    Quota::per_hour(NonZeroU32::new(count).expect("positive quota"))
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_by_ip: RateLimiter::keyed(per_minute(LOGIN_PER_IP_PER_MINUTE)),
            login_by_account: RateLimiter::keyed(per_minute(LOGIN_PER_ACCOUNT_PER_MINUTE)),
            sign_up_by_ip: RateLimiter::keyed(per_hour(SIGN_UP_PER_IP_PER_HOUR)),
            reset_by_ip: RateLimiter::keyed(per_minute(LOGIN_PER_IP_PER_MINUTE)),
            reset_by_account: RateLimiter::keyed(per_hour(RESET_PER_ACCOUNT_PER_HOUR)),
            invitations_by_workspace: RateLimiter::keyed(per_hour(
                INVITATIONS_PER_WORKSPACE_PER_HOUR,
            )),
        }
    }
}

impl Limits {
    /// One login attempt from `ip` for the account typed as `email`.
    pub fn login(&self, ip: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
        if let Some(ip) = ip {
            check(&self.login_by_ip, &ip)?;
        }
        check(&self.login_by_account, &email.trim().to_lowercase())
    }

    pub fn password_reset(&self, ip: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
        if let Some(ip) = ip {
            check(&self.reset_by_ip, &ip)?;
        }
        check(&self.reset_by_account, &email.trim().to_lowercase())
    }

    pub fn invitation(&self, workspace_id: uuid::Uuid) -> Result<(), ApiError> {
        check(&self.invitations_by_workspace, &workspace_id)
    }

    pub fn sign_up(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        match ip {
            Some(ip) => check(&self.sign_up_by_ip, &ip),
            None => Ok(()),
        }
    }
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    // Forget keys that are back to a full budget, so the map does not grow without bound.
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::new(
            ErrorKind::RateLimited,
            "TOO_MANY_ATTEMPTS",
            format!(
                "trop de tentatives, réessayez dans {} secondes",
                wait.as_secs().max(1)
            ),
        )
    })
}
