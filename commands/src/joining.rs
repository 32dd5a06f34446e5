//! Joining a workshop by an invitation link (`acceptInvitation`): a member invitation grants
//! what the workspace says now, a portal invitation opens the one client record it names.
//! Without an account the link creates one with the password given; with one, the password
//! (and the second factor if enabled) prove who accepts.
//!
//! Everything that can refuse is asked before anything is written or spent: a refused
//! attempt leaves the link working and creates no account.

use chrono::Utc;
use domain::client::{aggregate_local_id as client_local_id, ClientCommand, ClientError};
use domain::identity::{Email, EmailError};
use domain::workspace::{
    AcceptableInvitation, WorkspaceCommand, WorkspaceError, AGGREGATE_LOCAL_ID,
};
use domain::Role;
use std::net::IpAddr;
use uuid::Uuid;

use crate::account::{self, AccountError, NewAccount};
use crate::email_token::{self, Purpose, TokenError};
use crate::invitation::{self, InvitationError};
use crate::portal::{self, PortalLinkError};
use crate::secret_box::SecretBox;
use crate::two_factor::{self, TwoFactorError};
use crate::{AppendReceipt, CommandError, CommandMeta, CommandReceipt, Commands};

/// Why a link was not accepted. Each cause keeps its own error, so the caller maps it as it
/// maps that error anywhere else.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Workspace(#[from] CommandError<WorkspaceError>),
    #[error(transparent)]
    Client(#[from] CommandError<ClientError>),
    #[error(transparent)]
    Invitation(#[from] InvitationError),
    #[error(transparent)]
    Portal(#[from] PortalLinkError),
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    TwoFactor(#[from] TwoFactorError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The platform's editors belong to no workshop (ADR 0014).
    #[error(
        "ce compte est celui d'un éditeur de la plateforme : il ne peut rejoindre aucun atelier"
    )]
    Editor,
    /// A link without what its purpose needs: our bug, not the visitor's.
    #[error("{0}")]
    Internal(&'static str),
}

/// What a link proves and asks: the token, the password, the second factor's codes.
pub struct Acceptance<'a> {
    pub token: &'a str,
    pub password: String,
    pub totp_code: Option<&'a str>,
    pub recovery_code: Option<&'a str>,
    pub ip: Option<IpAddr>,
    pub request_id: String,
}

/// Who joined where, and what was written: the caller waits for `written` to show in the
/// member, invitation and client read models before it opens the session.
pub struct Joined {
    pub account_id: Uuid,
    pub workspace_id: Uuid,
    pub role: Role,
    /// The login passed the second factor.
    pub two_factor: bool,
    pub written: Written,
}

/// The writes of an acceptance.
pub enum Written {
    /// A member invitation: its `MemberJoined` and the link used, in one append.
    Invitation(AppendReceipt),
    /// A portal invitation: the client's membership (none when it already was a client of
    /// the workshop) and its record's portal login.
    Portal {
        member: Option<CommandReceipt>,
        client: CommandReceipt,
    },
}

/// Accepts the invitation whose link is `acceptance.token`.
pub async fn join(
    commands: &Commands,
    secrets: &SecretBox,
    acceptance: Acceptance<'_>,
) -> Result<Joined, JoinError> {
    let pool = &commands.pool;
    let token = acceptance.token;
    two_factor::check_codes(acceptance.totp_code, acceptance.recovery_code)?;
    let grant = email_token::peek(pool, Purpose::Invitation, token).await?;
    let workspace_id = grant
        .workspace_id
        .ok_or(JoinError::Internal("invitation token without workspace"))?;
    let system = CommandMeta::system(workspace_id, acceptance.request_id.clone());
    let invitation = match grant.invitation_id {
        // A member invitation grants what the workspace says now, not what the link
        // recorded: asked before any account is created or any code spent.
        Some(invitation_id) => {
            let workspace = commands
                .workspaces
                .load(&system, AGGREGATE_LOCAL_ID)
                .await?;
            let acceptable = workspace
                .acceptable_invitation(invitation_id, Utc::now())
                .map_err(CommandError::Rejected)?;
            Some((invitation_id, acceptable))
        }
        // A portal invitation, from a client record: the client role only.
        None if grant.role == Some(Role::Client) => None,
        None => return Err(TokenError::Invalid.into()),
    };
    // A portal invitation opens the one client record it names, if it still may.
    let portal_client = match invitation {
        Some(_) => None,
        None => Some(portal::invited_record(pool, workspace_id, &grant).await?),
    };
    let role = invitation.map_or(Role::Client, |(_, acceptable)| acceptable.role);
    let email = Email::parse(&grant.email)?;
    let existing = account::find_by_email(pool, &email).await?;
    let (account_id, two_factor, already_client) = match existing {
        Some(_) => {
            let account_id =
                account::verify_login(pool, email.as_str(), &acceptance.password, acceptance.ip)
                    .await?;
            let two_factor = two_factor::finish_login(
                pool,
                secrets,
                account_id,
                acceptance.totp_code,
                acceptance.recovery_code,
                acceptance.ip,
            )
            .await?;
            if crate::editor::is_editor(pool, account_id).await? {
                return Err(JoinError::Editor);
            }
            let membership = crate::context::membership(pool, workspace_id, account_id).await?;
            // A client's login opens one more of its records: it stays the same member.
            let already_client = membership.as_ref().is_some_and(|member| {
                member.active && portal_client.is_some() && member.role == Role::Client
            });
            if membership.is_some_and(|member| member.active) && !already_client {
                return Err(CommandError::Rejected(WorkspaceError::AlreadyMember).into());
            }
            (account_id, two_factor, already_client)
        }
        None => {
            let new_account = NewAccount::parse(email.as_str(), None, acceptance.password)?;
            if invitation.is_none() {
                email_token::consume(pool, Purpose::Invitation, token).await?;
            }
            // A member invitation revoked in the next milliseconds leaves this account
            // without workshop, as a failed sign-up does (ADR 0003): visible, harmless.
            (
                account::create_account(pool, new_account).await?,
                false,
                false,
            )
        }
    };
    let request = (acceptance.ip, acceptance.request_id);
    let written = match invitation {
        Some((invitation_id, acceptable)) => {
            let meta = granted_by(workspace_id, &acceptable, request);
            let receipt =
                invitation::accept(commands, &meta, token, invitation_id, account_id).await?;
            Written::Invitation(receipt)
        }
        None => {
            if existing.is_some() {
                email_token::consume(pool, Purpose::Invitation, token).await?;
            }
            let (actor_id, actor_role) = grant.invited_by.unwrap_or((account_id, role));
            let meta = CommandMeta {
                workspace_id,
                actor_id: Some(actor_id),
                actor_role,
                ip: request.0,
                request_id: request.1,
            };
            let member = match already_client {
                true => None,
                false => Some(
                    commands
                        .workspaces
                        .execute(
                            &meta,
                            AGGREGATE_LOCAL_ID,
                            WorkspaceCommand::AddMember { account_id, role },
                        )
                        .await?,
                ),
            };
            // The record it was invited for says which login is its portal.
            let client_id =
                portal_client.ok_or(JoinError::Internal("portal link without record"))?;
            let client = commands
                .clients
                .execute(
                    &meta,
                    &client_local_id(client_id),
                    ClientCommand::ActivatePortal { account_id },
                )
                .await?;
            Written::Portal { member, client }
        }
    };
    // Receiving the link proves the address.
    account::mark_email_verified(pool, account_id).await?;
    Ok(Joined {
        account_id,
        workspace_id,
        role,
        two_factor,
        written,
    })
}

/// The membership is granted by whoever invited: they are the actor in the audit log, with
/// the role they hold now.
fn granted_by(
    workspace_id: Uuid,
    acceptable: &AcceptableInvitation,
    (ip, request_id): (Option<IpAddr>, String),
) -> CommandMeta {
    CommandMeta {
        workspace_id,
        actor_id: Some(acceptable.invited_by),
        actor_role: acceptable.inviter_role,
        ip,
        request_id,
    }
}
