//! Changing clients: create and edit (with duplicate warnings), archive, the journal, merges.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use commands::client::SaveError;
use domain::client::{aggregate_local_id, ClientCommand, ClientProfile};
use serde_json::json;

use super::directory::candidates;
use super::{
    client_node, client_uuid, ClientInput, ClientNode, InteractionKindValue, InteractionNode,
};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

/// A duplicate warning: `CONFLICT` / `CLIENT_DUPLICATE`, the matching clients in
/// `extensions.details.matches`, their names in the message.
async fn duplicate_warning(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    matches: &[domain::client::DuplicateMatch],
) -> ApiError {
    let found = match candidates(ctx, workspace_id, matches).await {
        Ok(found) => found,
        Err(error) => return error,
    };
    let names: Vec<String> = found
        .iter()
        .map(|candidate| format!("{} ({})", candidate.client.display_name, candidate.label))
        .collect();
    let details: Vec<serde_json::Value> = found
        .iter()
        .map(|candidate| {
            json!({
                "clientId": candidate.client.id.to_string(),
                "displayName": candidate.client.display_name,
                "criterion": domain::client::Criterion::from(candidate.criterion).as_str(),
            })
        })
        .collect();
    ApiError::new(
        domain::ErrorKind::Conflict,
        "CLIENT_DUPLICATE",
        format!(
            "ce client ressemble à : {}. Vérifiez, ou enregistrez en donnant la raison",
            names.join(", ")
        ),
    )
    .with_details(json!({ "matches": details }))
}

/// Creates or edits a client; similar clients refuse the save with a duplicate warning
/// unless a reason is given.
async fn save(
    ctx: &Context<'_>,
    operation: Operation,
    client_id: uuid::Uuid,
    creating: bool,
    input: ClientInput,
    override_reason: Option<String>,
) -> Result<ClientNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let state = state(ctx);
    let saved = commands::client::save(
        &state.pool,
        &state.commands,
        &meta(ctx, &actor),
        client_id,
        creating,
        ClientProfile::from(input),
        override_reason,
    )
    .await;
    let receipt = match saved {
        Ok(receipt) => receipt,
        Err(SaveError::Duplicates(matches)) => {
            return Err(duplicate_warning(ctx, actor.workspace_id, &matches).await)
        }
        Err(error) => return Err(error.into()),
    };
    state
        .read_after(
            &receipt,
            &[projections::client::NAME],
            client_node(ctx, actor.workspace_id, client_id),
        )
        .await
}

/// One command to one client, answered with the client as it then reads.
async fn send(
    ctx: &Context<'_>,
    operation: Operation,
    id: &ID,
    command: ClientCommand,
) -> Result<ClientNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let client_id = client_uuid(id)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .clients
        .execute(&meta(ctx, &actor), &aggregate_local_id(client_id), command)
        .await?;
    state
        .read_after(
            &receipt,
            &[projections::client::NAME],
            client_node(ctx, actor.workspace_id, client_id),
        )
        .await
}

#[derive(Default)]
pub struct ClientMutation;

#[Object]
impl ClientMutation {
    /// Crée un client. S'il ressemble à des clients existants (critères de l'atelier), la
    /// création est refusée (`CLIENT_DUPLICATE`, clients en `extensions.details`) sauf si
    /// `duplicateOverrideReason` dit pourquoi ce n'est pas un doublon ; la raison est
    /// consignée. Gérant, administrateur ou atelier.
    async fn create_client(
        &self,
        ctx: &Context<'_>,
        input: ClientInput,
        duplicate_override_reason: Option<String>,
    ) -> Result<ClientNode, ApiError> {
        save(
            ctx,
            Operation::CreateClient,
            uuid::Uuid::now_v7(),
            true,
            input,
            duplicate_override_reason,
        )
        .await
    }

    /// Modifie une fiche ; seuls les nouveaux points communs avec d'autres clients
    /// déclenchent l'avertissement de doublon.
    async fn update_client(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ClientInput,
        duplicate_override_reason: Option<String>,
    ) -> Result<ClientNode, ApiError> {
        save(
            ctx,
            Operation::UpdateClient,
            client_uuid(&id)?,
            false,
            input,
            duplicate_override_reason,
        )
        .await
    }

    /// Archive un client : il sort des listes, son historique reste. Gérant ou administrateur.
    async fn archive_client(&self, ctx: &Context<'_>, id: ID) -> Result<ClientNode, ApiError> {
        send(ctx, Operation::ArchiveClient, &id, ClientCommand::Archive).await
    }

    /// Retire au client l'accès à son espace : son identifiant n'y voit plus rien et les
    /// liens d'invitation déjà envoyés ne l'ouvrent plus ; une nouvelle invitation le rend.
    /// Changer l'email du client, l'archiver ou le fusionner le retire aussi. Gérant ou
    /// administrateur.
    async fn revoke_portal_access(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
    ) -> Result<ClientNode, ApiError> {
        send(
            ctx,
            Operation::RevokePortalAccess,
            &client_id,
            ClientCommand::RevokePortal,
        )
        .await
    }

    /// Remet un client archivé dans les listes. Gérant ou administrateur.
    async fn restore_client(&self, ctx: &Context<'_>, id: ID) -> Result<ClientNode, ApiError> {
        send(ctx, Operation::RestoreClient, &id, ClientCommand::Restore).await
    }

    /// Ajoute un appel, un email, un rendez-vous ou une note au journal du client
    /// (maintenant si `occurredAt` n'est pas donné). Gérant, administrateur ou atelier.
    async fn record_interaction(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        kind: InteractionKindValue,
        occurred_at: Option<DateTime<Utc>>,
        text: String,
    ) -> Result<InteractionNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RecordInteraction)?;
        let client = client_uuid(&client_id)?;
        let interaction_id = uuid::Uuid::now_v7();
        let state = state(ctx);
        let receipt = commands::client::record_interaction(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            client,
            interaction_id,
            kind.into(),
            occurred_at.unwrap_or_else(Utc::now),
            &text,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[projections::client::NAME],
                interaction_node(ctx, actor.workspace_id, client, interaction_id),
            )
            .await
    }

    /// Fusionne un doublon dans le client qui reste : le doublon pointe vers lui et ne
    /// ressort plus, son journal le rejoint ; les deux changent ensemble ou pas du tout.
    /// Gérant ou administrateur.
    async fn merge_clients(
        &self,
        ctx: &Context<'_>,
        survivor_id: ID,
        merged_id: ID,
    ) -> Result<ClientNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::MergeClients)?;
        let (survivor, merged) = (client_uuid(&survivor_id)?, client_uuid(&merged_id)?);
        let state = state(ctx);
        let receipt =
            commands::client::merge(&state.commands, &meta(ctx, &actor), survivor, merged).await?;
        state
            .read_after(
                &receipt,
                &[projections::client::NAME],
                client_node(ctx, actor.workspace_id, survivor),
            )
            .await
    }
}

/// An interaction just recorded, found among the client's latest ones.
async fn interaction_node(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    client_id: uuid::Uuid,
    interaction_id: uuid::Uuid,
) -> Result<InteractionNode, ApiError> {
    let state = state(ctx);
    let mut tx = projections::tenant::begin(&state.pool, workspace_id).await?;
    let rows =
        projections::client::interactions(&mut *tx, workspace_id, client_id, None, 200).await?;
    tx.commit().await?;
    rows.into_iter()
        .find(|row| row.interaction_id == interaction_id)
        .map(InteractionNode::from)
        .ok_or_else(|| ApiError::internal("interaction missing from its read model"))
}
