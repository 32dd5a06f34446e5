//! The engine's wording, pinned: a new async-graphql that words its errors otherwise fails here.

use async_graphql::registry::Registry;

use super::*;

fn registry() -> Registry {
    let mut registry = Registry::default();
    <crate::graphql::types::RoleValue as async_graphql::InputType>::create_type_info(&mut registry);
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
