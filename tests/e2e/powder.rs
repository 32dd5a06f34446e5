//! The powder catalogue over GraphQL.

use serde_json::{json, Value};
use tests::{error_code, node_strings, spawn_app};

const REGISTER: &str = "mutation($input: PowderInput!) { registerPowder(input: $input) {
    id reference kind finish consumptionKgM2 formats { kg tareKg } pricePerKg updatedAt } }";
const UPDATE: &str =
    "mutation($input: PowderInput!) { updatePowder(input: $input) { reference pricePerKg name } }";
const SEARCH: &str =
    "query($search: String, $finish: FinishValue) { powders(search: $search, finish: $finish) {
    edges { node { reference finish name colour } } } }";

pub(crate) fn powder(reference: &str, finish: &str) -> Value {
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

const STOCK: &str = "{ powderStock { edges { node { powderId reference theoreticalKg weighedKg usedSinceWeighingKg reliability } } } }";

pub(crate) async fn register(app: &tests::TestApp, token: &str, reference: &str) -> String {
    let registered = app
        .graphql_as(
            token,
            REGISTER,
            json!({ "input": powder(reference, "GLOSS") }),
        )
        .await;
    registered["data"]["registerPowder"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{registered}"))
        .to_owned()
}

#[tokio::test]
async fn receptions_consumption_and_weighings_keep_the_stock_right() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let id = register(&app, &owner.access_token, "TP 7016 B").await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;

    let received = app
        .graphql_as(
            &owner.access_token,
            "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"25\") }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(received["data"]["receivePowder"], true, "{received}");
    let consumed = app
        .graphql_as(
            &operator.access_token,
            "mutation($id: ID!) { consumePowder(powderId: $id, kg: \"3.5\", note: \"panneau d'essai\") }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(consumed["data"]["consumePowder"], true, "{consumed}");
    let stock = app.graphql_as(&owner.access_token, STOCK, json!({})).await;
    let row = &stock["data"]["powderStock"]["edges"][0]["node"];
    assert_eq!(
        (
            row["theoreticalKg"].as_str(),
            row["usedSinceWeighingKg"].as_str()
        ),
        (Some("21.500"), Some("3.500")),
        "{stock}"
    );
    assert!(row["reliability"].is_null(), "no weighing yet");

    // 21 kg on the scale, carton tare 0.8: 20.2 kg left, 1.3 kg short of theory.
    let weighed = app
        .graphql_as(
            &operator.access_token,
            "mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: \"21\") { netKg gapKg theoreticalKg reliability } }",
            json!({ "id": id }),
        )
        .await;
    let weighing = &weighed["data"]["weighPowder"];
    assert_eq!(weighing["netKg"], "20.2", "{weighed}");
    assert_eq!(weighing["gapKg"], "-1.300");
    assert_eq!(weighing["reliability"], 76, "1.3 / 21.5 = 6 % gap");
    let stock = app.graphql_as(&owner.access_token, STOCK, json!({})).await;
    let row = &stock["data"]["powderStock"]["edges"][0]["node"];
    let kg = |value: &Value| {
        value
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    assert_eq!(
        kg(&row["theoreticalKg"]),
        rust_decimal::Decimal::new(202, 1),
        "{stock}"
    );
    assert_eq!(kg(&row["weighedKg"]), rust_decimal::Decimal::new(202, 1));
    assert!(kg(&row["usedSinceWeighingKg"]).is_zero());
    let (gross, by): (rust_decimal::Decimal, Option<uuid::Uuid>) =
        sqlx::query_as("select gross_kg, weighed_by from powder_weighing")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(gross.to_string(), "21.000");
    assert_eq!(
        by,
        Some(operator.account_id),
        "the history says who weighed"
    );
    let history = app
        .graphql_as(
            &owner.access_token,
            "query($id: ID!) { powderWeighings(powderId: $id) { edges { node { weighedBy grossKg tareKg netKg gapKg } } } }",
            json!({ "id": id }),
        )
        .await;
    let entry = &history["data"]["powderWeighings"]["edges"][0]["node"];
    assert_eq!(
        entry["weighedBy"],
        operator.account_id.to_string(),
        "{history}"
    );
    assert_eq!(
        entry["tareKg"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap(),
        rust_decimal::Decimal::new(8, 1)
    );
    app.stop().await;
}

#[tokio::test]
async fn impossible_weighings_and_movements_are_refused() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let id = register(&app, &owner.access_token, "TP 7016 B").await;
    let events = app.db.event_count().await;
    for (query, reason) in [
        ("mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: \"0.5\") { netKg } }", "WEIGHT_BELOW_TARE"),
        ("mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"20\", grossKg: \"12\") { netKg } }", "POWDER_FORMAT_UNKNOWN"),
        ("mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: \"-3\") { netKg } }", "WEIGHT_NEGATIVE"),
        ("mutation($id: ID!) { receivePowder(powderId: $id, kg: \"-5\") }", "QUANTITY_NOT_POSITIVE"),
    ] {
        let response = app.graphql_as(&owner.access_token, query, json!({ "id": id })).await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert_eq!(response["errors"][0]["extensions"]["reason"], reason);
    }
    let unknown = app
        .graphql_as(
            &owner.access_token,
            "mutation { receivePowder(powderId: \"powder/x/epoxy/matt\", kg: \"5\") }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"), "{unknown}");
    assert_eq!(app.db.event_count().await, events);
    app.stop().await;
}

#[tokio::test]
async fn the_daily_list_starts_with_the_most_used_and_stays_the_same_all_day() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let mut ids = Vec::new();
    for reference in ["TP 1013", "TP 5010", "TP 7016", "TP 9005", "TP 9010"] {
        ids.push(register(&app, &owner.access_token, reference).await);
    }
    app.graphql_as(
        &owner.access_token,
        "mutation($id: ID!) { consumePowder(powderId: $id, kg: \"8\", note: \"série\") }",
        json!({ "id": ids[3] }),
    )
    .await;
    let query = "{ toWeighToday { powderId reference } }";
    let first = app.graphql_as(&owner.access_token, query, json!({})).await;
    let list = first["data"]["toWeighToday"]
        .as_array()
        .unwrap_or_else(|| panic!("{first}"));
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[0]["reference"], "TP 9005",
        "the most used since its last weighing"
    );
    let again = app.graphql_as(&owner.access_token, query, json!({})).await;
    assert_eq!(again, first, "the same list all day");
    app.stop().await;
}

#[tokio::test]
async fn who_may_move_stock() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let id = register(&app, &owner.access_token, "TP 7016 B").await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let accounting = app
        .add_member(owner.workspace_id, domain::Role::Accounting)
        .await;
    let receive = "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"5\") }";
    let weigh = "mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: \"3\") { netKg } }";
    for (token, query, code) in [
        (&operator.access_token, receive, Some("FORBIDDEN")),
        (&accounting.access_token, weigh, Some("FORBIDDEN")),
        (&operator.access_token, weigh, None),
        (&owner.access_token, receive, None),
    ] {
        let events = app.db.event_count().await;
        let response = app.graphql_as(token, query, json!({ "id": id })).await;
        assert_eq!(error_code(&response), code, "{response}");
        if code.is_some() {
            assert_eq!(app.db.event_count().await, events);
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn reorder_suggestions_forecast_the_stock_out_and_round_to_cartons() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let busy = register(&app, &owner.access_token, "TP 7016 B").await;
    register(&app, &owner.access_token, "TP 9010").await;
    app.graphql_as(
        &owner.access_token,
        "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"70\") }",
        json!({ "id": busy }),
    )
    .await;
    // 60 kg used in the 30-day window: 2 kg a day; 10 kg left: 5 days.
    app.graphql_as(
        &owner.access_token,
        "mutation($id: ID!) { consumePowder(powderId: $id, kg: \"60\", note: \"séries de la semaine\") }",
        json!({ "id": busy }),
    )
    .await;
    let suggestions = app
        .graphql_as(
            &owner.access_token,
            "{ reorderSuggestions { edges { node { reference stockKg consumedKg daysLeft quantityKg lowStock } } } }",
            json!({}),
        )
        .await;
    let list: Vec<&Value> = suggestions["data"]["reorderSuggestions"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{suggestions}"))
        .iter()
        .map(|edge| &edge["node"])
        .collect();
    assert_eq!(list.len(), 2);
    let first = &list[0];
    assert_eq!(first["reference"], "TP 7016 B", "the most urgent first");
    assert_eq!(first["daysLeft"], 5);
    assert_eq!(first["lowStock"], true, "5 days left, 7 days of lead time");
    assert_eq!(
        first["quantityKg"], "75",
        "2 × 37 − 10 = 64 kg: three 25 kg cartons"
    );
    assert!(
        list[1]["daysLeft"].is_null(),
        "an unused powder has no forecast"
    );

    // Pages in the same order; only the low ones on request; a foreign cursor is refused.
    let page = "query($after: String, $low: Boolean) {
        reorderSuggestions(first: 1, after: $after, lowStockOnly: $low) {
          edges { node { reference } } pageInfo { hasNextPage endCursor } } }";
    let first_page = app.graphql_as(&owner.access_token, page, json!({})).await;
    assert_eq!(
        node_strings(&first_page, "reorderSuggestions", "reference"),
        ["TP 7016 B"]
    );
    let info = &first_page["data"]["reorderSuggestions"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    let second_page = app
        .graphql_as(
            &owner.access_token,
            page,
            json!({ "after": info["endCursor"] }),
        )
        .await;
    assert_eq!(
        node_strings(&second_page, "reorderSuggestions", "reference"),
        ["TP 9010"]
    );
    assert_eq!(
        second_page["data"]["reorderSuggestions"]["pageInfo"]["hasNextPage"],
        false
    );
    let low = app
        .graphql_as(&owner.access_token, page, json!({ "low": true }))
        .await;
    assert_eq!(
        node_strings(&low, "reorderSuggestions", "reference"),
        ["TP 7016 B"]
    );
    let foreign = app
        .graphql_as(
            &owner.access_token,
            page,
            json!({ "after": "powder/elsewhere/epoxy/matt" }),
        )
        .await;
    assert_eq!(error_code(&foreign), Some("VALIDATION"), "{foreign}");
    app.stop().await;
}

#[tokio::test]
async fn a_partial_inventory_targets_powders_and_follows_the_weighings() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let weighed = register(&app, &owner.access_token, "TP 7016 B").await;
    register(&app, &owner.access_token, "TP 9010").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let plan = "mutation($from: NaiveDate!, $to: NaiveDate!) { planInventory(name: \"Saison haute\", startsOn: $from, endsOn: $to) {
        id name weighed total gapKg powderIds closedAt } }";
    let bad = app
        .graphql_as(&owner.access_token, plan, json!({ "from": today.to_string(), "to": (today - chrono::Duration::days(1)).to_string() }))
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["reason"], "INVENTORY_PERIOD_INVALID",
        "{bad}"
    );
    let planned = app
        .graphql_as(&owner.access_token, plan, json!({ "from": today.to_string(), "to": (today + chrono::Duration::days(14)).to_string() }))
        .await;
    let inventory = &planned["data"]["planInventory"];
    assert_eq!(inventory["total"], 2, "{planned}");
    assert_eq!(inventory["weighed"], 0);
    let id = inventory["id"].as_str().unwrap().to_owned();

    app.graphql_as(
        &owner.access_token,
        "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"25\") }",
        json!({ "id": weighed }),
    )
    .await;
    app.graphql_as(
        &owner.access_token,
        "mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: \"24.8\") { netKg } }",
        json!({ "id": weighed }),
    )
    .await;
    let listed = app
        .graphql_as(
            &owner.access_token,
            "{ inventories { edges { node { id weighed total gapKg } } } }",
            json!({}),
        )
        .await;
    let progress = &listed["data"]["inventories"]["edges"][0]["node"];
    assert_eq!(
        (progress["weighed"].as_i64(), progress["total"].as_i64()),
        (Some(1), Some(2)),
        "{listed}"
    );
    assert_eq!(
        progress["gapKg"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap(),
        rust_decimal::Decimal::new(-1, 0)
    );

    let close = "mutation($id: ID!) { closeInventory(id: $id) { closedAt } }";
    let closed = app
        .graphql_as(&owner.access_token, close, json!({ "id": id }))
        .await;
    assert!(
        closed["data"]["closeInventory"]["closedAt"].is_string(),
        "{closed}"
    );
    let again = app
        .graphql_as(&owner.access_token, close, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    app.stop().await;
}

#[tokio::test]
async fn the_stock_list_pages_by_reference_and_stays_in_its_workshop() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let other = app.sign_up("Voisin", "gerant@voisin.fr").await;
    for reference in ["TP 9010", "TP 7016 B", "TP 3020"] {
        register(&app, &owner.access_token, reference).await;
    }
    register(&app, &other.access_token, "TP 1015").await;
    let page = "query($after: String) { powderStock(first: 2, after: $after) {
        pageInfo { hasNextPage } edges { cursor node { reference } } } }";
    let references = |response| node_strings(response, "powderStock", "reference");
    let first = app
        .graphql_as(&owner.access_token, page, json!({ "after": null }))
        .await;
    assert_eq!(references(&first), ["TP 3020", "TP 7016 B"], "{first}");
    assert_eq!(
        first["data"]["powderStock"]["pageInfo"]["hasNextPage"],
        true
    );
    let cursor = first["data"]["powderStock"]["edges"][1]["cursor"].clone();
    let second = app
        .graphql_as(&owner.access_token, page, json!({ "after": cursor }))
        .await;
    assert_eq!(references(&second), ["TP 9010"], "{second}");
    assert_eq!(
        second["data"]["powderStock"]["pageInfo"]["hasNextPage"],
        false
    );

    // The neighbour sees only its own powder, and a foreign cursor opens nothing.
    let theirs = app
        .graphql_as(&other.access_token, page, json!({ "after": null }))
        .await;
    assert_eq!(references(&theirs), ["TP 1015"], "{theirs}");
    let theirs = app
        .graphql_as(&other.access_token, page, json!({ "after": cursor }))
        .await;
    assert!(references(&theirs).is_empty(), "{theirs}");
    app.stop().await;
}

