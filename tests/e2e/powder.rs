//! The powder catalogue over GraphQL.

use serde_json::{json, Value};
use tests::{error_code, spawn_app};

const REGISTER: &str = "mutation($input: PowderInput!) { registerPowder(input: $input) {
    id reference kind finish consumptionKgM2 formats { kg tareKg } pricePerKg updatedAt } }";
const UPDATE: &str =
    "mutation($input: PowderInput!) { updatePowder(input: $input) { reference pricePerKg name } }";
const SEARCH: &str =
    "query($search: String, $finish: FinishValue) { powders(search: $search, finish: $finish) {
    edges { node { reference finish name colour } } } }";

pub fn powder(reference: &str, finish: &str) -> Value {
    json!({
        "reference": reference, "kind": "POLYESTER", "finish": finish, "brand": "Thermopoudre",
        "name": "Gris anthracite", "colour": "RAL 7016", "densityGCm3": "1.5", "thicknessUm": "70",
        "transferEfficiency": "0.6", "cureTemperatureC": 200, "cureMinutes": 10,
        "formats": [{ "kg": "25", "tareKg": "0.8" }], "pricePerKg": "12.90",
    })
}

#[tokio::test]
async fn a_workshop_builds_and_searches_its_catalogue() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let registered = app
        .graphql_as(
            &owner.access_token,
            REGISTER,
            json!({ "input": powder(" tp 7016 b ", "GLOSS") }),
        )
        .await;
    let node = &registered["data"]["registerPowder"];
    assert_eq!(node["reference"], "TP 7016 B", "{registered}");
    assert_eq!(
        node["consumptionKgM2"], "0.175",
        "derived from density, thickness and efficiency"
    );
    assert_eq!(node["formats"][0]["tareKg"], "0.8");
    assert_eq!(node["pricePerKg"], "12.90");

    // RAL 7016 matt is another powder; RAL 7016 gloss again is a duplicate.
    let matt = app
        .graphql_as(
            &owner.access_token,
            REGISTER,
            json!({ "input": powder("TP 7016 B", "MATT") }),
        )
        .await;
    assert!(matt["errors"].is_null(), "{matt}");
    let events = app.db.event_count().await;
    let duplicate = app
        .graphql_as(
            &owner.access_token,
            REGISTER,
            json!({ "input": powder("TP 7016 B", "GLOSS") }),
        )
        .await;
    assert_eq!(error_code(&duplicate), Some("CONFLICT"), "{duplicate}");
    assert_eq!(
        duplicate["errors"][0]["extensions"]["reason"],
        "POWDER_DUPLICATE"
    );
    assert_eq!(app.db.event_count().await, events);

    let found = app
        .graphql_as(&owner.access_token, SEARCH, json!({ "search": "7016" }))
        .await;
    assert_eq!(
        found["data"]["powders"]["edges"].as_array().unwrap().len(),
        2,
        "{found}"
    );
    let gloss = app
        .graphql_as(
            &owner.access_token,
            SEARCH,
            json!({ "search": "anthracite", "finish": "GLOSS" }),
        )
        .await;
    assert_eq!(
        gloss["data"]["powders"]["edges"].as_array().unwrap().len(),
        1,
        "{gloss}"
    );
    let none = app
        .graphql_as(&owner.access_token, SEARCH, json!({ "search": "9005" }))
        .await;
    assert_eq!(none["data"]["powders"]["edges"], json!([]));

    let mut cheaper = powder("TP 7016 B", "GLOSS");
    cheaper["pricePerKg"] = json!("11.50");
    let updated = app
        .graphql_as(&owner.access_token, UPDATE, json!({ "input": cheaper }))
        .await;
    assert_eq!(
        updated["data"]["updatePowder"]["pricePerKg"], "11.50",
        "{updated}"
    );
    let changed: Value = sqlx::query_scalar(
        "select payload -> 'Updated' -> 'changed' from events where event_type = 'PowderUpdated'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(changed, json!(["price_per_kg"]));
    app.stop().await;
}

#[tokio::test]
async fn bad_powders_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let events = app.db.event_count().await;
    let mut heavy_tare = powder("TP 9005", "MATT");
    heavy_tare["formats"] = json!([{ "kg": "1", "tareKg": "1.2" }]);
    let mut no_consumption = powder("TP 9005", "MATT");
    no_consumption["transferEfficiency"] = Value::Null;
    let mut hot = powder("TP 9005", "MATT");
    hot["cureTemperatureC"] = json!(400);
    for (input, reason) in [
        (heavy_tare, "POWDER_FORMAT_INVALID"),
        (no_consumption, "POWDER_CONSUMPTION_UNKNOWN"),
        (hot, "POWDER_CURE_INVALID"),
        (powder("   ", "MATT"), "POWDER_REFERENCE_EMPTY"),
    ] {
        let response = app
            .graphql_as(&owner.access_token, REGISTER, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert_eq!(response["errors"][0]["extensions"]["reason"], reason);
    }
    let mut not_a_number = powder("TP 9005", "MATT");
    not_a_number["densityGCm3"] = json!("lourde");
    let response = app
        .graphql_as(
            &owner.access_token,
            REGISTER,
            json!({ "input": not_a_number }),
        )
        .await;
    assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
    let unknown = app
        .graphql_as(
            &owner.access_token,
            UPDATE,
            json!({ "input": powder("TP 1013", "SATIN") }),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"), "{unknown}");
    assert_eq!(app.db.event_count().await, events);
    app.stop().await;
}
