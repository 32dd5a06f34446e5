//! `schemas/schema.graphql` is the contract front ends build on: it must match the code.

const CHECKED_IN: &str = include_str!("../../schemas/schema.graphql");

#[test]
fn the_checked_in_schema_matches_the_code() {
    let current = api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/schema.graphql");
        std::fs::write(path, &current).unwrap();
        return;
    }
    assert!(
        current == CHECKED_IN,
        "schemas/schema.graphql drifted from the code; review the change, then run \
         `UPDATE_SCHEMA=1 cargo nextest run -E 'test(checked_in_schema)'` to update it"
    );
}

/// The editor's schema (`/editor/graphql`) is a contract of its own.
#[test]
fn the_checked_in_editor_schema_matches_the_code() {
    let current = api::graphql::editor::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/editor.graphql");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &current).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        current == checked_in,
        "schemas/editor.graphql drifted from the code; review the change, then run \
         `UPDATE_SCHEMA=1 cargo nextest run -E 'test(checked_in_editor_schema)'` to update it"
    );
}

#[test]
fn the_checked_in_event_schemas_match_the_code() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/events");
    for (aggregate_type, schema) in domain::event_schemas() {
        let path = format!("{folder}/{aggregate_type}.json");
        let current = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &current).unwrap();
            continue;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == checked_in,
            "{path} drifted from the event types; old events must still deserialise: add a \
             version or a serde default, then run `UPDATE_SCHEMA=1 cargo nextest run -E 'test(checked_in)'`"
        );
    }
}