#[tokio::test]
async fn inventories_page_newest_first_and_stay_in_their_workshop() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let other = app.sign_up("Voisin", "gerant@voisin.fr").await;
    register(&app, &owner.access_token, "TP 7016 B").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let plan = "mutation($name: String!, $from: NaiveDate!, $to: NaiveDate!) { planInventory(name: $name, startsOn: $from, endsOn: $to) { id } }";
    for name in ["Semaine 1", "Semaine 2", "Semaine 3"] {
        let planned = app
            .graphql_as(
                &owner.access_token,
                plan,
                json!({ "name": name, "from": today.to_string(), "to": today.to_string() }),
            )
            .await;
        assert!(
            planned["data"]["planInventory"]["id"].is_string(),
            "{planned}"
        );
    }
    let page = "query($after: String) { inventories(first: 2, after: $after) {
        pageInfo { hasNextPage } edges { cursor node { name plannedAt } } } }";
    let first = app
        .graphql_as(&owner.access_token, page, json!({ "after": null }))
        .await;
    let names = |response| node_strings(response, "inventories", "name");
    assert_eq!(names(&first), ["Semaine 3", "Semaine 2"], "{first}");
    assert_eq!(
        first["data"]["inventories"]["pageInfo"]["hasNextPage"],
        true
    );
    let cursor = first["data"]["inventories"]["edges"][1]["cursor"].clone();
    let second = app
        .graphql_as(&owner.access_token, page, json!({ "after": cursor }))
        .await;
    assert_eq!(names(&second), ["Semaine 1"], "{second}");
    assert_eq!(
        second["data"]["inventories"]["pageInfo"]["hasNextPage"],
        false
    );

    let bad = app
        .graphql_as(
            &owner.access_token,
            page,
            json!({ "after": "pas-un-curseur" }),
        )
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"), "{bad}");

    // The neighbour sees none of them, even with a cursor taken from the first workshop.
    let theirs = app
        .graphql_as(&other.access_token, page, json!({ "after": null }))
        .await;
    assert!(names(&theirs).is_empty(), "{theirs}");
    let theirs = app
        .graphql_as(&other.access_token, page, json!({ "after": cursor }))
        .await;
    assert!(names(&theirs).is_empty(), "{theirs}");
    app.stop().await;
}

