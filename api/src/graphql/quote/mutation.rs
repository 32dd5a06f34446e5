//! The quote writes: drafts, revisions, sending, refusal, and the quote settings. Each
//! answers from the quote read model once it shows the write.

use async_graphql::{Context, Object, ID};
use domain::quote::lifecycle::{aggregate_local_id, QuoteCommand};
use domain::quote::settings::{QuoteSettingsCommand, AGGREGATE_LOCAL_ID as SETTINGS_ID};
use projections::quote::NAME as QUOTES;

use super::query::{quote_node, settings_node};
use super::quote_uuid;
use super::types::{QuoteInput, QuoteNode, QuoteSettingsInput, QuoteSettingsNode};
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::{quote_access, ApiError};

#[derive(Default)]
pub struct QuoteMutation;

#[Object]
impl QuoteMutation {
    /// Crée un devis brouillon, chiffré avec les taux de l'atelier, numéroté sans trou
    /// (`DEV-{YYYY}-{NNNN}` par défaut). Gérant, administrateur ou atelier.
    async fn create_quote(
        &self,
        ctx: &Context<'_>,
        input: QuoteInput,
    ) -> Result<QuoteNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CreateQuote)?;
        let draft = input.draft()?;
        let state = state(ctx);
        let (quote_id, number, receipt) =
            commands::quote::create(&state.pool, &state.commands, &meta(ctx, &actor), draft)
                .await?;
        crate::warnings::known("id", quote_id.to_string());
        crate::warnings::known("number", number);
        state
            .read_after(
                &receipt,
                &[QUOTES],
                quote_node(ctx, actor.workspace_id, quote_id),
            )
            .await
    }

    /// Modifie un brouillon (un devis envoyé se corrige par une nouvelle version).
    async fn update_quote(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: QuoteInput,
    ) -> Result<QuoteNode, ApiError> {
        change(ctx, id, input, false).await
    }

    /// Nouvelle version d'un devis envoyé, refusé ou expiré : elle repart en brouillon.
    async fn revise_quote(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: QuoteInput,
    ) -> Result<QuoteNode, ApiError> {
        change(ctx, id, input, true).await
    }

    /// Envoie le devis : son PDF est figé (empreinte SHA-256) et envoyé au client par email,
    /// avec une invitation à créer son espace s'il n'en a pas ; il ne se modifie plus.
    async fn send_quote(&self, ctx: &Context<'_>, id: ID) -> Result<QuoteNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SendQuote)?;
        let quote_id = quote_uuid(&id)?;
        let state = state(ctx);
        quote_access::visible_quote(&state.pool, &actor, quote_id).await?;
        let receipt = commands::quote_sending::send(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[QUOTES],
                quote_node(ctx, actor.workspace_id, quote_id),
            )
            .await
    }

    /// Le client a refusé le devis.
    async fn refuse_quote(&self, ctx: &Context<'_>, id: ID) -> Result<QuoteNode, ApiError> {
        transition(ctx, Operation::RefuseQuote, id, QuoteCommand::Refuse).await
    }
}

/// Saves a draft's new content, or (`revise`) a new version of a quote sent.
async fn change(
    ctx: &Context<'_>,
    id: ID,
    input: QuoteInput,
    revise: bool,
) -> Result<QuoteNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(if revise {
        Operation::ReviseQuote
    } else {
        Operation::UpdateQuote
    })?;
    let quote_id = quote_uuid(&id)?;
    let draft = input.draft()?;
    let state = state(ctx);
    let receipt = commands::quote::change(
        &state.pool,
        &state.commands,
        &meta(ctx, &actor),
        quote_id,
        draft,
        revise,
    )
    .await?;
    state
        .read_after(
            &receipt,
            &[QUOTES],
            quote_node(ctx, actor.workspace_id, quote_id),
        )
        .await
}

/// Moves a quote along its lifecycle by one command of the aggregate.
async fn transition(
    ctx: &Context<'_>,
    operation: Operation,
    id: ID,
    command: QuoteCommand,
) -> Result<QuoteNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let quote_id = quote_uuid(&id)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .quotes
        .execute(&meta(ctx, &actor), &aggregate_local_id(quote_id), command)
        .await?;
    state
        .read_after(
            &receipt,
            &[QUOTES],
            quote_node(ctx, actor.workspace_id, quote_id),
        )
        .await
}

#[derive(Default)]
pub struct QuoteSettingsMutation;

#[Object]
impl QuoteSettingsMutation {
    /// Change le modèle de numéro, les taux, la validité et l'acompte par défaut des
    /// devis. Gérant ou administrateur.
    async fn update_quote_settings(
        &self,
        ctx: &Context<'_>,
        input: QuoteSettingsInput,
    ) -> Result<QuoteSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateQuoteSettings)?;
        let (mut settings, reminder_days) = input.settings()?;
        // The command takes whole settings: reminders left out stay those in force.
        settings.reminder_days = match reminder_days {
            Some(days) => days,
            None => settings_node(ctx, actor.workspace_id).await?.reminder_days,
        };
        let state = state(ctx);
        let receipt = state
            .commands
            .quote_settings
            .execute(
                &meta(ctx, &actor),
                SETTINGS_ID,
                QuoteSettingsCommand::Change(settings),
            )
            .await?;
        state
            .read_after(&receipt, &[QUOTES], settings_node(ctx, actor.workspace_id))
            .await
    }
}
