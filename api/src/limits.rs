//! Rate limits (spec §16.5, abuse protection): on the doors attackers knock at (login,
//! sign-up, password reset, invitations, test emails), and on every signed-in request per
//! user and per workspace. In memory, per process: behind N instances an attacker gets N
//! times the budget, which the per-account lockout in the database
//! (`account::verify_login`) bounds.
//!
//! Time comes from `LimitClock`, the monotonic clock plus an offset: tests move a window
//! forward instead of waiting for it.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::ErrorKind;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

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
/// Requests of one signed-in user: the spec's 60 a minute is less than a web client loading
/// a few screens (each several queries); a script looping on the API is more.
pub const REQUESTS_PER_USER_PER_MINUTE: u32 = 600;
/// Requests of one workshop, all its users together.
pub const REQUESTS_PER_WORKSPACE_PER_MINUTE: u32 = 3_000;
/// Test emails a workshop sends while setting up its mail server.
pub const TEST_EMAILS_PER_WORKSPACE_PER_HOUR: u32 = 10;

/// The clock of every limit: the monotonic clock plus an offset that only tests move.
#[derive(Debug, Clone, Default)]
pub struct LimitClock {
    offset_nanos: Arc<AtomicU64>,
}

impl LimitClock {
    /// Moves every window of these limits `by` forward.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.offset_nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    /// The wall clock moved as far: the decision time of budgets counted per day (a
    /// shop-floor member's photo purge budget), so tests reach tomorrow without waiting.
    pub fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        let offset = Duration::from_nanos(self.offset_nanos.load(Ordering::SeqCst));
        chrono::Utc::now() + chrono::TimeDelta::from_std(offset).unwrap_or_default()
    }
}

impl Clock for LimitClock {
    type Instant = Instant;

    fn now(&self) -> Instant {
        Instant::now() + Duration::from_nanos(self.offset_nanos.load(Ordering::SeqCst))
    }
}

type Limiter<K> = RateLimiter<K, DashMapStateStore<K>, LimitClock, NoOpMiddleware<Instant>>;

/// A refusal of the per-user or per-workspace budget, with what the `RateLimit-*` and
/// `Retry-After` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// The budget per minute that was spent.
    pub limit: u32,
    pub retry_after: Duration,
    /// Whose budget: the user's or the whole workshop's.
    pub scope: Scope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Workspace,
}

impl Throttled {
    /// Whole seconds, at least one: what `Retry-After` carries.
    pub fn retry_after_seconds(&self) -> u64 {
        self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0)
    }

    pub fn error(&self) -> ApiError {
        let whose = match self.scope {
            Scope::User => "vos requêtes",
            Scope::Workspace => "les requêtes de votre atelier",
        };
        ApiError::new(
            ErrorKind::RateLimited,
            "TOO_MANY_REQUESTS",
            format!(
                "trop de requêtes : {whose} dépassent {} par minute ; réessayez dans {} secondes",
                self.limit,
                self.retry_after_seconds()
            ),
        )
        .with_throttle(*self)
    }
}

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
    pub requests_per_user_per_minute: NonZeroU32,
    pub requests_per_workspace_per_minute: NonZeroU32,
    pub test_emails_per_workspace_per_hour: NonZeroU32,
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
            requests_per_user_per_minute: positive(REQUESTS_PER_USER_PER_MINUTE),
            requests_per_workspace_per_minute: positive(REQUESTS_PER_WORKSPACE_PER_MINUTE),
            test_emails_per_workspace_per_hour: positive(TEST_EMAILS_PER_WORKSPACE_PER_HOUR),
        }
    }
}

pub struct Limits {
    clock: LimitClock,
    rates: RateLimits,
    login_by_ip: Limiter<IpAddr>,
    login_by_account: Limiter<String>,
    sign_up_by_ip: Limiter<IpAddr>,
    reset_by_ip: Limiter<IpAddr>,
    reset_by_account: Limiter<String>,
    invitations_by_workspace: Limiter<uuid::Uuid>,
    requests_by_user: Limiter<uuid::Uuid>,
    requests_by_workspace: Limiter<uuid::Uuid>,
    test_emails_by_workspace: Limiter<uuid::Uuid>,
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(RateLimits::default())
    }
}

