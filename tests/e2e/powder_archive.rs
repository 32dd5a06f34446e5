//! Archiving a powder: the catalogue's delete. It leaves every list, keeps its history, and
//! refuses new receptions and weighings until restored.

use serde_json::{json, Value};
use tests::{error_code, node_strings, spawn_app, TestApp};

use crate::powder::{register, CSV_HEADER, IMPORT};

const ARCHIVE: &str =
    "mutation($id: ID!) { archivePowder(powderId: $id) { reference archivedAt } }";
const RESTORE: &str =
    "mutation($id: ID!) { restorePowder(powderId: $id) { reference archivedAt } }";

async fn references(app: &TestApp, token: &str, query: &str, list: &str) -> Vec<String> {
    let response = app.graphql_as(token, query, json!({})).await;
    node_strings(&response, list, "reference")
}

fn plain_references(response: &Value, list: &str) -> Vec<String> {
    response["data"][list]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|row| row["reference"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_archived_powder_leaves_the_lists_and_keeps_its_history() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let old = register(&app, token, "TP OLD").await;
    register(&app, token, "TP NEW").await;
    let weigh = "mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: \"10.8\") { netKg } }";
    let weighed = app.graphql_as(token, weigh, json!({ "id": old })).await;
    assert_eq!(weighed["data"]["weighPowder"]["netKg"], "10.0", "{weighed}");

    let archived = app.graphql_as(token, ARCHIVE, json!({ "id": old })).await;
    assert!(
        archived["data"]["archivePowder"]["archivedAt"].is_string(),
        "{archived}"
    );
    let catalogue = "{ powders { edges { node { reference } } } }";
    assert_eq!(
        references(&app, token, catalogue, "powders").await,
        ["TP NEW"]
    );
    let everything = "{ powders(includeArchived: true) { edges { node { reference } } } }";
    assert_eq!(
        references(&app, token, everything, "powders").await,
        ["TP NEW", "TP OLD"]
    );
    let stock = "{ powderStock { edges { node { reference } } } }";
    assert_eq!(
        references(&app, token, stock, "powderStock").await,
        ["TP NEW"]
    );
    let lists = app
        .graphql_as(
            token,
            "{ toWeighToday { reference } reorderSuggestions { edges { node { reference } } } }",
            json!({}),
        )
        .await;
    assert_eq!(plain_references(&lists, "toWeighToday"), ["TP NEW"]);
    assert_eq!(
        node_strings(&lists, "reorderSuggestions", "reference"),
        ["TP NEW"]
    );

    // Its history stays readable.
    let history = app
        .graphql_as(
            token,
            "query($id: ID!) { powderWeighings(powderId: $id) { edges { node { netKg } } } }",
            json!({ "id": old }),
        )
        .await;
    assert_eq!(
        history["data"]["powderWeighings"]["edges"][0]["node"]["netKg"], "10.000",
        "{history}"
    );

    // No reception, weighing, edit or second registration; archiving twice records nothing.
    let events = app.db.event_count().await;
    let mut input = crate::powder::powder("TP OLD", "GLOSS");
    input["pricePerKg"] = json!("99");
    for (query, variables) in [
        (
            "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"5\") }",
            json!({ "id": old }),
        ),
        (weigh, json!({ "id": old })),
        (
            "mutation($input: PowderInput!) { updatePowder(input: $input) { reference } }",
            json!({ "input": input }),
        ),
        (
            "mutation($input: PowderInput!) { registerPowder(input: $input) { reference } }",
            json!({ "input": crate::powder::powder("TP OLD", "GLOSS") }),
        ),
    ] {
        let refused = app.graphql_as(token, query, variables).await;
        assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"], "POWDER_ARCHIVED",
            "{refused}"
        );
    }
    app.graphql_as(token, ARCHIVE, json!({ "id": old })).await;
    assert_eq!(app.db.event_count().await, events, "nothing written");

    // A project started before may still use it up.
    let consumed = app
        .graphql_as(
            token,
            "mutation($id: ID!) { consumePowder(powderId: $id, kg: \"2\", note: \"fin de série\") }",
            json!({ "id": old }),
        )
        .await;
    assert_eq!(consumed["data"]["consumePowder"], true, "{consumed}");

    // A supplier re-import leaves it archived.
    let csv = format!(
        "{CSV_HEADER}\nTP OLD;Polyester;Brillant;Thermopoudre;Gris;RAL 7016;1,5;70;;0,6;200;10;25:0,8;15,00\n"
    );
    let imported = app.graphql_as(token, IMPORT, json!({ "csv": csv })).await;
    assert_eq!(
        imported["data"]["importPowders"]["lines"][0]["outcome"], "archived",
        "{imported}"
    );

    let restored = app.graphql_as(token, RESTORE, json!({ "id": old })).await;
    assert_eq!(
        restored["data"]["restorePowder"]["archivedAt"],
        Value::Null,
        "{restored}"
    );
    assert_eq!(
        references(&app, token, stock, "powderStock").await,
        ["TP NEW", "TP OLD"]
    );
    app.stop().await;
}

#[tokio::test]
async fn another_workshop_cannot_archive_or_see_an_archived_powder() {
    let app = spawn_app().await;
    let both = app.two_workspaces().await;
    let secret = register(&app, &both.a.access_token, "SECRET A").await;
    let events = app.db.event_count().await;
    for query in [ARCHIVE, RESTORE] {
        let refused = app
            .graphql_as(&both.b.access_token, query, json!({ "id": secret }))
            .await;
        assert_eq!(error_code(&refused), Some("NOT_FOUND"), "{refused}");
    }
    let operator = app
        .graphql_as(
            &both.a_member.access_token,
            ARCHIVE,
            json!({ "id": secret }),
        )
        .await;
    assert_eq!(error_code(&operator), Some("FORBIDDEN"), "{operator}");
    assert_eq!(app.db.event_count().await, events);
    // Archived, A's powder is still A's alone: the archive must have happened for that to
    // be what is checked.
    let archived = app
        .graphql_as(&both.a.access_token, ARCHIVE, json!({ "id": secret }))
        .await;
    assert!(
        archived["data"]["archivePowder"]["archivedAt"].is_string(),
        "{archived}"
    );
    let seen_by_b = app
        .graphql_as(
            &both.b.access_token,
            "{ powders(includeArchived: true) { edges { node { reference } } } }",
            json!({}),
        )
        .await;
    assert!(!seen_by_b.to_string().contains("SECRET A"), "{seen_by_b}");
    app.stop().await;
}
