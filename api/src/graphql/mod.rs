//! The GraphQL schema: one module per resource, merged here once.

mod account;
mod batch;
mod client;
pub mod editor;
mod email;
pub mod field_count;
mod input_errors;
pub mod introspection;
mod invoicing;
mod powder;
mod project;

pub use input_errors::REASON as INPUT_INVALID;
mod quote;
mod system;
mod types;
mod workspace;

use async_graphql::{Context, EmptySubscription, MergedObject, Schema, SchemaBuilder};
use commands::CommandMeta;

use crate::app::AppState;
use crate::auth::{Actor, Authentication};
use crate::http::RequestContext;
use crate::ApiError;

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

#[derive(MergedObject, Default)]
pub struct Query(
    system::SystemQuery,
    account::SessionQuery,
    workspace::WorkspaceQuery,
    workspace::MemberQuery,
    workspace::InvitationQuery,
    workspace::AuditQuery,
    email::EmailQuery,
    email::EmailSettingsQuery,
    client::ClientQuery,
    quote::QuoteQuery,
    quote::QuoteSettingsQuery,
    quote::QuoteSignatureQuery,
    quote::QuoteTemplateQuery,
    project::ProjectQuery,
    batch::BatchQuery,
    invoicing::InvoicingQuery,
    client::CrmSettingsQuery,
    powder::PowderQuery,
    powder::PowderStockQuery,
    powder::StockSettingsQuery,
    powder::ReorderQuery,
    powder::InventoryQuery,
    powder::SupplierQuery,
    powder::WeighingQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::SessionMutation,
    account::TwoFactorMutation,
    account::AccountMutation,
    email::EmailMutation,
    email::EmailSettingsMutation,
    client::ClientMutation,
    quote::QuoteMutation,
    quote::QuoteSettingsMutation,
    quote::QuoteSignatureMutation,
    quote::QuoteTemplateMutation,
    project::ProjectMutation,
    batch::BatchMutation,
    invoicing::InvoicingMutation,
    client::CrmSettingsMutation,
    client::ClientImportMutation,
    powder::PowderMutation,
    powder::PowderStockMutation,
    powder::StockSettingsMutation,
    powder::InventoryMutation,
    powder::PowderImportMutation,
    workspace::WorkspaceMutation,
    workspace::MemberMutation,
    workspace::InvitationMutation,
);

/// Deep enough for a project → parts → steps → photos screen, shallow enough that a
/// malicious query cannot fan out (both limits are off by default in async-graphql).
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 1_000;

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(input_errors::InputErrors)
        .extension(field_count::FieldCount)
}

pub fn build(state: AppState) -> AppSchema {
    let introspection = state.graphql_introspection;
    let builder = builder().data(state);
    if introspection {
        builder.finish()
    } else {
        // The engine's switch stops answering; our extension says why, before validation.
        builder
            .disable_introspection()
            .extension(introspection::Refused)
            .finish()
    }
}

/// The SDL checked in as `schemas/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

fn request<'a>(ctx: &Context<'a>) -> &'a RequestContext {
    ctx.data_unchecked::<RequestContext>()
}

/// The authenticated caller, or `UNAUTHENTICATED`; owners and admins without a second
/// factor get `FORBIDDEN` until they enrol.
fn actor(ctx: &Context<'_>) -> Result<Actor, ApiError> {
    ctx.data_unchecked::<Authentication>().actor().copied()
}

/// The authenticated caller, second factor or not: only for `me`, the enrolment and logout.
fn actor_for_enrolment(ctx: &Context<'_>) -> Result<Actor, ApiError> {
    ctx.data_unchecked::<Authentication>()
        .actor_for_enrolment()
        .copied()
}

/// Command metadata for `actor`'s request: the workspace comes from the token, never from
/// the input.
fn meta(ctx: &Context<'_>, actor: &Actor) -> CommandMeta {
    let request = request(ctx);
    CommandMeta {
        workspace_id: actor.workspace_id,
        actor_id: Some(actor.account_id),
        actor_role: actor.role,
        ip: request.ip,
        request_id: request.request_id.clone(),
    }
}

/// Writes the `time|uuid` keyset cursor [`time_cursor`] reads.
fn to_time_cursor(at: chrono::DateTime<chrono::Utc>, id: uuid::Uuid) -> String {
    format!("{}|{id}", at.to_rfc3339())
}

/// Reads a `time|uuid` keyset cursor, the shape of the lists ordered newest first.
fn time_cursor(cursor: &str) -> Result<(chrono::DateTime<chrono::Utc>, uuid::Uuid), ApiError> {
    let invalid = || {
        ApiError::new(
            domain::ErrorKind::Validation,
            "CURSOR_INVALID",
            "curseur de pagination invalide",
        )
    };
    let (at, id) = cursor.split_once('|').ok_or_else(invalid)?;
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .map_err(|_| invalid())?
        .with_timezone(&chrono::Utc);
    Ok((at, uuid::Uuid::parse_str(id).map_err(|_| invalid())?))
}