pub(crate) const IMPORT: &str = "mutation($csv: String!) { importPowders(csv: $csv) { created updated unchanged lines { reference outcome } } }";
pub(crate) const CSV_HEADER: &str = "reference;type;finition;marque;nom;couleur;densite;epaisseur_um;consommation_kg_m2;rendement;cuisson_c;cuisson_min;formats;prix_kg";

#[tokio::test]
async fn a_supplier_catalogue_imports_then_reimports_what_changed() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let first = format!(
        "{CSV_HEADER}\nTP 7016 B;Polyester;Brillant;Thermopoudre;Gris anthracite;RAL 7016;1,5;70;;0,6;200;10;25:0,8;12,90\n\
         TP 9010 M;Polyester;Mat;Thermopoudre;Blanc pur;RAL 9010;1,6;80;;0,6;190;12;25:0,8|5:0,3;11,40\n"
    );
    let imported = app
        .graphql_as(&owner.access_token, IMPORT, json!({ "csv": first }))
        .await;
    let report = &imported["data"]["importPowders"];
    assert_eq!(
        (report["created"].as_i64(), report["updated"].as_i64()),
        (Some(2), Some(0)),
        "{imported}"
    );
    let search = app
        .graphql_as(&owner.access_token, SEARCH, json!({ "search": "RAL 9010" }))
        .await;
    assert_eq!(
        search["data"]["powders"]["edges"].as_array().unwrap().len(),
        1,
        "{search}"
    );

    // The supplier raised one price: one update, recorded with its field; the other unchanged.
    let second = first.replace("12,90", "13,40");
    let again = app
        .graphql_as(&owner.access_token, IMPORT, json!({ "csv": second }))
        .await;
    let report = &again["data"]["importPowders"];
    assert_eq!(
        (report["updated"].as_i64(), report["unchanged"].as_i64()),
        (Some(1), Some(1)),
        "{again}"
    );
    assert_eq!(
        report["lines"][0],
        json!({ "reference": "TP 7016 B", "outcome": "updated" })
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
async fn one_bad_line_refuses_the_whole_file() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let events = app.db.event_count().await;
    let file = format!(
        "{CSV_HEADER}\nTP 7016 B;Polyester;Brillant;Thermopoudre;Gris;RAL 7016;1,5;70;;0,6;200;10;25:0,8;12,90\n\
         TP 9010 M;Polyester;Mat;Thermopoudre;Blanc;RAL 9010;lourde;80;;0,6;190;12;25:0,8;11,40\n"
    );
    let refused = app
        .graphql_as(&owner.access_token, IMPORT, json!({ "csv": file }))
        .await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"],
        "IMPORT_CELL_INVALID"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ligne 3, colonne densite"),
        "{refused}"
    );
    assert_eq!(
        app.db.event_count().await,
        events,
        "not even the good first line"
    );
    app.stop().await;
}

