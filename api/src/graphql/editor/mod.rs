//! The editor's back office (issue 21, ADR 0014): a schema of its own at `/editor/graphql`,
//! so the web client's schema holds none of it and the editor's holds no workshop's type.
//! Its callers are the platform's editors, scoped to the platform workspace; members'
//! tokens are refused by the permissions table like any role outside an entry.

mod mutation;
mod notice;
mod query;
mod types;

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::app::AppState;

/// What the editor reads: the catalogue, its history, the workshops, the notice.
#[derive(MergedObject, Default)]
pub struct EditorQuery(query::CatalogueQuery, notice::NoticeQuery);

/// What the editor changes: the catalogue and the notice of its changes.
#[derive(MergedObject, Default)]
pub struct EditorMutation(mutation::CatalogueMutation, notice::NoticeMutation);

pub type EditorSchema = Schema<EditorQuery, EditorMutation, EmptySubscription>;

fn builder() -> SchemaBuilder<EditorQuery, EditorMutation, EmptySubscription> {
    Schema::build(
        EditorQuery::default(),
        EditorMutation::default(),
        EmptySubscription,
    )
    .limit_depth(super::MAX_DEPTH)
    .limit_complexity(super::MAX_COMPLEXITY)
    .extension(super::input_errors::InputErrors)
}

pub fn build(state: AppState) -> EditorSchema {
    let introspection = state.graphql_introspection;
    let builder = builder().data(state);
    if introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The SDL checked in as `schemas/editor.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
