//! The engine's messages and its scalars' refusals, read the way async-graphql 7.2 writes
//! them, said again in French.

use std::str::FromStr;

use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{ServerError, Value, Variables};

use super::operation::*;
use super::Refusal;

/// What a scalar's `parse` would refuse, read the way async-graphql 7.2 reads it.
pub(super) fn scalar_problem(type_name: &str, value: &Value) -> Option<String> {
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

pub(super) fn int_between(min: i64, max: i64) -> String {
    format!("nombre entier attendu, entre {min} et {max}")
}

/// Built-in and common scalars in words.
pub(super) fn expected_word(type_name: &str) -> Option<&'static str> {
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
pub(super) fn expected_type(registry: &Registry, type_name: &str) -> String {
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
pub(super) fn quoted(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('"')?;
    let end = inner.find('"')?;
    Some((&inner[..end], &inner[end + 1..]))
}

/// The validation rules' messages about argument values (`arguments_of_correct_type`,
/// `provided_non_null_arguments`).
pub(super) fn reword_validation(registry: &Registry, message: &str) -> Option<Refusal> {
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
pub(super) fn reword_parse_failure(
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
pub(super) fn integer_bounds(detail: &str) -> Option<(i64, i64)> {
    let range = detail
        .strip_prefix("Only integers from ")?
        .split(" are accepted")
        .next()?;
    let (min, max) = range.split_once(" to ")?;
    Some((min.trim().parse().ok()?, max.trim().parse().ok()?))
}
