//! Saving clients with duplicate detection, and merging two clients.
//!
//! Duplicates are a question for the read model (who else has this email?), so they are
//! checked here before the aggregate decides; the aggregate records the user's override. Two
//! people creating the same client at the same second both pass: duplicates are a warning,
//! not a constraint, and the merge repairs them.

use chrono::Utc;
use domain::client::{
    aggregate_local_id, interaction_text, keys_for, ClientCommand, ClientError, ClientProfile,
    DuplicateMatch, DuplicateOverride, InteractionKind, Sealed, SealedProfile, SubjectKey,
};
use rand::RngCore;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    client_key, context, AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta,
    CommandReceipt, Commands,
};

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Other clients look like this one; saving needs a reason.
    #[error("ce client ressemble à {} client(s) existant(s)", .0.len())]
    Duplicates(Vec<DuplicateMatch>),
    #[error(transparent)]
    Command(#[from] CommandError<ClientError>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Command(#[from] CommandError<ClientError>),
    #[error(transparent)]
    Append(#[from] AppendError),
}

/// The clients `profile` would duplicate under the workshop's criteria; `existing` is the
/// client being edited: its own keys are not news, only the ones the edit adds.
pub async fn duplicates(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    profile: &ClientProfile,
    existing: Option<Uuid>,
) -> Result<Vec<DuplicateMatch>, sqlx::Error> {
    let criteria = context::duplicate_criteria(&mut *conn, workspace_id).await?;
    let mut keys = keys_for(profile, &criteria);
    if let Some(client_id) = existing {
        let held = context::held_keys(&mut *conn, workspace_id, client_id).await?;
        keys.retain(|key| !held.contains(key));
    }
    context::duplicates_of(&mut *conn, workspace_id, &keys, existing).await
}

/// A fresh nonce for each sealed value (never reused under one key).
pub fn nonce() -> [u8; 12] {
    let mut nonce = [0; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    nonce
}

pub fn new_key() -> SubjectKey {
    let mut key = [0; 32];
    rand::thread_rng().fill_bytes(&mut key);
    SubjectKey(key)
}

/// The client's data key; created for a new client. ADR 0005.
pub async fn key_for(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<SubjectKey, sqlx::Error> {
    let fresh = new_key();
    if let Some(key) =
        client_key::find_or_insert(&mut *conn, workspace_id, client_id, &fresh).await?
    {
        return Ok(key);
    }
    // Another request stored it after this one's snapshot: theirs stands.
    context::client_key(&mut *conn, workspace_id, client_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Records a call, email, meeting or note in the client's journal, sealed.
#[allow(clippy::too_many_arguments)]
pub async fn record_interaction(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    client_id: Uuid,
    interaction_id: Uuid,
    kind: InteractionKind,
    occurred_at: chrono::DateTime<Utc>,
    text: &str,
) -> Result<CommandReceipt, SaveError> {
    let rejected = |error| SaveError::Command(CommandError::Rejected(error));
    let text = interaction_text(text).map_err(rejected)?;
    // An unknown client has no key: say so without creating one.
    let key = context::client_key(pool, meta.workspace_id, client_id)
        .await?
        .ok_or_else(|| rejected(ClientError::NotFound))?;
    Ok(commands
        .clients
        .execute(
            meta,
            &aggregate_local_id(client_id),
            ClientCommand::RecordInteraction {
                interaction_id,
                kind,
                occurred_at,
                text: Sealed::seal(&key, nonce(), &text),
            },
        )
        .await?)
}

/// Creates (`existing` none) or edits a client. Duplicates refuse the save unless
/// `override_reason` is given; the reason and the matches are then recorded.
pub async fn save(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    client_id: Uuid,
    creating: bool,
    profile: ClientProfile,
    override_reason: Option<String>,
) -> Result<CommandReceipt, SaveError> {
    let rejected = |error| SaveError::Command(CommandError::Rejected(error));
    let normalised = profile.validate().map_err(rejected)?;
    let reason = override_reason
        .as_deref()
        .map(domain::client::override_reason)
        .transpose()
        .map_err(rejected)?;
    let existing = (!creating).then_some(client_id);
    // One connection for the reads before the decision (each acquisition costs a round
    // trip: the requests' pool scopes it to the workspace), given back before the append.
    let mut conn = pool.acquire().await?;
    if let Some(client_id) = existing {
        // Say what is wrong with the client itself before comparing it with others. The
        // aggregate checks again on the log; this read only orders the answers.
        let client = context::client(&mut *conn, meta.workspace_id, client_id).await?;
        let refusal = match client {
            None => Some(ClientError::NotFound),
            Some(client) if client.merged_into.is_some() => Some(ClientError::Merged),
            Some(client) if client.archived => Some(ClientError::Archived),
            Some(_) => None,
        };
        if let Some(error) = refusal {
            return Err(SaveError::Command(CommandError::Rejected(error)));
        }
    }
    let matches = duplicates(&mut conn, meta.workspace_id, &normalised, existing).await?;
    if !matches.is_empty() && reason.is_none() {
        return Err(SaveError::Duplicates(matches));
    }
    let key = key_for(&mut conn, meta.workspace_id, client_id).await?;
    drop(conn);
    let duplicate_override = match (matches.is_empty(), reason) {
        (false, Some(reason)) => Some(DuplicateOverride {
            reason: Sealed::seal(&key, nonce(), &reason),
            matches,
        }),
        _ => None,
    };
    let profile = SealedProfile::seal(&normalised, &key, nonce());
    let command = if creating {
        ClientCommand::Create {
            client_id,
            profile,
            duplicate_override,
            invitation: None,
        }
    } else {
        ClientCommand::Edit {
            profile,
            duplicate_override,
        }
    };
    let local_id = aggregate_local_id(client_id);
    Ok(if creating {
        commands
            .clients
            .execute_new(meta, &local_id, command)
            .await?
    } else {
        commands.clients.execute(meta, &local_id, command).await?
    })
}

/// `merged` is a duplicate of `survivor`: both change together — the duplicate points to the
/// survivor and stops matching, the survivor records what it absorbed — or neither does.
pub async fn merge(
    commands: &Commands,
    meta: &CommandMeta,
    survivor_id: Uuid,
    merged_id: Uuid,
) -> Result<AppendReceipt, MergeError> {
    if survivor_id == merged_id {
        return Err(CommandError::Rejected(ClientError::MergeWithItself).into());
    }
    let mut attempt = 1;
    loop {
        let now = Utc::now();
        let mut append = AtomicAppend::default();
        append.push(
            commands
                .clients
                .decide(
                    meta,
                    &aggregate_local_id(survivor_id),
                    ClientCommand::Absorb { merged_id },
                    false,
                    now,
                )
                .await?,
        );
        append.push(
            commands
                .clients
                .decide(
                    meta,
                    &aggregate_local_id(merged_id),
                    ClientCommand::MergeInto { survivor_id },
                    false,
                    now,
                )
                .await?,
        );
        match commands.commit(meta, append).await {
            Err(AppendError::Conflict) if attempt < crate::MAX_ATTEMPTS => attempt += 1,
            result => return Ok(result?),
        }
    }
}
