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

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextResolve,
    NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
    VariableDefinition,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{
    Name, PathSegment, Pos, Positioned, QueryPathNode, QueryPathSegment, Request, ServerError,
    ServerResult, ValidationResult, Value, Variables,
};
use domain::ErrorKind;

use crate::ApiError;

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

/// Every argument of the operation the request runs, before anything runs: the values the
/// engine's validation lets through and its scalars would refuse in the resolver, and the
/// required variables left out. The spec coerces variables before execution, so that a
/// mutation's first field does not write when its second cannot read its input: the
/// refusal is a request error (400 under `application/graphql-response+json`, no `data`).
/// `None` also when the operation cannot be picked: the engine says why.
fn check_operation(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Option<(Refusal, Pos)> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let root = match operation.node.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => registry.mutation_type.as_deref()?,
        OperationType::Subscription => registry.subscription_type.as_deref()?,
    };
    let mut walk = Walk {
        registry,
        document,
        definitions: &operation.node.variable_definitions,
        variables,
        fragments_seen: HashSet::new(),
    };
    walk.selections(root, &operation.node.selection_set.node)
}

/// One operation's selections, each fragment once (its arguments do not depend on where
/// it is spread), so a document of repeated spreads costs its size, not its expansion.
struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    definitions: &'a [Positioned<VariableDefinition>],
    variables: &'a Variables,
    fragments_seen: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn selections(&mut self, parent: &str, set: &'a SelectionSet) -> Option<(Refusal, Pos)> {
        for selection in &set.items {
            let found = match &selection.node {
                Selection::Field(field) => self.field(parent, &field.node),
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |condition| condition.node.on.node.as_str());
                    self.selections(on, &fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let document = self.document;
                    match document.fragments.get(name) {
                        Some(fragment) if self.fragments_seen.insert(name) => self.selections(
                            fragment.node.type_condition.node.on.node.as_str(),
                            &fragment.node.selection_set.node,
                        ),
                        _ => None,
                    }
                }
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn field(&mut self, parent: &str, field: &'a Field) -> Option<(Refusal, Pos)> {
        let registry = self.registry;
        // An unknown field is the engine's validation error, reported before ours.
        let declared = registry
            .types
            .get(parent)?
            .field_by_name(field.name.node.as_str())?;
        for (name, value) in &field.arguments {
            let Some(argument) = declared.args.get(name.node.as_str()) else {
                continue;
            };
            let refusal = match value
                .node
                .clone()
                .into_const_with(|variable| self.variable(variable))
            {
                Ok(value) => {
                    let mut path = vec![name.node.to_string()];
                    find_leaf(registry, &argument.ty, &value, &mut path, &scalar_problem)
                }
                Err(variable) => Some(Refusal::at(
                    name.node.as_str(),
                    format!("valeur obligatoire (variable « ${variable} » non fournie)"),
                )),
            };
            if let Some(refusal) = refusal {
                return Some((refusal, value.pos));
            }
        }
        let child = MetaTypeName::concrete_typename(&declared.ty);
        self.selections(child, &field.selection_set.node)
    }

    /// A variable as the engine reads it (`Context::var_value`): as sent, else its default,
    /// else null when its type allows it; `Err` when required and left out.
    fn variable(&self, name: Name) -> Result<Value, Name> {
        self.definitions
            .iter()
            .find(|definition| definition.node.name.node == name)
            .and_then(|definition| {
                self.variables
                    .get(&definition.node.name.node)
                    .or_else(|| definition.node.default_value())
            })
            .cloned()
            .ok_or(name)
    }
}

/// The first leaf of `value` (of GraphQL type `ty`) that `problem` refuses, with its path.
fn find_leaf(
    registry: &Registry,
    ty: &str,
    value: &Value,
    path: &mut Vec<String>,
    problem: &dyn Fn(&str, &Value) -> Option<String>,
) -> Option<Refusal> {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => find_leaf(registry, inner, value, path, problem),
        MetaTypeName::List(inner) => match value {
            Value::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(index.to_string());
                    let found = find_leaf(registry, inner, item, path, problem);
                    path.pop();
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            // GraphQL reads a lone value where a list is expected as a list of one.
            single => find_leaf(registry, inner, single, path, problem),
        },
        MetaTypeName::Named(name) => {
            if matches!(value, Value::Null) {
                return None;
            }
            match registry.types.get(name)? {
                MetaType::Scalar { .. } => {
                    problem(name, value).map(|expected| Refusal::at(path.join("."), expected))
                }
                MetaType::InputObject { input_fields, .. } => {
                    let Value::Object(values) = value else {
                        return None;
                    };
                    for (field_name, field) in input_fields {
                        let Some(value) = values.get(field_name.as_str()) else {
                            continue;
                        };
                        path.push(field_name.clone());
                        let found = find_leaf(registry, &field.ty, value, path, problem);
                        path.pop();
                        if found.is_some() {
                            return found;
                        }
                    }
                    None
                }
                _ => None,
            }
        }
    }
}

