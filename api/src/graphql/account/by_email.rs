//! What arrives by email: address verification, password reset, member invitations and
//! their acceptance.

use async_graphql::{Context, Object};
use chrono::Utc;
use commands::account::{self, NewAccount};
use commands::email_token::{self, Grant, Purpose};
use commands::invitation;
use commands::mail;
use commands::session;
use commands::two_factor;
use domain::identity::{check_password, Email};
use domain::workspace::{WorkspaceCommand, WorkspaceError, AGGREGATE_LOCAL_ID};
use domain::Role;
use projections::member;
use uuid::Uuid;

use super::types::{payload, SessionPayload};
use crate::app::AppState;
use crate::graphql::types::RoleValue;
use crate::graphql::{actor, meta, request, state};
use crate::permissions::Operation;
use crate::{emails, ApiError};

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Confirme l'adresse email avec le jeton reçu par email.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> Result<bool, ApiError> {
        let pool = &state(ctx).pool;
        let grant = email_token::consume(pool, Purpose::VerifyEmail, &token)
            .await
            .map_err(token_error)?;
        let account_id = grant
            .account_id
            .ok_or_else(|| ApiError::internal("verification token without account"))?;
        account::mark_email_verified(pool, account_id).await?;
        Ok(true)
    }

    /// Envoie un lien de réinitialisation si un compte existe pour cet email. Répond toujours
    /// `true` : la réponse ne dit pas qui a un compte.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> Result<bool, ApiError> {
        let state = state(ctx);
        state.limits.password_reset(request(ctx).ip, &email)?;
        // A malformed address is refused: that says nothing about who has an account.
        let email = Email::parse(&email).map_err(|error| ApiError::domain(&error))?;
        if let Some(account_id) = account::find_by_email(&state.pool, &email).await? {
            let grant = Grant {
                account_id: Some(account_id),
                workspace_id: None,
                email: email.as_str().to_owned(),
                role: None,
                invited_by: None,
                invitation_id: None,
                client_id: None,
                issued_at: None,
            };
            queue_with_token(state, Purpose::ResetPassword, &grant, |token| {
                emails::reset_password(state, email.as_str(), token)
            })
            .await?;
        }
        Ok(true)
    }

    /// Choisit un nouveau mot de passe avec le jeton reçu par email ; ferme toutes les sessions.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> Result<bool, ApiError> {
        let pool = &state(ctx).pool;
        // The rule first: a refused password must not burn the link.
        check_password(&new_password).map_err(|error| ApiError::domain(&error))?;
        let grant = email_token::consume(pool, Purpose::ResetPassword, &token)
            .await
            .map_err(token_error)?;
        let account_id = grant
            .account_id
            .ok_or_else(|| ApiError::internal("reset token without account"))?;
        account::set_password(pool, account_id, new_password).await?;
        // Receiving the link proves the address.
        account::mark_email_verified(pool, account_id).await?;
        Ok(true)
    }

    /// Invite une personne dans l'atelier, par email, avec un rôle. Gérant ou administrateur ;
    /// seul un gérant invite un gérant. Un client ne s'invite pas ici : son accès au portail
    /// passe par sa fiche client.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        email: String,
        role: RoleValue,
    ) -> Result<bool, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::InviteMember)?;
        let state = state(ctx);
        let email = Email::parse(&email).map_err(|error| ApiError::domain(&error))?;
        state.limits.invitation(actor.workspace_id)?;
        if let Some(account_id) = account::find_by_email(&state.pool, &email).await? {
            let mut tx = projections::tenant::begin(&state.pool, actor.workspace_id).await?;
            let existing = member::find(&mut *tx, actor.workspace_id, account_id).await?;
            tx.commit().await?;
            if existing.is_some_and(|member| member.active) {
                return Err(ApiError::domain(&WorkspaceError::AlreadyMember));
            }
        }
        let workshop = crate::graphql::workspace::read(state, actor.workspace_id)
            .await?
            .name;
        // Who may invite whom is the workspace's decision (`WorkspaceCommand::Invite`): a
        // client role, an admin inviting an owner are refused there, with nothing written.
        let sent = invitation::invite(
            &state.commands,
            &meta(ctx, &actor),
            &email,
            role.into(),
            |token| emails::invitation(state, actor.workspace_id, &workshop, email.as_str(), token),
            &state.message_domain,
        )
        .await
        .map_err(invitation_error)?;
        state
            .settle(&sent.receipt, &[projections::invitation::NAME])
            .await?;
        Ok(true)
    }

    /// Accepte une invitation. Sans compte : le crée avec ce mot de passe. Avec un compte :
    /// son mot de passe (et son code de double authentification s'il l'a activée) prouvent que
    /// c'est bien vous. Ouvre une session dans l'atelier. L'invitation doit être encore en
    /// attente et la personne qui l'a envoyée doit pouvoir encore accorder ce rôle.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        token: String,
        password: String,
        totp_code: Option<String>,
        recovery_code: Option<String>,
    ) -> Result<SessionPayload, ApiError> {
        let state = state(ctx);
        let request = request(ctx);
        two_factor::check_codes(totp_code.as_deref(), recovery_code.as_deref())?;
        // Everything is checked before the link is used: a refused attempt leaves it working.
        let grant = email_token::peek(&state.pool, Purpose::Invitation, &token)
            .await
            .map_err(token_error)?;
        let Some(workspace_id) = grant.workspace_id else {
            return Err(ApiError::internal("invitation token without workspace"));
        };
        let invitation = match grant.invitation_id {
            // A member invitation grants what the workspace says now, not what the link
            // recorded: asked before any account is created or any code spent.
            Some(invitation_id) => {
                let workspace = state
                    .commands
                    .workspaces
                    .load(
                        &commands::CommandMeta::system(workspace_id, request.request_id.clone()),
                        AGGREGATE_LOCAL_ID,
                    )
                    .await?;
                let acceptable = workspace
                    .acceptable_invitation(invitation_id, Utc::now())
                    .map_err(|error| ApiError::domain(&error))?;
                Some((invitation_id, acceptable))
            }
            // A portal invitation, from a client record: the client role only.
            None if grant.role == Some(Role::Client) => None,
            None => return Err(token_error(email_token::TokenError::Invalid)),
        };
        // A portal invitation opens the one client record it names, if it still may.
        let portal_client = match invitation {
            Some(_) => None,
            None => Some(
                commands::portal::invited_record(&state.pool, workspace_id, &grant)
                    .await
                    .map_err(|error| match error {
                        commands::portal::PortalLinkError::Database(cause) => ApiError::from(cause),
                        refused => ApiError::domain(&refused),
                    })?,
            ),
        };
        let role = invitation.map_or(Role::Client, |(_, acceptable)| acceptable.role);
        let email = Email::parse(&grant.email).map_err(|error| ApiError::domain(&error))?;
        let existing = account::find_by_email(&state.pool, &email).await?;
        let (account_id, two_factor, already_client) = match existing {
            Some(_) => {
                let ip = request.ip;
                let account_id =
                    account::verify_login(&state.pool, email.as_str(), &password, ip).await?;
                let two_factor = two_factor::finish_login(
                    &state.pool,
                    &state.secrets,
                    account_id,
                    totp_code.as_deref(),
                    recovery_code.as_deref(),
                    ip,
                )
                .await?;
                let mut tx = projections::tenant::begin(&state.pool, workspace_id).await?;
                let membership = member::find(&mut *tx, workspace_id, account_id).await?;
                tx.commit().await?;
                // A client's login opens one more of its records: it stays the same member.
                let already_client = membership.as_ref().is_some_and(|member| {
                    member.active && portal_client.is_some() && member.role == Role::Client.as_str()
                });
                if membership.is_some_and(|member| member.active) && !already_client {
                    return Err(ApiError::domain(&WorkspaceError::AlreadyMember));
                }
                (account_id, two_factor, already_client)
            }
            None => {
                let new_account = NewAccount::parse(email.as_str(), None, password)?;
                if invitation.is_none() {
                    email_token::consume(&state.pool, Purpose::Invitation, &token)
                        .await
                        .map_err(token_error)?;
                }
                // A member invitation revoked in the next milliseconds leaves this account
                // without workshop, as a failed sign-up does (ADR 0003): visible, harmless.
                (
                    account::create_account(&state.pool, new_account).await?,
                    false,
                    false,
                )
            }
        };
        let meta = match invitation {
            Some((invitation_id, acceptable)) => {
                // The membership is granted by whoever invited: they are the actor in the
                // audit log, with the role they hold now.
                let meta = commands::CommandMeta {
                    workspace_id,
                    actor_id: Some(acceptable.invited_by),
                    actor_role: acceptable.inviter_role,
                    ip: request.ip,
                    request_id: request.request_id.clone(),
                };
                let receipt =
                    invitation::accept(&state.commands, &meta, &token, invitation_id, account_id)
                        .await
                        .map_err(invitation_error)?;
                state
                    .settle(&receipt, &[member::NAME, projections::invitation::NAME])
                    .await?;
                meta
            }
            None => {
                if existing.is_some() {
                    email_token::consume(&state.pool, Purpose::Invitation, &token)
                        .await
                        .map_err(token_error)?;
                }
                let (actor_id, actor_role) = grant.invited_by.unwrap_or((account_id, role));
                let meta = commands::CommandMeta {
                    workspace_id,
                    actor_id: Some(actor_id),
                    actor_role,
                    ip: request.ip,
                    request_id: request.request_id.clone(),
                };
                if !already_client {
                    let command = WorkspaceCommand::AddMember { account_id, role };
                    let receipt = state
                        .commands
                        .workspaces
                        .execute(&meta, AGGREGATE_LOCAL_ID, command)
                        .await?;
                    state.settle(&receipt, &[member::NAME]).await?;
                }
                if let Some(client_id) = portal_client {
                    activate_client_portal(state, &meta, client_id, account_id).await?;
                }
                meta
            }
        };
        // Receiving the link proves the address.
        account::mark_email_verified(&state.pool, account_id).await?;
        let session = session::open(&state.pool, account_id, meta.workspace_id, two_factor).await?;
        payload(state, session, role)
    }
}

