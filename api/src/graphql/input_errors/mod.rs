//! Refused input values, in French and pointing at the field.
//!
//! async-graphql checks arguments in two places and words both in English without a code:
//! its validation rules (wrong JSON type, unknown enum value, missing field or argument),
//! which know the argument's path, and each scalar's `parse` while the resolver runs (an
//! `Int` beyond 32 bits, a `Decimal` or a date that does not read), which does not. This
//! extension rewords the first, checks the scalars we use in the whole operation once it
//! validates, before anything runs (and the required variables left out: the spec's
//! variable coercion), and rewords what still slips through in the resolver (a `u8` above
//! 255). Every such error is `VALIDATION` / `INPUT_INVALID` with `extensions.field`
//! (`input.lines.0.quantity`); those found before execution are request errors (400
//! without `data` under `application/graphql-response+json`, `http::graphql_http`).
//!
//! The engine's messages are matched by their exact wording in async-graphql 7.2 (a unit
//! test pins them); one we do not recognise is left to `http::label_engine_error`, which
//! still gives it a code.

mod operation;
mod wording;

use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextResolve,
    NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    PathSegment, Pos, QueryPathNode, QueryPathSegment, Request, ServerError, ServerResult,
    ValidationResult, Value, Variables,
};
use domain::ErrorKind;

use crate::ApiError;

use operation::*;
use wording::*;

/// `extensions.reason` of every refused input value.
pub const REASON: &str = "INPUT_INVALID";

/// Registered on the schema: one checker per request, holding its variables.
pub struct InputErrors;

impl ExtensionFactory for InputErrors {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Checker::default())
    }
}

#[derive(Default)]
struct Checker {
    /// The request's variables: `ResolveInfo` gives the arguments as written (`$input`).
    variables: OnceLock<Variables>,
    /// The operation the request names, which decides the variables' definitions.
    operation_name: OnceLock<Option<String>>,
    /// What the operation's arguments refuse, found once parsed, said once validated: the
    /// engine's own validation errors come first, as the spec orders them.
    refused: OnceLock<(Refusal, Pos)>,
}

#[async_trait::async_trait]
impl Extension for Checker {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let _ = self.variables.set(request.variables.clone());
        let _ = self.operation_name.set(request.operation_name.clone());
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let operation_name = self.operation_name.get().and_then(Option::as_deref);
        let registry = &ctx.schema_env.registry;
        if let Some(refused) = check_operation(registry, &document, operation_name, variables) {
            let _ = self.refused.set(refused);
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let validated = next.run(ctx).await.map_err(|errors| {
            let registry = &ctx.schema_env.registry;
            errors
                .into_iter()
                .map(|error| match reword_validation(registry, &error.message) {
                    Some(refusal) => refusal.replacing(&error),
                    None => error,
                })
                .collect::<Vec<_>>()
        })?;
        match self.refused.get() {
            Some((refusal, pos)) => Err(vec![refusal.error(*pos)]),
            None => Ok(validated),
        }
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.is_for_introspection || info.field.arguments.is_empty() {
            return next.run(ctx, info).await;
        }
        let registry = &ctx.schema_env.registry;
        let empty = Variables::default();
        let variables = self.variables.get().unwrap_or(&empty);
        let path = response_path(info.path_node);
        let (parent_type, field) = (info.parent_type, info.field);
        next.run(ctx, info).await.map_err(|error| {
            match reword_parse_failure(registry, parent_type, field, variables, &error) {
                Some(refusal) => {
                    let mut reworded = refusal.replacing(&error);
                    if reworded.path.is_empty() {
                        reworded.path = path;
                    }
                    reworded
                }
                None => error,
            }
        })
    }
}

/// A refused value: where (`None` when the engine did not say), and what was expected, in
/// French and without the argument's name.
#[derive(Debug, PartialEq)]
struct Refusal {
    field: Option<String>,
    expected: String,
}

impl Refusal {
    fn at(field: impl Into<String>, expected: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            expected: expected.into(),
        }
    }

    fn message(&self) -> String {
        match &self.field {
            Some(field) => format!("argument « {field} » : {}", self.expected),
            None => format!("valeur invalide : {}", self.expected),
        }
    }

    fn error(&self, pos: Pos) -> ServerError {
        let mut error = ApiError::new(ErrorKind::Validation, REASON, self.message());
        if let Some(field) = &self.field {
            error = error.with_field(field.clone());
        }
        async_graphql::Error::from(error).into_server_error(pos)
    }

    /// Replaces the engine's message and extensions, keeps its locations and path.
    fn replacing(&self, original: &ServerError) -> ServerError {
        let mut error = self.error(original.locations.first().copied().unwrap_or_default());
        error.locations = original.locations.clone();
        error.path = original.path.clone();
        error
    }
}

fn response_path(node: &QueryPathNode<'_>) -> Vec<PathSegment> {
    let mut path = Vec::new();
    let mut current = Some(node);
    while let Some(node) = current {
        path.push(match node.segment {
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            QueryPathSegment::Index(index) => PathSegment::Index(index),
        });
        current = node.parent;
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests;