/// What a scalar's `parse` would refuse, read the way async-graphql 7.2 reads it.
fn scalar_problem(type_name: &str, value: &Value) -> Option<String> {
    let refused = match (type_name, value) {
        ("Int", Value::Number(number)) => number
            .as_i64()
            .is_none_or(|number| i32::try_from(number).is_err()),
        ("Decimal", Value::String(text)) => rust_decimal::Decimal::from_str(text).is_err(),
        ("Decimal", Value::Number(number)) => number
            .as_f64()
            .is_some_and(|number| rust_decimal::Decimal::try_from(number).is_err()),
        ("NaiveDate", Value::String(text)) => {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err()
        }
        ("DateTime", Value::String(text)) => text.parse::<chrono::DateTime<chrono::Utc>>().is_err(),
        ("Decimal" | "NaiveDate" | "DateTime", _) => true,
        _ => false,
    };
    refused.then(|| match type_name {
        "Int" => int_between(i32::MIN.into(), i32::MAX.into()),
        other => expected_word(other).unwrap_or_default().to_owned(),
    })
}

fn int_between(min: i64, max: i64) -> String {
    format!("nombre entier attendu, entre {min} et {max}")
}

/// Built-in and common scalars in words.
fn expected_word(type_name: &str) -> Option<&'static str> {
    Some(match type_name {
        "Int" => "nombre entier attendu",
        "Float" => "nombre attendu",
        "Decimal" => "nombre décimal attendu (par exemple 12.5)",
        "NaiveDate" => "date attendue au format AAAA-MM-JJ",
        "DateTime" => {
            "date et heure attendues au format RFC 3339 (par exemple 2026-03-01T08:00:00Z)"
        }
        "String" => "texte attendu",
        "ID" => "identifiant attendu",
        "Boolean" => "booléen attendu (true ou false)",
        "JSON" => "valeur JSON attendue",
        _ => return None,
    })
}

