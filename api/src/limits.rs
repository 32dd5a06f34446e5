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

/// How many attempts each door allows, from the server's configuration (`RATE_LIMIT_*`,
/// docs/operations.md); the default is what production runs with. Tests that drive many
/// logins or sign-ups through the real server raise them, so that they exercise what they
/// test and not this budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub login_per_ip_per_minute: NonZeroU32,
    pub login_per_account_per_minute: NonZeroU32,
    pub sign_up_per_ip_per_hour: NonZeroU32,
    pub reset_per_account_per_hour: NonZeroU32,
    pub invitations_per_workspace_per_hour: NonZeroU32,
}

const fn positive(count: u32) -> NonZeroU32 {
    match NonZeroU32::new(count) {
        Some(count) => count,
        None => panic!("a rate limit is positive"),
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login_per_ip_per_minute: positive(LOGIN_PER_IP_PER_MINUTE),
            login_per_account_per_minute: positive(LOGIN_PER_ACCOUNT_PER_MINUTE),
            sign_up_per_ip_per_hour: positive(SIGN_UP_PER_IP_PER_HOUR),
            reset_per_account_per_hour: positive(RESET_PER_ACCOUNT_PER_HOUR),
            invitations_per_workspace_per_hour: positive(INVITATIONS_PER_WORKSPACE_PER_HOUR),
        }
    }
}

pub struct Limits {
    login_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_by_account: DefaultKeyedRateLimiter<String>,
    sign_up_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    reset_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    reset_by_account: DefaultKeyedRateLimiter<String>,
    invitations_by_workspace: DefaultKeyedRateLimiter<uuid::Uuid>,
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(RateLimits::default())
    }
}

impl Limits {
    pub fn new(rates: RateLimits) -> Self {
        Self {
            login_by_ip: RateLimiter::keyed(Quota::per_minute(rates.login_per_ip_per_minute)),
            login_by_account: RateLimiter::keyed(Quota::per_minute(
                rates.login_per_account_per_minute,
            )),
            sign_up_by_ip: RateLimiter::keyed(Quota::per_hour(rates.sign_up_per_ip_per_hour)),
            // Reset requests from one address share the login's budget per address.
            reset_by_ip: RateLimiter::keyed(Quota::per_minute(rates.login_per_ip_per_minute)),
            reset_by_account: RateLimiter::keyed(Quota::per_hour(rates.reset_per_account_per_hour)),
            invitations_by_workspace: RateLimiter::keyed(Quota::per_hour(
                rates.invitations_per_workspace_per_hour,
            )),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<(), ApiError>) -> Option<&'static str> {
        result.err().map(|error| error.reason())
    }

    #[test]
    fn a_configured_login_limit_is_honoured_per_account() {
        let limits = Limits::new(RateLimits {
            login_per_account_per_minute: positive(2),
            ..RateLimits::default()
        });
        let ip = Some(IpAddr::from([192, 0, 2, 1]));
        assert_eq!(reason(limits.login(ip, "gerant@atelier.fr")), None);
        assert_eq!(reason(limits.login(ip, " Gerant@Atelier.fr ")), None);
        assert_eq!(
            reason(limits.login(ip, "gerant@atelier.fr")),
            Some("TOO_MANY_ATTEMPTS")
        );
        // Another account from the same address still has its budget.
        assert_eq!(reason(limits.login(ip, "equipe@atelier.fr")), None);
    }

    #[test]
    fn the_defaults_are_the_production_budgets() {
        let rates = RateLimits::default();
        assert_eq!(rates.login_per_ip_per_minute.get(), 60);
        assert_eq!(rates.login_per_account_per_minute.get(), 10);
        assert_eq!(rates.sign_up_per_ip_per_hour.get(), 20);
        assert_eq!(rates.reset_per_account_per_hour.get(), 5);
        assert_eq!(rates.invitations_per_workspace_per_hour.get(), 50);
    }
}
