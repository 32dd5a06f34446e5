//! The GraphQL schema: one module per resource, merged here once.

mod system;
mod workspace;

use async_graphql::{Context, EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::app::AppState;
use crate::http::RequestContext;

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

#[derive(MergedObject, Default)]
pub struct Query(system::SystemQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(workspace::WorkspaceMutation);

/// Deep enough for a project → parts → steps → photos screen, shallow enough that a
/// malicious query cannot fan out (both limits are off by default in async-graphql).
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 1_000;

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

pub fn build(state: AppState) -> AppSchema {
    builder().data(state).finish()
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