/// What a user reads for an expected type: scalars in words, enums with their values.
fn expected_type(registry: &Registry, type_name: &str) -> String {
    let named = MetaTypeName::concrete_typename(type_name);
    if let Some(word) = expected_word(named) {
        return word.to_owned();
    }
    match registry.types.get(named) {
        Some(MetaType::Enum { enum_values, .. }) => format!(
            "une de ces valeurs attendue : {}",
            enum_values.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
        Some(MetaType::InputObject { .. }) => format!("objet « {named} » attendu"),
        _ => format!("valeur de type « {named} » attendue"),
    }
}

/// `"text" rest` → (`text`, ` rest`).
fn quoted(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('"')?;
    let end = inner.find('"')?;
    Some((&inner[..end], &inner[end + 1..]))
}

/// The validation rules' messages about argument values (`arguments_of_correct_type`,
/// `provided_non_null_arguments`).
fn reword_validation(registry: &Registry, message: &str) -> Option<Refusal> {
    if let Some(rest) = message.strip_prefix("Invalid value for argument ") {
        let (path, rest) = quoted(rest)?;
        let rest = rest.strip_prefix(", ")?;
        if let Some(rest) = rest.strip_prefix("expected type ") {
            let (ty, _) = quoted(rest)?;
            return Some(Refusal::at(path, expected_type(registry, ty)));
        }
        if let Some(rest) = rest.strip_prefix("enumeration type ") {
            let (ty, rest) = quoted(rest)?;
            let (value, _) = quoted(rest.strip_prefix(" does not contain the value ")?)?;
            return Some(Refusal::at(
                path,
                format!(
                    "valeur « {value} » inconnue ; {}",
                    expected_type(registry, ty)
                ),
            ));
        }
        if let Some(rest) = rest.strip_prefix("field ") {
            let (field, rest) = quoted(rest)?;
            if rest.ends_with("is required but not provided") {
                return Some(Refusal::at(format!("{path}.{field}"), "champ obligatoire"));
            }
        }
        if let Some(rest) = rest.strip_prefix("unknown field ") {
            let (field, _) = quoted(rest)?;
            return Some(Refusal::at(format!("{path}.{field}"), "champ inconnu"));
        }
        if rest.starts_with("Oneof") {
            return Some(Refusal::at(path, "renseignez un et un seul de ses champs"));
        }
        return Some(Refusal::at(path, "valeur invalide"));
    }
    if let Some(rest) = message.strip_prefix("Field ") {
        let (_, rest) = quoted(rest)?;
        let (argument, rest) = quoted(rest.strip_prefix(" argument ")?)?;
        if rest.ends_with("is required but not provided") {
            return Some(Refusal::at(argument, "valeur obligatoire"));
        }
    }
    None
}

/// A scalar's `parse` failing in the resolver (`Failed to parse "Int": Only integers from 0
/// to 255 are accepted.`), or a variable left out: the engine points at the argument's
/// value only, so we find the argument, then the leaf.
fn reword_parse_failure(
    registry: &Registry,
    parent_type: &str,
    field: &Field,
    variables: &Variables,
    error: &ServerError,
) -> Option<Refusal> {
    if error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some())
    {
        return None;
    }
    let pos = error.locations.first().copied();
    let argument = field
        .arguments
        .iter()
        .find(|(_, value)| Some(value.pos) == pos);
    let message = error.message.as_str();
    if let Some(rest) = message.strip_prefix("Variable ") {
        let variable = rest.strip_suffix(" is not defined.")?;
        let expected = format!("valeur obligatoire (variable « ${variable} » non fournie)");
        return Some(match argument {
            Some((name, _)) => Refusal::at(name.node.as_str(), expected),
            None => Refusal {
                field: None,
                expected,
            },
        });
    }
    let (ty, detail) = if let Some(rest) = message.strip_prefix("Failed to parse ") {
        let (ty, rest) = quoted(rest)?;
        (ty, rest.strip_prefix(": ").unwrap_or(rest))
    } else if let Some(rest) = message.strip_prefix("Expected input type ") {
        (quoted(rest)?.0, "")
    } else {
        return None;
    };
    // An unsigned `Int` answers `Invalid number` for a negative value: validation has
    // already made sure it is a whole number that fits 64 bits, so nothing else is left.
    let negative = ty == "Int" && detail.starts_with("Invalid number");
    let bounds = if negative {
        Some((0, i64::MAX))
    } else {
        integer_bounds(detail)
    };
    let expected = match bounds {
        _ if negative => "nombre entier positif ou nul attendu".to_owned(),
        Some((min, max)) if ty == "Int" => int_between(min, max),
        _ => expected_type(registry, ty),
    };
    let Some((name, value)) = argument else {
        return Some(Refusal {
            field: None,
            expected,
        });
    };
    // Narrow down to the leaf when we can tell which one the scalar refused.
    let declared = registry
        .types
        .get(parent_type)
        .and_then(|parent| parent.field_by_name(field.name.node.as_str()))
        .and_then(|meta| meta.args.get(name.node.as_str()))
        .map(|argument| argument.ty.as_str());
    let value = value
        .node
        .clone()
        .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
        .ok();
    let leaf = declared.zip(value).and_then(|(declared, value)| {
        let mut path = vec![name.node.to_string()];
        let problem = |leaf_type: &str, leaf: &Value| -> Option<String> {
            if leaf_type != ty {
                return None;
            }
            match (bounds, leaf) {
                (Some((min, max)), Value::Number(number)) => number
                    .as_i64()
                    .is_none_or(|number| number < min || number > max)
                    .then(|| expected.clone()),
                (Some(_), _) => None,
                (None, _) => scalar_problem(leaf_type, leaf),
            }
        };
        find_leaf(registry, declared, &value, &mut path, &problem)
    });
    Some(leaf.unwrap_or_else(|| Refusal::at(name.node.as_str(), expected)))
}

