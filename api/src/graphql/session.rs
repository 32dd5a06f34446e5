//! Sign-up, login, session refresh and logout.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use commands::onboarding::{sign_up, SignUp, SignUpOutcome};
use commands::session::{self, Session};
use commands::{account, two_factor, CommandMeta};
use domain::workspace::Consent;
use domain::{ErrorKind, Role};
use projections::member;
use uuid::Uuid;

use super::types::RoleValue;
use super::{actor_for_enrolment, request, state};
use crate::app::AppState;
use crate::auth;
use crate::ApiError;

#[derive(InputObject)]
pub struct ConsentInput {
    /// Version des CGU affichées et acceptées.
    pub terms_version: String,
    /// Version de la politique de confidentialité affichée et acceptée.
    pub privacy_policy_version: String,
    /// Consentement explicite au traitement des données des clients de l'atelier.
    pub data_processing: bool,
}

#[derive(InputObject)]
pub struct SignUpInput {
    /// Nom commercial de l'atelier.
    pub workshop_name: String,
    /// Email du gérant : son identifiant de connexion.
    pub email: String,
    /// Au moins 12 caractères, pas un mot de passe courant.
    pub password: String,
    pub phone: Option<String>,
    pub consent: ConsentInput,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// L'atelier où entrer, si le compte en a plusieurs.
    pub workspace_id: Option<ID>,
    /// Code à 6 chiffres de l'application d'authentification, si la double authentification
    /// est activée.
    pub totp_code: Option<String>,
    /// Ou l'un des codes de secours, utilisable une seule fois.
    pub recovery_code: Option<String>,
}

/// Une session ouverte dans un atelier.
#[derive(SimpleObject)]
pub struct SessionPayload {
    /// Jeton d'accès (JWT), à envoyer en `Authorization: Bearer …`; valable 15 minutes.
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    /// Jeton de renouvellement, à usage unique : chaque renouvellement en donne un nouveau.
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub workspace_id: ID,
    pub role: RoleValue,
}

/// Ce que répond l'inscription, que l'adresse soit nouvelle ou non.
#[derive(SimpleObject)]
pub struct SignUpAnswer {
    pub email: String,
    /// À montrer tel quel.
    pub message: String,
}

/// Un atelier accessible au compte.
#[derive(SimpleObject)]
pub struct WorkspaceChoice {
    pub id: ID,
    pub name: String,
    pub role: Option<RoleValue>,
}

/// Résultat d'une connexion : une session, ou la liste des ateliers où choisir.
#[derive(SimpleObject)]
pub struct LoginPayload {
    pub session: Option<SessionPayload>,
    pub workspaces: Vec<WorkspaceChoice>,
}

/// Le compte connecté, dans son atelier.
#[derive(SimpleObject)]
pub struct Me {
    pub account_id: ID,
    pub email: String,
    pub workspace_id: ID,
    pub role: RoleValue,
    /// La double authentification est activée sur le compte.
    pub two_factor_enabled: bool,
    /// Le rôle exige la double authentification et cette session ne l'a pas passée :
    /// seule l'activation est possible.
    pub two_factor_enrolment_required: bool,
}

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// Le compte connecté.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let actor = actor_for_enrolment(ctx)?;
        let pool = &state(ctx).pool;
        let email = account::email_of(pool, actor.account_id)
            .await
            .map_err(ApiError::from)?
            .unwrap_or_default();
        let two_factor_enabled = two_factor::is_enabled(pool, actor.account_id)
            .await
            .map_err(ApiError::from)?;
        Ok(Me {
            account_id: ID(actor.account_id.to_string()),
            email,
            workspace_id: ID(actor.workspace_id.to_string()),
            role: role_value(actor.role)?,
            two_factor_enabled,
            two_factor_enrolment_required: actor.role.requires_two_factor() && !actor.two_factor,
        })
    }
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Crée un atelier et le compte de son gérant, avec le consentement RGPD ; l'atelier
    /// démarre un essai Pro de 30 jours. N'ouvre pas de session : le gérant confirme son
    /// adresse avec le lien reçu par email, puis se connecte. La réponse est la même si
    /// l'adresse a déjà un compte (elle reçoit alors un email qui le dit) : elle ne révèle pas
    /// qui est inscrit.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<SignUpAnswer> {
        let state = state(ctx);
        let request = request(ctx);
        state.limits.sign_up(request.ip)?;
        let meta = CommandMeta {
            workspace_id: Uuid::nil(),
            actor_id: None,
            actor_role: Role::Anonymous,
            ip: request.ip,
            request_id: request.request_id.clone(),
        };
        let email = input.email.trim().to_owned();
        let outcome = sign_up(
            &state.pool,
            &state.commands,
            &meta,
            SignUp {
                workshop_name: input.workshop_name,
                email: input.email,
                phone: input.phone,
                password: input.password,
                consent: Consent {
                    terms_version: input.consent.terms_version,
                    privacy_policy_version: input.consent.privacy_policy_version,
                    data_processing: input.consent.data_processing,
                },
            },
        )
        .await
        .map_err(ApiError::from)?;
        match outcome {
            SignUpOutcome::Created(signed_up) => {
                tracing::Span::current().record(
                    "workspace_id",
                    tracing::field::display(signed_up.workspace_id),
                );
                // Logging in next is checked against the member table: wait until it holds
                // the owner.
                state
                    .await_projections(
                        &signed_up.receipt,
                        &[member::NAME, projections::workspace::NAME],
                    )
                    .await?;
                let stored = account::email_of(&state.pool, signed_up.account_id)
                    .await
                    .map_err(ApiError::from)?
                    .unwrap_or_default();
                super::account::send_verification(state, signed_up.account_id, &stored).await?;
            }
            SignUpOutcome::AlreadyRegistered => {
                // One statement: no transaction needed.
                commands::mail::enqueue(
                    &state.pool,
                    &crate::emails::account_exists(state, &email),
                    &state.message_domain,
                )
                .await
                .map_err(ApiError::from)?;
            }
        }
        Ok(SignUpAnswer {
            message: format!(
                "Un email vient d'être envoyé à {email} : ouvrez son lien pour confirmer \
                 l'adresse, puis connectez-vous."
            ),
            email,
        })
    }

    /// Ouvre une session. Avec plusieurs ateliers et sans `workspaceId`, renvoie la liste des
    /// ateliers où choisir, sans session. Chaque tentative est consignée (sans le mot de passe).
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let state = state(ctx);
        let ip = request(ctx).ip;
        let result = match state.limits.login(ip, &input.email) {
            Ok(()) => log_in(state, &input, ip).await,
            Err(refused) => Err(refused),
        };
        let (workspace_id, outcome) = match &result {
            Ok(payload) => (
                payload
                    .session
                    .as_ref()
                    .and_then(|session| Uuid::parse_str(&session.workspace_id).ok()),
                Ok(()),
            ),
            Err(error) => (None, Err(error.reason())),
        };
        if let Err(error) =
            account::record_attempt(&state.pool, &input.email, None, workspace_id, ip, outcome)
                .await
        {
            tracing::error!(error.cause_chain = ?error, "cannot record a login attempt");
        }
        Ok(result?)
    }

    /// Renouvelle une session : le jeton présenté est retiré, un nouveau est rendu. Un jeton
    /// déjà utilisé révoque toute la session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<SessionPayload> {
        let state = state(ctx);
        let session = session::rotate(&state.pool, &refresh_token)
            .await
            .map_err(ApiError::from)?;
        let mut tx = projections::tenant::begin(&state.pool, session.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let membership = member::find(&mut *tx, session.workspace_id, session.account_id)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let role = membership
            .filter(|member| member.active)
            .and_then(|member| Role::parse(&member.role));
        let Some(role) = role else {
            // No longer a member: end the session for good.
            session::close(&state.pool, &session.refresh_token)
                .await
                .map_err(ApiError::from)?;
            return Err(ApiError::from(session::SessionError::Invalid).into());
        };
        Ok(payload(state, session, role)?)
    }

    /// Ferme la session du jeton donné (toute sa chaîne de renouvellements).
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<bool> {
        session::close(&state(ctx).pool, &refresh_token)
            .await
            .map_err(ApiError::from)?;
        Ok(true)
    }
}

