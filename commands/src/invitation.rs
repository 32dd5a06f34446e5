//! Member invitations: an event of the workspace (`MemberInvited`, `InvitationRevoked`,
//! `MemberJoined` naming the invitation) and a link whose secret stays beside the log
//! (`email_token`, its SHA-256 only, with the address: ADR 0003).
//!
//! The link and its event commit together, so neither stands alone: an invitation is sent
//! with its token and its email in the transaction of its `MemberInvited`, and accepted by
//! using the token in the transaction of its `MemberJoined`. A refused acceptance writes
//! nothing and leaves the link as it was: whatever refused it (revoked, expired, the
//! inviter's rights gone) is in the log and refuses it again; a typo in the password does
//! not burn it.

use chrono::Utc;
use domain::identity::Email;
use domain::workspace::{WorkspaceCommand, WorkspaceError, WorkspaceEvent, AGGREGATE_LOCAL_ID};
use domain::{DomainError, ErrorKind, Role};
use uuid::Uuid;

use crate::email_token::{self, Grant, Purpose, TokenError};
use crate::mail::{self, OutgoingEmail};
use crate::{
    AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands, MAX_ATTEMPTS,
};

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error(transparent)]
    Workspace(#[from] CommandError<WorkspaceError>),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Commit(#[from] AppendError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl DomainError for InvitationError {
    fn code(&self) -> &'static str {
        match self {
            Self::Workspace(error) => error.code(),
            Self::Token(error) => error.code(),
            Self::Commit(AppendError::Conflict) => "CONCURRENT_MODIFICATION",
            Self::Commit(_) | Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Workspace(error) => error.kind(),
            Self::Token(error) => error.kind(),
            Self::Commit(AppendError::Conflict) => ErrorKind::Conflict,
            Self::Commit(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// A member invitation sent: its id, for the caller's read-back.
#[derive(Debug, Clone)]
pub struct Sent {
    pub invitation_id: Uuid,
    pub receipt: AppendReceipt,
}

/// `meta`'s actor invites `email` as `role` (the workspace decides whether they may), and
/// the email `compose` writes around the link's token is queued, all in one transaction.
pub async fn invite(
    commands: &Commands,
    meta: &CommandMeta,
    email: &Email,
    role: Role,
    compose: impl Fn(&str) -> OutgoingEmail,
    message_domain: &str,
) -> Result<Sent, InvitationError> {
    let by = meta
        .actor_id
        .ok_or(CommandError::Rejected(WorkspaceError::NotAnInviter))?;
    // Someone already in: the member list says so (the log only knows account ids).
    if let Some(account_id) = crate::account::find_by_email(&commands.pool, email).await? {
        let membership =
            crate::context::membership(&commands.pool, meta.workspace_id, account_id).await?;
        if membership.is_some_and(|member| member.active) {
            return Err(CommandError::Rejected(WorkspaceError::AlreadyMember).into());
        }
    }
    let invitation_id = Uuid::now_v7();
    let mut attempt = 1;
    loop {
        let decision = commands
            .workspaces
            .decide(
                meta,
                AGGREGATE_LOCAL_ID,
                WorkspaceCommand::Invite {
                    invitation_id,
                    role,
                    by,
                },
                false,
                Utc::now(),
            )
            .await?;
        let Some(WorkspaceEvent::MemberInvited { expires_at, .. }) = decision.payload() else {
            return Err(InvitationError::Database(sqlx::Error::Protocol(
                "an invitation decided no MemberInvited".into(),
            )));
        };
        let grant = Grant {
            account_id: None,
            workspace_id: Some(meta.workspace_id),
            email: email.as_str().to_owned(),
            role: Some(role),
            invited_by: Some((by, meta.actor_role)),
            invitation_id: Some(invitation_id),
            client_id: None,
            issued_at: None,
        };
        let mut append = AtomicAppend::default();
        append.push(decision);
        let mut tx = commands.pool.begin().await?;
        let token = email_token::issue_invitation(&mut *tx, &grant, expires_at).await?;
        mail::enqueue(&mut *tx, &compose(&token), message_domain).await?;
        match append.commit_within(tx, &commands.signals, meta).await {
            Ok(receipt) => {
                return Ok(Sent {
                    invitation_id,
                    receipt,
                });
            }
            // Dropping `tx` rolls the token and the email back with the events.
            Err(AppendError::Conflict) if attempt < MAX_ATTEMPTS => attempt += 1,
            Err(error) => return Err(error.into()),
        }
    }
}

/// `account_id` joins through the invitation whose link is `token`: the workspace checks it
/// is still pending and its inviter may still grant its role, and the link is used in the
/// same transaction as the `MemberJoined`. Refused: nothing written, the link unchanged.
pub async fn accept(
    commands: &Commands,
    meta: &CommandMeta,
    token: &str,
    invitation_id: Uuid,
    account_id: Uuid,
) -> Result<AppendReceipt, InvitationError> {
    let mut attempt = 1;
    loop {
        let decision = commands
            .workspaces
            .decide(
                meta,
                AGGREGATE_LOCAL_ID,
                WorkspaceCommand::AcceptInvitation {
                    invitation_id,
                    account_id,
                },
                false,
                Utc::now(),
            )
            .await?;
        let mut append = AtomicAppend::default();
        append.push(decision);
        let mut tx = commands.pool.begin().await?;
        if !email_token::use_invitation(&mut tx, token, invitation_id).await? {
            drop(tx);
            // Used or expired since it was read: say which, as a link does.
            let why = email_token::peek(&commands.pool, Purpose::Invitation, token)
                .await
                .err()
                .unwrap_or(TokenError::Used);
            return Err(why.into());
        }
        match append.commit_within(tx, &commands.signals, meta).await {
            Ok(receipt) => {
                return Ok(receipt);
            }
            Err(AppendError::Conflict) if attempt < MAX_ATTEMPTS => attempt += 1,
            Err(error) => return Err(error.into()),
        }
    }
}