/// `Only integers from 0 to 255 are accepted.` → (0, 255).
fn integer_bounds(detail: &str) -> Option<(i64, i64)> {
    let range = detail
        .strip_prefix("Only integers from ")?
        .split(" are accepted")
        .next()?;
    let (min, max) = range.split_once(" to ")?;
    Some((min.trim().parse().ok()?, max.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        let mut registry = Registry::default();
        <super::super::types::RoleValue as async_graphql::InputType>::create_type_info(
            &mut registry,
        );
        registry
    }

    #[test]
    fn validation_messages_name_the_argument_in_french() {
        let registry = registry();
        let cases = [
            (
                r#"Invalid value for argument "input.lines.0.quantity", expected type "Int""#,
                "input.lines.0.quantity",
                "nombre entier attendu",
            ),
            (
                r#"Invalid value for argument "kg", expected type "Decimal""#,
                "kg",
                "nombre décimal attendu (par exemple 12.5)",
            ),
            (
                r#"Invalid value for argument "input.kind", field "name" of type "String!" is required but not provided"#,
                "input.kind.name",
                "champ obligatoire",
            ),
            (
                r#"Invalid value for argument "input", unknown field "colour" of type "PowderInput""#,
                "input.colour",
                "champ inconnu",
            ),
            (
                r#"Field "signUp" argument "input" of type "SignUpInput!" is required but not provided"#,
                "input",
                "valeur obligatoire",
            ),
        ];
        for (message, field, expected) in cases {
            assert_eq!(
                reword_validation(&registry, message),
                Some(Refusal::at(field, expected)),
                "{message}"
            );
        }
        assert_eq!(reword_validation(&registry, "Unknown field \"x\""), None);
    }

    #[test]
    fn enum_values_are_listed() {
        let refusal = reword_validation(
            &registry(),
            r#"Invalid value for argument "role", enumeration type "Role" does not contain the value "BOSS""#,
        )
        .expect("reworded");
        assert_eq!(refusal.field.as_deref(), Some("role"));
        assert!(
            refusal
                .expected
                .starts_with("valeur « BOSS » inconnue ; une de ces valeurs attendue : "),
            "{}",
            refusal.expected
        );
        assert!(refusal.expected.contains("OWNER"), "{}", refusal.expected);
    }

    #[test]
    fn scalars_are_read_as_the_engine_reads_them() {
        let int = |n: i64| Value::Number(n.into());
        let text = |t: &str| Value::String(t.to_owned());
        assert!(scalar_problem("Int", &int(2_147_483_647)).is_none());
        assert!(scalar_problem("Int", &int(99_999_999_999)).is_some());
        assert!(scalar_problem("Decimal", &text("12.5")).is_none());
        assert!(scalar_problem("Decimal", &int(3)).is_none());
        assert!(scalar_problem("Decimal", &text("12,5")).is_some());
        assert!(scalar_problem("NaiveDate", &text("2026-02-28")).is_none());
        assert!(scalar_problem("NaiveDate", &text("2026-13-01")).is_some());
        assert!(scalar_problem("DateTime", &text("2026-02-28T08:00:00Z")).is_none());
        assert!(scalar_problem("DateTime", &text("2026-02-28")).is_some());
        assert!(scalar_problem("String", &text("anything")).is_none());
    }

    #[test]
    fn integer_bounds_are_read_from_the_engine() {
        assert_eq!(
            integer_bounds("Only integers from 0 to 255 are accepted."),
            Some((0, 255))
        );
        assert_eq!(integer_bounds("Invalid number"), None);
    }
}