pub(super) fn role_value(role: Role) -> Result<RoleValue, ApiError> {
    RoleValue::from_stored(role.as_str())
        .ok_or_else(|| ApiError::internal("a session holds a non-member role"))
}

pub(super) fn payload(
    state: &AppState,
    session: Session,
    role: Role,
) -> Result<SessionPayload, ApiError> {
    let access = auth::issue(&state.keys, &session)?;
    Ok(SessionPayload {
        access_token: access.token,
        access_token_expires_at: access.expires_at,
        refresh_token: session.refresh_token,
        refresh_token_expires_at: session.expires_at,
        workspace_id: ID(session.workspace_id.to_string()),
        role: role_value(role)?,
    })
}

async fn log_in(
    state: &AppState,
    input: &LoginInput,
    ip: Option<std::net::IpAddr>,
) -> Result<LoginPayload, ApiError> {
    let account_id = account::verify_login(&state.pool, &input.email, &input.password, ip).await?;
    let memberships = {
        let mut tx = projections::tenant::begin_account(&state.pool, account_id).await?;
        member::workspaces_of(&mut *tx, account_id).await?
    };
    // The workspace is resolved before the second factor, so a wrong choice does not spend a
    // code.
    let chosen = match &input.workspace_id {
        Some(id) => {
            let wanted = Uuid::parse_str(id).ok();
            let found = memberships
                .iter()
                .find(|(workspace_id, _, _)| Some(*workspace_id) == wanted);
            Some(found.ok_or_else(|| {
                ApiError::new(
                    ErrorKind::NotFound,
                    "WORKSPACE_NOT_FOUND",
                    "cet atelier n'existe pas ou ne vous est pas ouvert",
                )
            })?)
        }
        None if memberships.len() == 1 => memberships.first(),
        None => None,
    };
    let two_factor_enabled = two_factor::finish_login(
        &state.pool,
        &state.secrets,
        account_id,
        input.totp_code.as_deref(),
        input.recovery_code.as_deref(),
        ip,
    )
    .await?;
    let session = match chosen {
        Some((workspace_id, _, role)) => {
            let role = Role::parse(role)
                .ok_or_else(|| ApiError::internal("unknown role in member table"))?;
            let session =
                session::open(&state.pool, account_id, *workspace_id, two_factor_enabled).await?;
            Some(payload(state, session, role)?)
        }
        None => None,
    };
    let workspaces = memberships
        .into_iter()
        .map(|(workspace_id, name, role)| WorkspaceChoice {
            id: ID(workspace_id.to_string()),
            name,
            role: RoleValue::from_stored(&role),
        })
        .collect();
    Ok(LoginPayload {
        session,
        workspaces,
    })
}
