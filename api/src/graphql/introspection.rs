//! `GRAPHQL_INTROSPECTION=off`, production's default: the schema is not handed to whoever
//! asks. The engine's own switch (`disable_introspection`) only stops answering `__schema`
//! and `__type`, with a null and no word; this refuses them right after parsing, in any
//! operation or fragment, with our code and a French reason. `__typename` stays: clients
//! and the GraphQL over HTTP audit need it, and it tells nothing of the schema.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// `extensions.reason` of a refused introspection.
pub const REASON: &str = "GRAPHQL_INTROSPECTION_DISABLED";

/// Registered on the schema when introspection is off.
pub struct Refused;

impl ExtensionFactory for Refused {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Refused)
    }
}

#[async_trait::async_trait]
impl Extension for Refused {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if asks_for_the_schema(&document) {
            let mut error = ServerError::new(
                "requête GraphQL invalide : l'introspection du schéma (« __schema », \
                 « __type ») est désactivée sur ce serveur",
                None,
            );
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", domain::ErrorKind::Validation.as_str());
            extensions.set("reason", REASON);
            return Err(error);
        }
        Ok(document)
    }
}

fn asks_for_the_schema(document: &ExecutableDocument) -> bool {
    document
        .operations
        .iter()
        .any(|(_, operation)| in_set(&operation.node.selection_set.node))
        || document
            .fragments
            .values()
            .any(|fragment| in_set(&fragment.node.selection_set.node))
}

fn in_set(set: &SelectionSet) -> bool {
    set.items.iter().any(|selection| match &selection.node {
        Selection::Field(field) => {
            matches!(field.node.name.node.as_str(), "__schema" | "__type")
                || in_set(&field.node.selection_set.node)
        }
        Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
        // The fragment itself is looked at among the document's fragments.
        Selection::FragmentSpread(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_found_wherever_it_is_asked() {
        let asks = |query: &str| {
            asks_for_the_schema(&async_graphql::parser::parse_query(query).expect("parses"))
        };
        for (query, expected) in [
            ("{ __typename apiVersion }", false),
            ("{ __schema { queryType { name } } }", true),
            ("{ t: __type(name: \"Query\") { name } }", true),
            ("{ ... on Query { __schema { types { name } } } }", true),
            (
                "{ ...F } fragment F on Query { __type(name: \"Me\") { name } }",
                true,
            ),
            (
                "query A { apiVersion } query B { __schema { description } }",
                true,
            ),
            ("{ me { __typename email } }", false),
        ] {
            assert_eq!(asks(query), expected, "{query}");
        }
    }
}
