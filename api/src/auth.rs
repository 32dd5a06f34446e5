//! Who is calling: access tokens (JWT, HS256, 15 minutes) and the `Actor` they stand for.
//!
//! The token names an account, a workspace and the login it belongs to (`sid`, the refresh
//! family); the role is read again from the membership on every request, and the login is
//! checked alive, so a role change, a deactivation, a logout or a new password takes effect
//! at once, not when the token expires. `iss` and `aud` are checked: a token signed with
//! the same secret for another purpose is not an access token here.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use domain::platform::entitlements::{self, Call, Standing, Terms};
use domain::platform::Feature;
use domain::{ErrorKind, Role};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::app::AppState;
use crate::permissions::{Access, Operation};
use crate::ApiError;

pub const ACCESS_TOKEN_MINUTES: i64 = 15;
const ISSUER: &str = "thermogestion";
const AUDIENCE: &str = "thermogestion-api";

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Keys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The account.
    sub: Uuid,
    /// The workspace this token is scoped to.
    ws: Uuid,
    /// The login passed the second factor.
    tfa: bool,
    /// The login (refresh family) this token belongs to.
    sid: Uuid,
    /// This token, for the audit trail.
    jti: Uuid,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// An access token and when it stops working.
pub struct AccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// An access token for the login `session`.
pub fn issue(keys: &Keys, session: &commands::session::Session) -> Result<AccessToken, ApiError> {
    let now = Utc::now();
    let expires_at = (now + Duration::minutes(ACCESS_TOKEN_MINUTES)).min(session.expires_at);
    let claims = Claims {
        sub: session.account_id,
        ws: session.workspace_id,
        tfa: session.two_factor,
        sid: session.family_id,
        jti: Uuid::new_v4(),
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
    };
    let token = encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
        .map_err(ApiError::internal)?;
    Ok(AccessToken { token, expires_at })
}

/// An authenticated member acting in their workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Uuid,
    pub workspace_id: Uuid,
    pub role: Role,
    /// This session passed the second factor.
    pub two_factor: bool,
    /// Where the workshop stands with the platform, read with the membership (`None`: not
    /// yet projected, nothing refused on it).
    pub standing: Option<Standing>,
    /// The catalogue's terms for the workshop's period.
    pub terms: Terms,
    /// When the request was authenticated, by the injected clock: what entitlements are
    /// decided at (a test moves it past a trial's end).
    pub at: DateTime<Utc>,
}

impl Actor {
    /// Refuses callers whose role may not call `operation` (`permissions`, the one table),
    /// and staff whose workshop's plan or standing does not allow it
    /// (`entitlements::check`: the feature, a write after the trial). A client's own acts
    /// (signing, paying) are the end customer's and always pass.
    pub fn require_for(&self, operation: Operation) -> Result<&Self, ApiError> {
        if !operation.allows(self.role) {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                "ROLE_NOT_ALLOWED",
                "votre rôle ne permet pas cette action",
            ));
        }
        if matches!(operation.access(), Access::Roles(_)) {
            self.entitled(operation.feature(), operation.call())?;
        }
        Ok(self)
    }

    /// Refuses staff whose workshop may not use `feature` now: for an operation whose
    /// feature depends on its input (switching the Jantes module on).
    pub fn require_feature(&self, feature: Feature) -> Result<&Self, ApiError> {
        self.entitled(Some(feature), Call::Write)?;
        Ok(self)
    }

    fn entitled(&self, feature: Option<Feature>, call: Call) -> Result<(), ApiError> {
        let (Some(standing), false) = (self.standing, self.role == Role::Client) else {
            return Ok(());
        };
        entitlements::check(
            self.workspace_id,
            standing,
            &self.terms,
            feature,
            call,
            self.at,
        )
        .map_err(|refusal| ApiError::domain(&refusal))
    }
}

/// A REST route requires a session by taking an `Actor`: the bearer token is checked, the
/// request counted against its caller's budgets (`AppState::authenticate`, whose refusal
/// carries the `Retry-After` and `RateLimit-*` headers) and, for owners and admins, the second
/// factor required (`Authentication::actor`), as `/graphql` does before any resolver runs.
/// Handlers take it after their `Path` and `Query`: axum extracts in argument order, so a
/// malformed address is still refused before the caller is counted.
impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        let authentication = state.authenticate(authorization).await;
        Ok(*authentication.actor()?)
    }
}

