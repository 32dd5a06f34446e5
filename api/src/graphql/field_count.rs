//! A ceiling on the fields a query writes out, aliases included. The complexity limit
//! counts what resolvers will do, but not `__typename` or other introspection fields: two
//! thousand aliases of `__typename` pass it and make the server build a response object of
//! two thousand keys per request. Counting the written selections right after parsing
//! refuses such floods before validation or execution starts.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// The largest screen of the web client writes about 150 fields; the introspection query
/// of GraphiQL about 100.
pub const MAX_FIELDS: usize = 500;

pub struct FieldCount;

impl ExtensionFactory for FieldCount {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldCount)
    }
}

#[async_trait::async_trait]
impl Extension for FieldCount {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let written = fields_written(&document);
        if written > MAX_FIELDS {
            let mut error = ServerError::new(
                format!(
                    "requête GraphQL invalide : {written} champs écrits (alias compris), au plus \
                     {MAX_FIELDS}"
                ),
                None,
            );
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", domain::ErrorKind::Validation.as_str());
            extensions.set("reason", "GRAPHQL_TOO_MANY_FIELDS");
            return Err(error);
        }
        Ok(document)
    }
}

/// Fields as written in the operations and fragments, each alias once.
pub fn fields_written(document: &ExecutableDocument) -> usize {
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, operation)| in_set(&operation.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|fragment| in_set(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

fn in_set(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => 1 + in_set(&field.node.selection_set.node),
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_fragments_and_nested_fields_all_count() {
        let count =
            |query: &str| fields_written(&async_graphql::parser::parse_query(query).unwrap());
        assert_eq!(count("{ a b: a c { d } }"), 4);
        assert_eq!(count("{ ...F ... on Q { e } } fragment F on Q { a b }"), 3);
        assert_eq!(count("query A { a } query B { b c }"), 3);
    }
}
