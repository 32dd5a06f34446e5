//! The workshop's stock settings: the daily list size and the reorder horizon they set.

use serde_json::json;
use tests::{error_code, spawn_app};

use crate::powder::register;

const SETTINGS: &str =
    "{ stockSettings { dailyListSize windowDays leadTimeDays coverDays lowStockAlerts } }";
const UPDATE: &str = "mutation($input: StockSettingsInput!) { updateStockSettings(input: $input) {
    dailyListSize windowDays leadTimeDays coverDays lowStockAlerts } }";

fn settings(daily_list_size: u8, lead_time_days: u16) -> serde_json::Value {
    json!({ "input": {
        "dailyListSize": daily_list_size, "windowDays": 30, "leadTimeDays": lead_time_days,
        "coverDays": 30, "lowStockAlerts": true,
    } })
}

#[tokio::test]
async fn the_daily_list_size_and_the_horizon_come_from_the_settings() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let defaults = app.graphql_as(token, SETTINGS, json!({})).await;
    assert_eq!(
        defaults["data"]["stockSettings"],
        json!({ "dailyListSize": 3, "windowDays": 30, "leadTimeDays": 7, "coverDays": 30, "lowStockAlerts": true }),
        "{defaults}"
    );
    for reference in ["TP 1", "TP 2", "TP 3", "TP 4", "TP 5", "TP 6"] {
        register(&app, token, reference).await;
    }
    let list = "{ toWeighToday { powderId } }";
    let today = app.graphql_as(token, list, json!({})).await;
    assert_eq!(
        today["data"]["toWeighToday"].as_array().map(Vec::len),
        Some(3)
    );

    let updated = app.graphql_as(token, UPDATE, settings(5, 10)).await;
    assert_eq!(updated["data"]["updateStockSettings"]["dailyListSize"], 5);
    let today = app.graphql_as(token, list, json!({})).await;
    assert_eq!(
        today["data"]["toWeighToday"].as_array().map(Vec::len),
        Some(5),
        "{today}"
    );
    let explicit = app
        .graphql_as(token, "{ toWeighToday(count: 2) { powderId } }", json!({}))
        .await;
    assert_eq!(
        explicit["data"]["toWeighToday"].as_array().map(Vec::len),
        Some(2)
    );

    // Saving the same form again is no new audit line.
    let events = app.db.event_count().await;
    let again = app.graphql_as(token, UPDATE, settings(5, 10)).await;
    assert!(again["errors"].is_null(), "saved, not refused: {again}");
    assert_eq!(app.db.event_count().await, events);
    app.stop().await;
}

#[tokio::test]
async fn bad_settings_are_refused_and_only_managers_change_them() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let events = app.db.event_count().await;
    for (token, variables, code) in [
        (&owner.access_token, settings(0, 7), "VALIDATION"),
        (&owner.access_token, settings(21, 7), "VALIDATION"),
        (&owner.access_token, settings(3, 400), "VALIDATION"),
        (&operator.access_token, settings(4, 7), "FORBIDDEN"),
    ] {
        let response = app.graphql_as(token, UPDATE, variables).await;
        assert_eq!(error_code(&response), Some(code), "{response}");
        assert!(
            response["errors"][0]["message"].as_str().is_some(),
            "{response}"
        );
    }
    assert_eq!(app.db.event_count().await, events, "nothing written");
    let read = app
        .graphql_as(&operator.access_token, SETTINGS, json!({}))
        .await;
    assert_eq!(read["data"]["stockSettings"]["dailyListSize"], 3);
    app.stop().await;
}

#[tokio::test]
async fn one_workshop_settings_never_reach_another() {
    let app = spawn_app().await;
    let both = app.two_workspaces().await;
    let changed = app
        .graphql_as(&both.a.access_token, UPDATE, settings(7, 21))
        .await;
    assert_eq!(
        changed["data"]["updateStockSettings"]["leadTimeDays"], 21,
        "{changed}"
    );
    let b = app
        .graphql_as(&both.b.access_token, SETTINGS, json!({}))
        .await;
    assert_eq!(b["data"]["stockSettings"]["dailyListSize"], 3);
    assert_eq!(b["data"]["stockSettings"]["leadTimeDays"], 7);
    app.stop().await;
}