impl Limits {
    pub fn new(rates: RateLimits) -> Self {
        let clock = LimitClock::default();
        fn limiter<K: Hash + Eq + Clone>(quota: Quota, clock: &LimitClock) -> Limiter<K> {
            RateLimiter::dashmap_with_clock(quota, clock.clone())
        }
        Self {
            login_by_ip: limiter(Quota::per_minute(rates.login_per_ip_per_minute), &clock),
            login_by_account: limiter(
                Quota::per_minute(rates.login_per_account_per_minute),
                &clock,
            ),
            sign_up_by_ip: limiter(Quota::per_hour(rates.sign_up_per_ip_per_hour), &clock),
            // Reset requests from one address share the login's budget per address.
            reset_by_ip: limiter(Quota::per_minute(rates.login_per_ip_per_minute), &clock),
            reset_by_account: limiter(Quota::per_hour(rates.reset_per_account_per_hour), &clock),
            invitations_by_workspace: limiter(
                Quota::per_hour(rates.invitations_per_workspace_per_hour),
                &clock,
            ),
            requests_by_user: limiter(
                Quota::per_minute(rates.requests_per_user_per_minute),
                &clock,
            ),
            requests_by_workspace: limiter(
                Quota::per_minute(rates.requests_per_workspace_per_minute),
                &clock,
            ),
            test_emails_by_workspace: limiter(
                Quota::per_hour(rates.test_emails_per_workspace_per_hour),
                &clock,
            ),
            clock,
            rates,
        }
    }

    /// The clock all these limits read: tests advance it.
    pub fn clock(&self) -> &LimitClock {
        &self.clock
    }

    /// One signed-in request of `account_id` in `workspace_id`: counts against both budgets.
    pub fn request(
        &self,
        account_id: uuid::Uuid,
        workspace_id: uuid::Uuid,
    ) -> Result<(), Throttled> {
        let refused = |limiter: &Limiter<uuid::Uuid>, key, limit: NonZeroU32, scope| {
            forget_full_budgets(limiter);
            limiter.check_key(&key).map_err(|not_until| Throttled {
                limit: limit.get(),
                retry_after: not_until.wait_time_from(self.clock.now()),
                scope,
            })
        };
        refused(
            &self.requests_by_user,
            account_id,
            self.rates.requests_per_user_per_minute,
            Scope::User,
        )?;
        refused(
            &self.requests_by_workspace,
            workspace_id,
            self.rates.requests_per_workspace_per_minute,
            Scope::Workspace,
        )
    }

    pub fn test_email(&self, workspace_id: uuid::Uuid) -> Result<(), ApiError> {
        self.check(&self.test_emails_by_workspace, &workspace_id)
    }

    /// One login attempt from `ip` for the account typed as `email`.
    pub fn login(&self, ip: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
        if let Some(ip) = ip {
            self.check(&self.login_by_ip, &ip)?;
        }
        self.check(&self.login_by_account, &email.trim().to_lowercase())
    }

    pub fn password_reset(&self, ip: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
        if let Some(ip) = ip {
            self.check(&self.reset_by_ip, &ip)?;
        }
        self.check(&self.reset_by_account, &email.trim().to_lowercase())
    }

    pub fn invitation(&self, workspace_id: uuid::Uuid) -> Result<(), ApiError> {
        self.check(&self.invitations_by_workspace, &workspace_id)
    }

    pub fn sign_up(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        match ip {
            Some(ip) => self.check(&self.sign_up_by_ip, &ip),
            None => Ok(()),
        }
    }
}

impl Limits {
    fn check<K: Hash + Eq + Clone>(&self, limiter: &Limiter<K>, key: &K) -> Result<(), ApiError> {
        forget_full_budgets(limiter);
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
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
}

/// Forgets keys that are back to a full budget, so the map does not grow without bound.
fn forget_full_budgets<K: Hash + Eq + Clone>(limiter: &Limiter<K>) {
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
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
        assert_eq!(rates.requests_per_user_per_minute.get(), 600);
        assert_eq!(rates.requests_per_workspace_per_minute.get(), 3_000);
    }

    #[test]
    fn users_and_workshops_have_a_budget_per_minute_that_comes_back() {
        let limits = Limits::new(RateLimits {
            requests_per_user_per_minute: positive(3),
            requests_per_workspace_per_minute: positive(5),
            ..RateLimits::default()
        });
        let (workshop, other) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let (alice, bob, carol) = (
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
        );
        for _ in 0..3 {
            assert_eq!(limits.request(alice, workshop), Ok(()));
        }
        let refused = limits.request(alice, workshop).unwrap_err();
        assert_eq!((refused.scope, refused.limit), (Scope::User, 3));
        assert!(
            (1..=20).contains(&refused.retry_after_seconds()),
            "{refused:?}"
        );
        // Alice's refused request still counted against nobody else: Bob has his budget,
        // until the workshop's is spent.
        assert_eq!(limits.request(bob, workshop), Ok(()));
        assert_eq!(limits.request(bob, workshop), Ok(()));
        let refused = limits.request(carol, workshop).unwrap_err();
        assert_eq!((refused.scope, refused.limit), (Scope::Workspace, 5));
        // Another workshop is untouched.
        assert_eq!(limits.request(carol, other), Ok(()));
        // A minute later, all budgets are back.
        limits.clock().advance(Duration::from_secs(60));
        assert_eq!(limits.request(alice, workshop), Ok(()));
        let error = refused.error();
        assert_eq!(
            (error.kind(), error.reason()),
            (ErrorKind::RateLimited, "TOO_MANY_REQUESTS")
        );
    }
}
