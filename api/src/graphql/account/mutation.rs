//! Sign-up, login, session refresh and logout, and enrolling the TOTP second factor.

use async_graphql::{Context, Object, ID};
use commands::onboarding::{sign_up, SignUp, SignUpOutcome};
use commands::session;
use commands::{account, two_factor, CommandMeta};
use domain::workspace::Consent;
use domain::{ErrorKind, Role};
use projections::member;
use uuid::Uuid;

use super::types::{
    payload, LoginInput, LoginPayload, SessionPayload, SignUpAnswer, SignUpInput, TwoFactorEnabled,
    TwoFactorEnrolment, WorkspaceChoice,
};
use crate::app::AppState;
use crate::graphql::types::RoleValue;
use crate::graphql::{actor_for_enrolment, request, state};
use crate::ApiError;

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
    ) -> Result<SignUpAnswer, ApiError> {
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
        .await?;
        match outcome {
            SignUpOutcome::Created(signed_up) => {
                tracing::Span::current().record(
                    "workspace_id",
                    tracing::field::display(signed_up.workspace_id),
                );
                // Logging in next is checked against the member table: wait until it holds
                // the owner.
                state
                    .settle(
                        &signed_up.receipt,
                        &[member::NAME, projections::workspace::NAME],
                    )
                    .await?;
                let stored = account::email_of(&state.pool, signed_up.account_id)
                    .await?
                    .unwrap_or_default();
                super::by_email::send_verification(state, signed_up.account_id, &stored).await?;
            }
            SignUpOutcome::AlreadyRegistered => {
                // One statement: no transaction needed.
                commands::mail::enqueue(
                    &state.pool,
                    &crate::emails::account_exists(state, &email),
                    &state.message_domain,
                )
                .await?;
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
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<LoginPayload, ApiError> {
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
        result
    }

    /// Renouvelle une session : le jeton présenté est retiré, un nouveau est rendu. Un jeton
    /// déjà utilisé révoque toute la session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> Result<SessionPayload, ApiError> {
        let state = state(ctx);
        let session = session::rotate(&state.pool, &refresh_token).await?;
        let mut tx = projections::tenant::begin(&state.pool, session.workspace_id).await?;
        let membership = member::find(&mut *tx, session.workspace_id, session.account_id).await?;
        tx.commit().await?;
        let role = membership
            .filter(|member| member.active)
            .and_then(|member| Role::parse(&member.role));
        let Some(role) = role else {
            // No longer a member: end the session for good.
            session::close(&state.pool, &session.refresh_token).await?;
            return Err(ApiError::from(session::SessionError::Invalid));
        };
        payload(state, session, role)
    }

    /// Ferme la session du jeton donné (toute sa chaîne de renouvellements).
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool, ApiError> {
        session::close(&state(ctx).pool, &refresh_token).await?;
        Ok(true)
    }
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
    // code. An editor of the platform belongs to no workshop: their login opens the
    // platform's workspace (ADR 0014).
    let chosen: Option<(Uuid, &str)> = match &input.workspace_id {
        Some(id) => {
            let wanted = Uuid::parse_str(id).ok();
            let found = memberships
                .iter()
                .find(|(workspace_id, _, _)| Some(*workspace_id) == wanted)
                .map(|(workspace_id, _, role)| (*workspace_id, role.as_str()));
            Some(found.ok_or_else(|| {
                ApiError::new(
                    ErrorKind::NotFound,
                    "WORKSPACE_NOT_FOUND",
                    "cet atelier n'existe pas ou ne vous est pas ouvert",
                )
            })?)
        }
        None if memberships.is_empty()
            && commands::editor::is_editor(&state.pool, account_id).await? =>
        {
            Some((
                domain::platform::PLATFORM_WORKSPACE_ID,
                Role::Editor.as_str(),
            ))
        }
        None if memberships.len() == 1 => memberships
            .first()
            .map(|(workspace_id, _, role)| (*workspace_id, role.as_str())),
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
        Some((workspace_id, role)) => {
            let role = Role::parse(role)
                .ok_or_else(|| ApiError::internal("unknown role in member table"))?;
            let session =
                session::open(&state.pool, account_id, workspace_id, two_factor_enabled).await?;
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

#[derive(Default)]
pub struct TwoFactorMutation;

#[Object]
impl TwoFactorMutation {
    /// Commence l'activation de la double authentification : un nouveau secret et son QR code.
    async fn start_two_factor_enrolment(
        &self,
        ctx: &Context<'_>,
    ) -> Result<TwoFactorEnrolment, ApiError> {
        let actor = actor_for_enrolment(ctx)?;
        let enrolment =
            two_factor::start(&state(ctx).pool, &state(ctx).secrets, actor.account_id).await?;
        Ok(TwoFactorEnrolment {
            secret: enrolment.secret_base32,
            otpauth_uri: enrolment.otpauth_uri,
            qr_svg: enrolment.qr_svg,
        })
    }

    /// Termine l'activation avec un premier code de l'application ; rend les codes de
    /// secours et une session complète.
    async fn confirm_two_factor_enrolment(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> Result<TwoFactorEnabled, ApiError> {
        let actor = actor_for_enrolment(ctx)?;
        let state = state(ctx);
        let recovery_codes =
            two_factor::confirm(&state.pool, &state.secrets, actor.account_id, &code).await?;
        let session =
            session::open(&state.pool, actor.account_id, actor.workspace_id, true).await?;
        Ok(TwoFactorEnabled {
            recovery_codes,
            session: payload(state, session, actor.role)?,
        })
    }
}
