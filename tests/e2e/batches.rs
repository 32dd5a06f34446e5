//! Recommended batches: the projects at the coating step, grouped by strict key, with the
//! powder against the stock; per workshop.

use serde_json::json;
use tests::spawn_app;

use crate::projects::{counter_project, skip, step};
use crate::quotes::shop;

const RECOMMENDATIONS: &str = "{ batchRecommendations { powderReference finish coats primer varnish
    projects { number } parts surfaceM2 powderKg stockKg shortOfPowder } }";

#[tokio::test]
async fn projects_at_the_coating_step_are_grouped_by_strict_key() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let mut numbers = Vec::new();
    for _ in 0..2 {
        let project = counter_project(&app, &shop).await;
        let id = project["id"].as_str().unwrap().to_owned();
        numbers.push(project["number"].as_str().unwrap().to_owned());
        step(&app, &shop.token, &id, "reception").await;
        for skipped in ["degraissage", "sablage", "masquage", "primaire"] {
            app.graphql_as(
                &shop.token,
                &skip(),
                json!({ "id": id, "step": skipped, "reason": "neuf" }),
            )
            .await;
        }
    }
    // A third project still at reception: not in any batch yet.
    counter_project(&app, &shop).await;

    let listed = app
        .graphql_as(&shop.token, RECOMMENDATIONS, json!({}))
        .await;
    let batches = listed["data"]["batchRecommendations"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"));
    // The gate (primer, 2 coats) and the rims (varnish, 1 coat) never share a load.
    assert_eq!(batches.len(), 2, "{listed}");
    let gate = batches
        .iter()
        .find(|batch| batch["powderReference"] == "TP 7016 B")
        .unwrap();
    assert_eq!(gate["coats"], 2);
    assert_eq!(gate["primer"], true);
    assert_eq!(
        gate["projects"],
        json!([{ "number": numbers[0] }, { "number": numbers[1] }])
    );
    assert_eq!(gate["parts"], 4, "2 gates per project");
    assert_eq!(gate["powderKg"], "2.800");
    assert_eq!(gate["shortOfPowder"], true, "nothing received yet");

    let other = app.sign_up("Atelier B", "b@atelier-b.fr").await;
    let theirs = app
        .graphql_as(&other.access_token, RECOMMENDATIONS, json!({}))
        .await;
    assert_eq!(
        theirs["data"]["batchRecommendations"],
        json!([]),
        "{theirs}"
    );
    app.stop().await;
}
