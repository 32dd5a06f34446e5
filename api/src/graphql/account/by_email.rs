//! What arrives by email: address verification, password reset, member invitations and
//! their acceptance.

use async_graphql::{Context, Object};
use commands::account;
use commands::email_token::{self, Grant, Purpose};
use commands::invitation;
use commands::joining::{self, Written};
use commands::mail;
use commands::session;
use domain::identity::{check_password, Email};
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
        let grant = email_token::consume(pool, Purpose::VerifyEmail, &token).await?;
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
        let grant = email_token::consume(pool, Purpose::ResetPassword, &token).await?;
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
        .await?;
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
        let acceptance = joining::Acceptance {
            token: &token,
            password,
            totp_code: totp_code.as_deref(),
            recovery_code: recovery_code.as_deref(),
            ip: request.ip,
            request_id: request.request_id.clone(),
        };
        let joined = joining::join(&state.commands, &state.secrets, acceptance).await?;
        // The session opens once the member list shows the new member: its first request is
        // checked against it.
        match &joined.written {
            Written::Invitation(receipt) => {
                state
                    .settle(receipt, &[member::NAME, projections::invitation::NAME])
                    .await?
            }
            Written::Portal { member, client } => {
                if let Some(receipt) = member {
                    state.settle(receipt, &[member::NAME]).await?;
                }
                state.settle(client, &[projections::client::NAME]).await?;
            }
        }
        let session = session::open(
            &state.pool,
            joined.account_id,
            joined.workspace_id,
            joined.two_factor,
        )
        .await?;
        payload(state, session, joined.role)
    }
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
