//! Sign-up: an account, a workspace with its owner, in that order.
//!
//! Everything is validated before anything is written, so bad input leaves no trace. The two
//! writes are not one transaction (an account lives outside the log, ADR 0003): if the
//! workspace could not be written, the account exists without workshop and signing up again
//! with the same email says so; logging in then offers to create a workshop.

use domain::workspace::{
    Consent, WorkspaceCommand, WorkspaceError, WorkspaceName, AGGREGATE_LOCAL_ID,
};
use domain::{DomainError, ErrorKind, Role};
use sqlx::PgPool;
use uuid::Uuid;

use crate::account::{create_account, AccountError, NewAccount};
use crate::{CommandError, CommandMeta, CommandReceipt, Commands};

pub struct SignUp {
    pub workshop_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub password: String,
    pub consent: Consent,
}

#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Workspace(#[from] CommandError<WorkspaceError>),
}

impl SignUpError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Account(error) => error.kind(),
            Self::Workspace(error) => error.kind(),
        }
    }
}

pub struct SignedUp {
    pub account_id: Uuid,
    pub workspace_id: Uuid,
    pub receipt: CommandReceipt,
}

/// `meta` gives the caller's IP and request id; its workspace is replaced by the new one.
pub async fn sign_up(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    input: SignUp,
) -> Result<SignedUp, SignUpError> {
    let reject = |error: WorkspaceError| SignUpError::Workspace(CommandError::Rejected(error));
    WorkspaceName::parse(&input.workshop_name).map_err(reject)?;
    input.consent.check().map_err(reject)?;
    let account = NewAccount::parse(&input.email, input.phone.as_deref(), input.password)?;

    let account_id = create_account(pool, account).await?;
    let workspace_id = Uuid::now_v7();
    let meta = CommandMeta {
        workspace_id,
        actor_id: Some(account_id),
        actor_role: Role::Owner,
        ..meta.clone()
    };
    let command = WorkspaceCommand::SignUp {
        name: input.workshop_name,
        owner: account_id,
        consent: input.consent,
    };
    let receipt = commands
        .workspaces
        .execute(&meta, AGGREGATE_LOCAL_ID, command)
        .await?;
    Ok(SignedUp {
        account_id,
        workspace_id,
        receipt,
    })
}