/// A stand-in for the supplier's PrestaShop webservice: a JSON export of its powders.
async fn supplier_stub() -> String {
    let app = axum::Router::new().route(
        "/api/products",
        axum::routing::get(|axum::extract::RawQuery(query): axum::extract::RawQuery| async move {
            let query = query.unwrap_or_default();
            assert!(query.contains("output_format=JSON"), "{query}");
            let product = |reference: &str, finish: &str, price: &str| {
                json!({ "reference": reference, "name": format!("Poudre {reference}"), "price": price,
                        "manufacturer_name": "Thermopoudre",
                        "features": { "type": "Polyester", "finition": finish, "couleur": "RAL 7016", "densite": "1,5",
                                      "epaisseur_um": "70", "rendement": "0,6", "cuisson_c": "200", "cuisson_min": "10" },
                        "formats": [{ "kg": "25", "tare": "0,8" }] })
            };
            let all = vec![product("TP 7016 B", "Brillant", "12.90"), product("TP 7016 M", "Mat", "12.50")];
            let decoded = reqwest::Url::parse(&format!("http://stub/?{query}")).unwrap();
            let filter = decoded.query_pairs().find(|(name, _)| name == "filter[reference]").map(|(_, value)| value.into_owned());
            let products: Vec<Value> = match filter {
                Some(filter) => all.into_iter().filter(|p| format!("[{}]", p["reference"].as_str().unwrap()) == filter).collect(),
                None => all,
            };
            axum::Json(json!({ "products": products }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/api/products", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test]
async fn the_supplier_catalogue_fills_and_imports_powders() {
    let supplier = supplier_stub().await;
    let app = tests::spawn_app_with(&[("SUPPLIER_CATALOGUE_URL", supplier)]).await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let lookup = app
        .graphql_as(
            &owner.access_token,
            "{ lookupSupplierPowder(reference: \"tp 7016 b\") { reference finish brand consumptionKgM2 formats { kg tareKg } pricePerKg } }",
            json!({}),
        )
        .await;
    let found = &lookup["data"]["lookupSupplierPowder"];
    assert_eq!(found["reference"], "TP 7016 B", "{lookup}");
    assert_eq!(found["finish"], "gloss");
    assert_eq!(found["consumptionKgM2"], "0.175");
    let missing = app
        .graphql_as(
            &owner.access_token,
            "{ lookupSupplierPowder(reference: \"TP 0000\") { reference } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");

    let imported = app
        .graphql_as(
            &owner.access_token,
            "mutation { importSupplierCatalogue { created updated unchanged } }",
            json!({}),
        )
        .await;
    assert_eq!(
        imported["data"]["importSupplierCatalogue"]["created"], 2,
        "{imported}"
    );
    let again = app
        .graphql_as(
            &owner.access_token,
            "mutation { importSupplierCatalogue { created updated unchanged } }",
            json!({}),
        )
        .await;
    assert_eq!(
        again["data"]["importSupplierCatalogue"]["unchanged"], 2,
        "{again}"
    );
    app.stop().await;
}

#[tokio::test]
async fn without_a_supplier_the_lookup_says_so() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let lookup = app
        .graphql_as(
            &owner.access_token,
            "{ lookupSupplierPowder(reference: \"TP 7016 B\") { reference } }",
            json!({}),
        )
        .await;
    assert_eq!(
        lookup["errors"][0]["extensions"]["reason"], "SUPPLIER_NOT_CONFIGURED",
        "{lookup}"
    );
    app.stop().await;
}

/// The catalogue's URL may hold the shop's webservice key: an unreachable or garbled
/// catalogue says so without it.
#[tokio::test]
async fn a_failing_supplier_catalogue_never_shows_its_key() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let garbled = axum::Router::new().route(
        "/api/products",
        axum::routing::get(|| async { "<html>pas du JSON</html>" }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let garbled_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, garbled).await.unwrap() });
    for (port, reason) in [
        (closed, "SUPPLIER_UNREACHABLE"),
        (garbled_port, "SUPPLIER_EXPORT_INVALID"),
    ] {
        let url = format!("http://127.0.0.1:{port}/api/products?ws_key=CLE-SECRETE-PRESTASHOP");
        let app = tests::spawn_app_with(&[("SUPPLIER_CATALOGUE_URL", url)]).await;
        let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
        let lookup = app
            .graphql_as(
                &owner.access_token,
                "{ lookupSupplierPowder(reference: \"TP 7016 B\") { reference } }",
                json!({}),
            )
            .await;
        assert_eq!(
            lookup["errors"][0]["extensions"]["reason"], reason,
            "{lookup}"
        );
        let text = lookup.to_string();
        assert!(
            !text.contains("CLE-SECRETE") && !text.contains("ws_key"),
            "{text}"
        );
        app.stop().await;
    }
}
