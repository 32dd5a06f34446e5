//! A workshop's invoicing settings, saved together with its claim in the platform registry
//! of connected Stripe accounts (`stripe_connected_account`, ADR 0012), the one table kept
//! across workspaces on purpose. An account belongs to one workshop at a time: workshop B
//! cannot open its payment links on A's account, nor have its payments accepted from there.
//! The claim and the settings' event commit in one transaction, so neither stands alone.

use chrono::Utc;
use domain::invoice::settings::{
    InvoiceSettings, InvoiceSettingsCommand, InvoiceSettingsError, AGGREGATE_LOCAL_ID,
};
use domain::{DomainError, ErrorKind};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::{
    AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands, MAX_ATTEMPTS,
};

#[derive(Debug, thiserror::Error)]
pub enum InvoiceSettingsSaveError {
    #[error(transparent)]
    Settings(#[from] CommandError<InvoiceSettingsError>),
    #[error("compte Stripe connecté (stripeAccount) : ce compte est déjà celui d'un autre atelier ; chaque atelier encaisse sur son propre compte Stripe")]
    StripeAccountTaken,
    #[error(transparent)]
    Commit(#[from] AppendError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DomainError for InvoiceSettingsSaveError {
    fn code(&self) -> &'static str {
        match self {
            Self::Settings(error) => error.code(),
            Self::StripeAccountTaken => "STRIPE_ACCOUNT_TAKEN",
            Self::Commit(AppendError::Conflict) => "CONCURRENT_MODIFICATION",
            Self::Commit(_) | Self::Database(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Settings(error) => error.kind(),
            Self::StripeAccountTaken | Self::Commit(AppendError::Conflict) => ErrorKind::Conflict,
            Self::Commit(_) | Self::Database(_) => ErrorKind::Internal,
        }
    }
}

/// The workshop's connected Stripe account as the registry holds it; `None`: it is paid on
/// the platform's own account. What payment links are opened on and webhooks must come from.
pub async fn connected_account(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select stripe_account from stripe_connected_account where workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(executor)
    .await
}

/// Saves the settings (checked by the domain) and makes the registry hold exactly their
/// Stripe account for the workshop: the old one is released, the new one claimed, refused
/// with [`InvoiceSettingsSaveError::StripeAccountTaken`] (nothing written) while another
/// workshop holds it.
pub async fn save_invoice_settings(
    commands: &Commands,
    meta: &CommandMeta,
    settings: InvoiceSettings,
) -> Result<AppendReceipt, InvoiceSettingsSaveError> {
    // The account as it will be stored (trimmed, checked) is the one claimed.
    let settings = settings.validate().map_err(CommandError::Rejected)?;
    let account = settings.stripe_account.clone();
    let mut attempt = 1;
    loop {
        let decision = commands
            .invoice_settings
            .decide(
                meta,
                AGGREGATE_LOCAL_ID,
                InvoiceSettingsCommand::Change(settings.clone()),
                false,
                Utc::now(),
            )
            .await?;
        let mut append = AtomicAppend::default();
        append.push(decision);
        // Claimed even when the settings did not change: a workshop left without its claim
        // (a duplicate when the registry was filled, ADR 0012) gets it back, or hears why not.
        let mut tx = commands.pool.begin().await?;
        claim(&mut tx, meta.workspace_id, account.as_deref()).await?;
        match append.commit_within(tx, &commands.signals, meta).await {
            Ok(receipt) => {
                return Ok(receipt);
            }
            // Dropping `tx` rolls the claim back with the events; decide again.
            Err(AppendError::Conflict) if attempt < MAX_ATTEMPTS => attempt += 1,
            Err(error) => return Err(error.into()),
        }
    }
}

/// Makes `workspace_id` hold `account` (or nothing) in the registry, inside the caller's
/// transaction.
async fn claim(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    account: Option<&str>,
) -> Result<(), InvoiceSettingsSaveError> {
    sqlx::query(
        "delete from stripe_connected_account
         where workspace_id = $1 and stripe_account is distinct from $2",
    )
    .bind(workspace_id)
    .bind(account)
    .execute(&mut *conn)
    .await?;
    let Some(account) = account else {
        return Ok(());
    };
    // A concurrent claim of the same account waits here for the other transaction, then
    // conflicts: the unique key decides, not a read before the write.
    let claimed = sqlx::query(
        "insert into stripe_connected_account (stripe_account, workspace_id)
         values ($1, $2) on conflict do nothing",
    )
    .bind(account)
    .bind(workspace_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if claimed == 1 {
        return Ok(());
    }
    let holder: Option<Uuid> = sqlx::query_scalar(
        "select workspace_id from stripe_connected_account where stripe_account = $1",
    )
    .bind(account)
    .fetch_optional(&mut *conn)
    .await?;
    if holder == Some(workspace_id) {
        Ok(())
    } else {
        Err(InvoiceSettingsSaveError::StripeAccountTaken)
    }
}