/// What the `Authorization` header gave.
#[derive(Debug, Clone)]
pub enum Authentication {
    Anonymous,
    Actor(Actor),
    /// A token was sent but is expired, forged or no longer matches a membership.
    Rejected,
    /// A valid caller whose per-user or per-workspace budget is spent.
    Throttled(crate::limits::Throttled),
}

impl Authentication {
    /// The caller, fully signed in: owners and admins without a second factor reach nothing
    /// but the enrolment (spec §11.2).
    pub fn actor(&self) -> Result<&Actor, ApiError> {
        let actor = self.actor_for_enrolment()?;
        if actor.role.requires_two_factor() && !actor.two_factor {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                "TWO_FACTOR_ENROLMENT_REQUIRED",
                "la double authentification est obligatoire pour les gérants et administrateurs : activez-la pour continuer",
            ));
        }
        Ok(actor)
    }

    /// The caller, even before the second factor is set up: for the enrolment itself.
    pub fn actor_for_enrolment(&self) -> Result<&Actor, ApiError> {
        match self {
            Self::Actor(actor) => Ok(actor),
            Self::Anonymous => Err(ApiError::new(
                ErrorKind::Unauthenticated,
                "LOGIN_REQUIRED",
                "veuillez vous connecter",
            )),
            Self::Rejected => Err(ApiError::new(
                ErrorKind::Unauthenticated,
                "SESSION_INVALID",
                "session expirée ou invalide, veuillez vous reconnecter",
            )),
            Self::Throttled(throttled) => Err(throttled.error()),
        }
    }
}

/// Reads a bearer token and the membership it names.
pub async fn authenticate(
    pool: &PgPool,
    keys: &Keys,
    header: Option<&str>,
    now: DateTime<Utc>,
) -> Authentication {
    let Some(token) = header.and_then(|value| value.strip_prefix("Bearer ")) else {
        return Authentication::Anonymous;
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 5;
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let Ok(data) = decode::<Claims>(token.trim(), &keys.decoding, &validation) else {
        return Authentication::Rejected;
    };
    let claims = data.claims;
    let membership = async {
        // Only `member`: a workshop with another read model parked still signs in, and
        // hears about the parked one from what it reads.
        let Some(mut tx) = commands::session::begin_reading_if_live(
            pool,
            claims.sid,
            claims.sub,
            claims.ws,
            &[projections::member::NAME],
        )
        .await?
        else {
            return Ok(None);
        };
        if domain::platform::is_platform(claims.ws) {
            let editor = commands::editor::is_editor(&mut *tx, claims.sub).await?;
            tx.commit().await?;
            return Ok(Some(editor.then(|| editor_caller(claims.sub, now))));
        }
        let today = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        let caller = projections::member::caller(&mut *tx, claims.ws, claims.sub, today).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(Some(caller))
    };
    match membership.await {
        Ok(None) => Authentication::Rejected,
        Ok(Some(Some(caller))) if caller.member.active => match Role::parse(&caller.member.role) {
            Some(role) => {
                tracing::Span::current().record("workspace_id", tracing::field::display(claims.ws));
                Authentication::Actor(Actor {
                    account_id: claims.sub,
                    workspace_id: claims.ws,
                    role,
                    two_factor: claims.tfa,
                    standing: caller.standing,
                    terms: caller.terms,
                    at: now,
                })
            }
            None => Authentication::Rejected,
        },
        Ok(_) => Authentication::Rejected,
        Err(error) => {
            tracing::warn!(error = %error, "cannot read the caller's membership");
            Authentication::Rejected
        }
    }
}

/// An editor as a caller: no membership, no standing (the platform has no plan).
fn editor_caller(account_id: Uuid, now: DateTime<Utc>) -> projections::member::Caller {
    projections::member::Caller {
        member: projections::member::MemberRow {
            workspace_id: domain::platform::PLATFORM_WORKSPACE_ID,
            account_id,
            role: Role::Editor.as_str().to_owned(),
            active: true,
            joined_at: now,
            updated_at: now,
        },
        standing: None,
        terms: Terms::default(),
    }
}
