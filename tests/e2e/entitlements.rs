//! What a workshop's standing with the platform allows (ADR 0014, issue 21): a trial that
//! ended reads and exports but writes nothing, one workshop's trial never decides another's,
//! and the platform's switches close a feature for everyone at once, then open it again.

use std::time::Duration;

use domain::platform::catalogue::CatalogueCommand;
use domain::platform::Feature;
use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::clients::{self, CREATE};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn reason(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["reason"].as_str()
}

/// An editor's change of the catalogue, once its read model shows it.
async fn change_catalogue(app: &TestApp, command: CatalogueCommand) {
    let meta = commands::catalogue::editor_meta(uuid::Uuid::now_v7(), None, "test");
    let now = app.state.limits.clock().now_utc();
    let receipt = commands::catalogue::change(&app.state.commands, &meta, command, now)
        .await
        .expect("catalogue change");
    app.state
        .settle(&receipt, &[projections::plan_catalogue::NAME])
        .await
        .expect("catalogue projected");
}

async fn client_names(app: &TestApp, token: &str) -> Vec<String> {
    let found = app
        .graphql_as(
            token,
            "{ clients { edges { node { displayName } } } }",
            json!({}),
        )
        .await;
    tests::node_strings(&found, "clients", "displayName")
}

#[tokio::test]
async fn once_its_trial_is_over_a_workshop_reads_and_exports_but_writes_nothing() {
    let app = spawn_app().await;
    // A longer trial for workshops signing up from now on: the second one gets it.
    let short = app.sign_up("Atelier court", "court@atelier.fr").await;
    change_catalogue(&app, CatalogueCommand::SetTrialLength { days: 60 }).await;
    let long = app.sign_up("Atelier long", "long@atelier.fr").await;
    for owner in [&short, &long] {
        clients::create(&app, &owner.access_token, clients::garage()).await;
    }

    app.state.limits.clock().advance(31 * DAY);
    let before = app.db.event_count().await;
    let refused = app
        .graphql_as(
            &short.access_token,
            CREATE,
            json!({ "input": clients::private("Jean", "Dupont", "jean@dupont.fr") }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    assert_eq!(reason(&refused), Some("SUBSCRIPTION_REQUIRED"), "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("essai gratuit") && message.contains("consultables"),
        "{message}"
    );
    assert_eq!(
        app.db.event_count().await,
        before,
        "a refused write writes nothing"
    );

    // Its data stays its own: listed, exported, its session usable.
    assert_eq!(
        client_names(&app, &short.access_token).await,
        ["Garage Martin"]
    );
    let export = app
        .client
        .get(format!("{}/api/v1/clients.csv", app.address))
        .bearer_auth(&short.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    assert!(export.text().await.unwrap().contains("Garage Martin"));
    let me = app
        .graphql_as(&short.access_token, "{ me { accountId } }", json!({}))
        .await;
    assert!(me["data"]["me"]["accountId"].is_string(), "{me}");

    // The workshop that signed up with 60 days still writes.
    let written = app
        .graphql_as(
            &long.access_token,
            CREATE,
            json!({ "input": clients::private("Jean", "Dupont", "jean@dupont.fr") }),
        )
        .await;
    assert!(
        written["data"]["createClient"]["id"].is_string(),
        "{written}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_switched_off_feature_is_closed_to_every_workshop_then_opens_again() {
    let app = spawn_app().await;
    let a = app.sign_up("Atelier A", "a@atelier.fr").await;
    let b = app.sign_up("Atelier B", "b@atelier.fr").await;
    let quotes = "{ quotes { edges { node { id } } } }";
    change_catalogue(
        &app,
        CatalogueCommand::SetKillSwitch {
            feature: Feature::Quotes,
            killed: true,
        },
    )
    .await;
    for owner in [&a, &b] {
        let refused = app.graphql_as(&owner.access_token, quotes, json!({})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
        assert_eq!(reason(&refused), Some("FEATURE_SWITCHED_OFF"), "{refused}");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("« devis »"),
            "{refused}"
        );
        // Another feature is untouched.
        assert_eq!(
            client_names(&app, &owner.access_token).await,
            Vec::<String>::new()
        );
    }
    change_catalogue(
        &app,
        CatalogueCommand::SetKillSwitch {
            feature: Feature::Quotes,
            killed: false,
        },
    )
    .await;
    let open = app.graphql_as(&a.access_token, quotes, json!({})).await;
    assert!(open["data"]["quotes"]["edges"].is_array(), "{open}");
    // A rollout at 0 % opens it to nobody yet.
    change_catalogue(
        &app,
        CatalogueCommand::SetRollout {
            feature: Feature::Quotes,
            percent: 0,
        },
    )
    .await;
    let not_yet = app.graphql_as(&b.access_token, quotes, json!({})).await;
    assert_eq!(reason(&not_yet), Some("FEATURE_NOT_YET_OPEN"), "{not_yet}");
    app.stop().await;
}

#[tokio::test]
async fn switching_the_jantes_module_on_asks_the_plan_and_switching_it_off_never_does() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let set =
        "mutation($on: Boolean!) { setModule(module: JANTES, enabled: $on) { jantesEnabled } }";
    let on = app
        .graphql_as(&owner.access_token, set, json!({ "on": true }))
        .await;
    assert_eq!(on["data"]["setModule"]["jantesEnabled"], true, "{on}");
    change_catalogue(
        &app,
        CatalogueCommand::SetKillSwitch {
            feature: Feature::Jantes,
            killed: true,
        },
    )
    .await;
    let off = app
        .graphql_as(&owner.access_token, set, json!({ "on": false }))
        .await;
    assert_eq!(off["data"]["setModule"]["jantesEnabled"], false, "{off}");
    let before = app.db.event_count().await;
    let refused = app
        .graphql_as(&owner.access_token, set, json!({ "on": true }))
        .await;
    assert_eq!(reason(&refused), Some("FEATURE_SWITCHED_OFF"), "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("module Jantes"),
        "{refused}"
    );
    assert_eq!(app.db.event_count().await, before);
    app.stop().await;
}