/// A client who accepted its invitation: the record it was invited for says which login
/// is its portal.
async fn activate_client_portal(
    state: &AppState,
    meta: &commands::CommandMeta,
    client_id: Uuid,
    account_id: Uuid,
) -> Result<(), ApiError> {
    let receipt = state
        .commands
        .clients
        .execute(
            meta,
            &domain::client::aggregate_local_id(client_id),
            domain::client::ClientCommand::ActivatePortal { account_id },
        )
        .await?;
    state.settle(&receipt, &[projections::client::NAME]).await?;
    Ok(())
}

/// Issues a token and queues its email in one transaction: no email without a live token,
/// no token without its email.
async fn queue_with_token(
    state: &AppState,
    purpose: Purpose,
    grant: &Grant,
    email: impl FnOnce(&str) -> mail::OutgoingEmail,
) -> Result<(), ApiError> {
    let mut tx = state.pool.begin().await?;
    let token = email_token::issue(&mut *tx, purpose, grant).await?;
    mail::enqueue(&mut *tx, &email(&token), &state.message_domain).await?;
    tx.commit().await?;
    Ok(())
}

fn invitation_error(error: invitation::InvitationError) -> ApiError {
    match error {
        invitation::InvitationError::Workspace(error) => error.into(),
        invitation::InvitationError::Token(error) => token_error(error),
        refused @ invitation::InvitationError::Commit(commands::AppendError::Conflict) => {
            ApiError::domain(&refused)
        }
        invitation::InvitationError::Commit(cause) => ApiError::internal(cause),
        invitation::InvitationError::Database(cause) => ApiError::from(cause),
    }
}

fn token_error(error: email_token::TokenError) -> ApiError {
    match error {
        email_token::TokenError::Database(cause) => ApiError::internal(cause),
        refused => ApiError::domain(&refused),
    }
}

/// Sends the verification email of a new account.
pub(super) async fn send_verification(
    state: &AppState,
    account_id: Uuid,
    email: &str,
) -> Result<(), ApiError> {
    let grant = Grant {
        account_id: Some(account_id),
        workspace_id: None,
        email: email.to_owned(),
        role: None,
        invited_by: None,
        invitation_id: None,
        client_id: None,
        issued_at: None,
    };
    queue_with_token(state, Purpose::VerifyEmail, &grant, |token| {
        emails::verify_email(state, email, token)
    })
    .await
}
