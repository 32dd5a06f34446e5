//! The check before anything runs: every argument of the operation, its variables
//! coerced, each fragment walked once.

use std::collections::HashSet;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
    VariableDefinition,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Pos, Positioned, Value, Variables};

use super::wording::*;
use super::Refusal;

/// Every argument of the operation the request runs, before anything runs: the values the
/// engine's validation lets through and its scalars would refuse in the resolver, and the
/// required variables left out. The spec coerces variables before execution, so that a
/// mutation's first field does not write when its second cannot read its input: the
/// refusal is a request error (400 under `application/graphql-response+json`, no `data`).
/// `None` also when the operation cannot be picked: the engine says why.
pub(super) fn check_operation(
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
pub(super) struct Walk<'a> {
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
pub(super) fn find_leaf(
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
