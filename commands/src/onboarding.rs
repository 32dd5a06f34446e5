//! Sign-up: an account, a workspace with its owner, in that order.
//!
//! Everything is validated before anything is written, so bad input leaves no trace. The two
//! writes are not one transaction (an account lives outside the log, ADR 0003): if the
//! workspace could not be written, the account exists without workshop; logging in then
//! offers to create a workshop.
//!
//! An address that already has an account is not an error the caller sees (issue 17: the
//! answer must not tell who has an account): [`SignUpOutcome::AlreadyRegistered`] lets the
//! API answer as for a new account and write to that address instead. The password is
//! hashed in both cases, so the two take the same CPU.

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

pub enum SignUpOutcome {
    Created(SignedUp),
    /// The address has an account: nothing was written.
    AlreadyRegistered,
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
) -> Result<SignUpOutcome, SignUpError> {
    let reject = |error: WorkspaceError| SignUpError::Workspace(CommandError::Rejected(error));
    WorkspaceName::parse(&input.workshop_name).map_err(reject)?;
    input.consent.check().map_err(reject)?;
    let account = NewAccount::parse(&input.email, input.phone.as_deref(), input.password)?;

    // Read before the account is created: a failure here leaves nothing behind.
    let trial_days = crate::context::trial_days(pool)
        .await
        .map_err(|error| SignUpError::Workspace(CommandError::Store(Box::new(error))))?;
    let account_id = match create_account(pool, account).await {
        Ok(account_id) => account_id,
        Err(AccountError::EmailTaken) => return Ok(SignUpOutcome::AlreadyRegistered),
        Err(error) => return Err(error.into()),
    };
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
        trial_days,
    };
    // The workspace id was generated just above: nothing to read from the log.
    let receipt = commands
        .workspaces
        .execute_new(&meta, AGGREGATE_LOCAL_ID, command)
        .await?;
    Ok(SignUpOutcome::Created(SignedUp {
        account_id,
        workspace_id,
        receipt,
    }))
}
