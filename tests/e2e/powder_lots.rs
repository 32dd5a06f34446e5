//! Stock per lot and carton format: receptions by lot, the soonest use-by date used first,
//! weighings bringing the lots in line with the scale.

use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

const RECEIVE: &str = "mutation($id: ID!, $kg: Decimal, $cartons: Int, $format: Decimal, $lot: String, $expires: NaiveDate) {
    receivePowder(powderId: $id, kg: $kg, cartons: $cartons, formatKg: $format, lot: $lot, expiresOn: $expires) }";
const LOTS: &str = "{ powderStock { edges { node { reference theoreticalKg
    lots { number formatKg receivedKg remainingKg expiresOn } } } } }";

async fn register_with_two_formats(app: &TestApp, token: &str, reference: &str) -> String {
    let mut input = crate::powder::powder(reference, "GLOSS");
    input["formats"] = json!([{ "kg": "25", "tareKg": "0.8" }, { "kg": "5", "tareKg": "0.3" }]);
    let registered = app
        .graphql_as(
            token,
            "mutation($input: PowderInput!) { registerPowder(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    registered["data"]["registerPowder"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{registered}"))
        .to_owned()
}

/// (number, remaining kg) of the first powder's lots, in use order.
async fn lots(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let response = app.graphql_as(token, LOTS, json!({})).await;
    response["data"]["powderStock"]["edges"][0]["node"]["lots"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|lot| {
            (
                lot["number"].as_str().unwrap().to_owned(),
                lot["remainingKg"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) {
    let response = app.graphql_as(token, query, variables).await;
    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test]
async fn lots_are_used_soonest_expiry_first_and_follow_the_scale() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let id = register_with_two_formats(&app, token, "TP 7016 B").await;
    ok(
        &app,
        token,
        RECEIVE,
        json!({ "id": id, "cartons": 2, "format": "25", "lot": " l-2024-a ", "expires": "2027-03-01" }),
    )
    .await;
    ok(
        &app,
        token,
        RECEIVE,
        json!({ "id": id, "kg": "20", "format": "5", "lot": "B2", "expires": "2027-01-15" }),
    )
    .await;
    let response = app.graphql_as(token, LOTS, json!({})).await;
    let node = &response["data"]["powderStock"]["edges"][0]["node"];
    assert_eq!(node["theoreticalKg"], "70.000", "{response}");
    assert_eq!(
        node["lots"][0],
        json!({ "number": "B2", "formatKg": "5.000", "receivedKg": "20.000", "remainingKg": "20.000", "expiresOn": "2027-01-15" }),
        "the soonest use-by date first"
    );
    assert_eq!(node["lots"][1]["number"], "L-2024-A", "normalised");
    assert_eq!(
        node["lots"][1]["receivedKg"], "50.000",
        "two cartons of 25 kg"
    );

    let consume = "mutation($id: ID!, $kg: Decimal!) { consumePowder(powderId: $id, kg: $kg, note: \"série\") }";
    ok(&app, token, consume, json!({ "id": id, "kg": "12" })).await;
    assert_eq!(
        lots(&app, token).await,
        [
            ("B2".into(), "8.000".into()),
            ("L-2024-A".into(), "50.000".into())
        ]
    );
    ok(&app, token, consume, json!({ "id": id, "kg": "10" })).await;
    assert_eq!(
        lots(&app, token).await,
        [("L-2024-A".to_owned(), "48.000".to_owned())],
        "an empty lot leaves the list; the rest came from the next one"
    );

    // The scale finds 40 kg: 8 kg went missing, from the lot in use.
    let weigh = "mutation($id: ID!, $gross: Decimal!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: $gross) { netKg } }";
    ok(&app, token, weigh, json!({ "id": id, "gross": "40.8" })).await;
    assert_eq!(
        lots(&app, token).await,
        [("L-2024-A".to_owned(), "40.000".to_owned())]
    );
    // Then 45 kg: the 5 kg surplus was over-counted consumption, back to the lot in use.
    ok(&app, token, weigh, json!({ "id": id, "gross": "45.8" })).await;
    assert_eq!(
        lots(&app, token).await,
        [("L-2024-A".to_owned(), "45.000".to_owned())]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_weighing_without_any_reception_opens_an_unnamed_lot() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let id = register_with_two_formats(&app, token, "TP 9005").await;
    let weigh = "mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"5\", grossKg: \"3.3\") { netKg } }";
    ok(&app, token, weigh, json!({ "id": id })).await;
    let response = app.graphql_as(token, LOTS, json!({})).await;
    assert_eq!(
        response["data"]["powderStock"]["edges"][0]["node"]["lots"],
        json!([{ "number": "", "formatKg": "5.000", "receivedKg": "3.000", "remainingKg": "3.000", "expiresOn": null }]),
        "{response}"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_receptions_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let id = register_with_two_formats(&app, token, "TP 7016 B").await;
    let events = app.db.event_count().await;
    for (variables, reason) in [
        (
            json!({ "id": id, "cartons": 2 }),
            "RECEPTION_QUANTITY_INVALID",
        ),
        (
            json!({ "id": id, "kg": "10", "cartons": 2, "format": "5" }),
            "RECEPTION_QUANTITY_INVALID",
        ),
        (json!({ "id": id }), "RECEPTION_QUANTITY_INVALID"),
        (
            json!({ "id": id, "cartons": 2, "format": "10" }),
            "POWDER_FORMAT_UNKNOWN",
        ),
        (
            json!({ "id": id, "kg": "10", "lot": "X".repeat(41) }),
            "LOT_NUMBER_TOO_LONG",
        ),
        (json!({ "id": id, "kg": "-3" }), "QUANTITY_NOT_POSITIVE"),
        (
            json!({ "id": id, "cartons": 0, "format": "25" }),
            "QUANTITY_NOT_POSITIVE",
        ),
    ] {
        let response = app.graphql_as(token, RECEIVE, variables).await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert_eq!(
            response["errors"][0]["extensions"]["reason"], reason,
            "{response}"
        );
    }
    assert_eq!(app.db.event_count().await, events, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn lots_stay_in_their_workshop() {
    let app = spawn_app().await;
    let both = app.two_workspaces().await;
    let id = register_with_two_formats(&app, &both.a.access_token, "SECRET A").await;
    ok(
        &app,
        &both.a.access_token,
        RECEIVE,
        json!({ "id": id, "kg": "25", "lot": "LOT-SECRET-A" }),
    )
    .await;
    register_with_two_formats(&app, &both.b.access_token, "PUBLIC B").await;
    let b = app.graphql_as(&both.b.access_token, LOTS, json!({})).await;
    assert!(b["errors"].is_null(), "{b}");
    assert!(!b.to_string().contains("SECRET"), "{b}");
    let refused = app
        .graphql_as(
            &both.b.access_token,
            RECEIVE,
            json!({ "id": id, "kg": "25", "lot": "INTRUS" }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("NOT_FOUND"), "{refused}");
    assert_eq!(
        lots(&app, &both.a.access_token).await,
        [("LOT-SECRET-A".to_owned(), "25.000".to_owned())]
    );
    app.stop().await;
}
