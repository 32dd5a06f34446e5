//! Batches (séries): the recommended loads, the oven, a batch from draft to closed with its
//! packing, cure order and labels, the refusals that write nothing; per workshop.

use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::projects::{counter_project, skip, step};
use crate::quotes::{shop, Shop};

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

const BATCH: &str = "id number status powderReference finish coats primer varnish cureTemperatureC
    parts { projectNumber code quantity lengthMm widthMm } partCount surfaceM2 powderKg powderKgUsed
    urgent labelsUrl";

fn create_batch() -> String {
    format!("mutation($parts: [BatchPartsInput!]!) {{ createBatch(parts: $parts) {{ {BATCH} }} }}")
}

fn add_to_batch() -> String {
    format!("mutation($id: ID!, $parts: [BatchPartsInput!]!) {{ addToBatch(batchId: $id, parts: $parts) {{ {BATCH} }} }}")
}

fn remove_from_batch() -> String {
    format!("mutation($id: ID!, $codes: [String!]!) {{ removeFromBatch(batchId: $id, codes: $codes) {{ {BATCH} }} }}")
}

fn launch() -> String {
    format!("mutation($id: ID!) {{ launchBatch(batchId: $id) {{ {BATCH} }} }}")
}

fn close() -> String {
    format!("mutation($id: ID!) {{ closeBatch(batchId: $id) {{ {BATCH} }} }}")
}

const UPDATE_OVEN: &str = "mutation($input: OvenInput!) { updateOven(input: $input) {
    lengthMm widthMm heightMm barSpacingMm gapMm marginMm hookMm maxLoadKg bars } }";

const PACKING: &str = "query($id: ID!) { batchPacking(id: $id) { barsAvailable barsUsed fillRate
    lowerBoundBars placements { code copy bar xMm yMm widthMm heightMm rotated }
    tooLarge nextLoad withoutSize svg } }";

/// An oven wide and high enough for the 2 m × 1 m gates.
fn large_oven() -> Value {
    json!({ "input": { "lengthMm": 6000, "widthMm": 3000, "heightMm": 2500, "barSpacingMm": 600,
        "gapMm": 50, "marginMm": 100, "hookMm": 60, "maxLoadKg": "500" } })
}

/// A counter project (2 gates with primer, 4 varnished rims, sandblasting) at the coating
/// step; its id and number.
async fn at_coating(app: &TestApp, shop: &Shop) -> (String, String) {
    let project = counter_project(app, shop).await;
    let id = project["id"].as_str().unwrap().to_owned();
    step(app, &shop.token, &id, "reception").await;
    for skipped in ["degraissage", "sablage", "masquage", "primaire"] {
        let skipped = app
            .graphql_as(
                &shop.token,
                &skip(),
                json!({ "id": id, "step": skipped, "reason": "neuf" }),
            )
            .await;
        assert!(skipped["errors"].is_null(), "{skipped}");
    }
    (id, project["number"].as_str().unwrap().to_owned())
}

async fn batch_events(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from events where aggregate_type in ('batch', 'counter', 'project', 'powder_movements')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn consumed_kg(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "select payload -> 'Consumed' ->> 'kg' from events where event_type = 'PowderConsumed' order by global_position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

fn parts(project: &str, ranks: Option<&[u16]>) -> Value {
    json!({ "parts": [{ "projectId": project, "ranks": ranks }] })
}

fn with_id(mut variables: Value, id: &str) -> Value {
    variables["id"] = json!(id);
    variables
}

async fn current_step(app: &TestApp, token: &str, id: &str) -> Value {
    let project = app
        .graphql_as(
            token,
            "query($id: ID!) { project(id: $id) { currentStep } }",
            json!({ "id": id }),
        )
        .await;
    project["data"]["project"]["currentStep"].clone()
}

#[tokio::test]
async fn a_batch_goes_from_draft_to_closed_and_takes_its_powder_once() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let (first, first_number) = at_coating(&app, &shop).await;
    let (second, second_number) = at_coating(&app, &shop).await;
    let before = batch_events(&app).await;

    // The project mixes the rims' powder and the gates': refused, named.
    let mixed = app
        .graphql_as(&shop.token, &create_batch(), parts(&first, Some(&[2, 1])))
        .await;
    assert_eq!(error_code(&mixed), Some("VALIDATION"), "{mixed}");
    assert_eq!(
        mixed["errors"][0]["extensions"]["reason"],
        "BATCH_REFERENCE_MISMATCH"
    );
    let message = mixed["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{first_number}-1")) && message.contains("TP 9005 S ≠ TP 7016 B"),
        "{message}"
    );
    // The default oven (2 × 2.2 m) cannot take a 2 m × 1 m gate with its hook and margins.
    let too_large = app
        .graphql_as(&shop.token, &create_batch(), parts(&first, Some(&[1])))
        .await;
    assert_eq!(
        too_large["errors"][0]["extensions"]["reason"], "BATCH_PART_TOO_LARGE",
        "{too_large}"
    );
    assert_eq!(batch_events(&app).await, before, "refusals write nothing");

    let oven = app.graphql_as(&shop.token, UPDATE_OVEN, large_oven()).await;
    assert_eq!(oven["data"]["updateOven"]["bars"], 9, "{oven}");
    let created = app
        .graphql_as(&shop.token, &create_batch(), parts(&first, Some(&[1])))
        .await;
    let gates = created["data"]["createBatch"].clone();
    let gates_id = gates["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    assert!(
        gates["number"].as_str().unwrap().ends_with("-0001"),
        "{gates}"
    );
    assert_eq!(gates["status"], "DRAFT");
    // The rims of the second project are not the gates' key; its gates are.
    let rims = app
        .graphql_as(
            &shop.token,
            &add_to_batch(),
            with_id(parts(&second, Some(&[2])), &gates_id),
        )
        .await;
    assert_eq!(
        rims["errors"][0]["extensions"]["reason"],
        "BATCH_REFERENCE_MISMATCH"
    );
    let added = app
        .graphql_as(
            &shop.token,
            &add_to_batch(),
            with_id(parts(&second, Some(&[1])), &gates_id),
        )
        .await;
    let gates = added["data"]["addToBatch"].clone();
    assert_eq!(gates["partCount"], 4, "{added}");
    assert_eq!(gates["powderKg"], "2.800", "2 × 1.4 kg");
    assert_eq!(gates["parts"][1]["projectNumber"], second_number.as_str());
    assert_eq!(gates["parts"][0]["lengthMm"], 2000);

    let packing = app
        .graphql_as(&shop.token, PACKING, json!({ "id": gates_id }))
        .await;
    let packing = &packing["data"]["batchPacking"];
    assert_eq!(
        packing["placements"].as_array().unwrap().len(),
        4,
        "{packing}"
    );
    assert_eq!(packing["tooLarge"], json!([]));
    assert!(packing["barsUsed"].as_u64().unwrap() >= packing["lowerBoundBars"].as_u64().unwrap());
    let svg = packing["svg"].as_str().unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains(&format!("{first_number}-1 (2)")),
        "{svg}"
    );

    // The rims of both projects: a second batch, quoted by area, so placed by hand.
    let created = app
        .graphql_as(
            &shop.token,
            &create_batch(),
            json!({ "parts": [
            { "projectId": first, "ranks": [2] }, { "projectId": second, "ranks": [2] }] }),
        )
        .await;
    let rims_id = created["data"]["createBatch"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let packing = app
        .graphql_as(&shop.token, PACKING, json!({ "id": rims_id }))
        .await;
    assert_eq!(
        packing["data"]["batchPacking"]["withoutSize"],
        json!([format!("{first_number}-2"), format!("{second_number}-2")])
    );
    let order = app
        .graphql_as(
            &shop.token,
            "{ cureOrder { batches { number } temperatureChanges } }",
            json!({}),
        )
        .await;
    assert_eq!(
        order["data"]["cureOrder"]["batches"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{order}"
    );

    let launched = app
        .graphql_as(&shop.token, &launch(), json!({ "id": gates_id }))
        .await;
    assert_eq!(
        launched["data"]["launchBatch"]["status"], "LAUNCHED",
        "{launched}"
    );
    let by_hand = step(&app, &shop.token, &first, "poudrage").await;
    assert_eq!(
        by_hand["errors"][0]["extensions"]["reason"], "PROJECT_IN_BATCH",
        "{by_hand}"
    );
    let late = app
        .graphql_as(
            &shop.token,
            &remove_from_batch(),
            json!({ "id": gates_id, "codes": [format!("{first_number}-1")] }),
        )
        .await;
    assert_eq!(
        late["errors"][0]["extensions"]["reason"],
        "BATCH_ALREADY_LAUNCHED"
    );

    let closed = app
        .graphql_as(&shop.token, &close(), json!({ "id": gates_id }))
        .await;
    assert_eq!(closed["data"]["closeBatch"]["status"], "CLOSED", "{closed}");
    assert_eq!(closed["data"]["closeBatch"]["powderKgUsed"], "2.800");
    assert_eq!(
        consumed_kg(&app).await,
        ["2.800"],
        "the batch's powder, once"
    );
    // The rims are still to powder: the projects wait at the coating step.
    assert_eq!(current_step(&app, &shop.token, &first).await, "poudrage");
    let events = batch_events(&app).await;
    let twice = app
        .graphql_as(&shop.token, &close(), json!({ "id": gates_id }))
        .await;
    assert_eq!(
        twice["errors"][0]["extensions"]["reason"], "BATCH_ALREADY_CLOSED",
        "{twice}"
    );
    assert_eq!(error_code(&twice), Some("CONFLICT"));
    assert_eq!(
        batch_events(&app).await,
        events,
        "closing twice writes nothing"
    );

    for mutation in [launch(), close()] {
        let done = app
            .graphql_as(&shop.token, &mutation, json!({ "id": rims_id }))
            .await;
        assert!(done["errors"].is_null(), "{done}");
    }
    // 2 projects × 4 rims × 0.35 m² × 0.2 kg/m²; nothing taken per project.
    assert_eq!(consumed_kg(&app).await, ["2.800", "0.560"]);
    for project in [&first, &second] {
        assert_eq!(current_step(&app, &shop.token, project).await, "cuisson");
    }

    let labels = app
        .client
        .get(format!(
            "{}{}",
            app.address,
            gates["labelsUrl"].as_str().unwrap()
        ))
        .bearer_auth(&shop.token)
        .send()
        .await
        .unwrap();
    assert_eq!(labels.status(), 200);
    let text = crate::quotes::pdf_text(&labels.bytes().await.unwrap());
    assert_eq!(
        text.matches(&format!("{first_number}-1")).count(),
        2,
        "{text}"
    );
    assert!(text.contains(gates["number"].as_str().unwrap()), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn bad_batches_are_refused_with_the_reason_and_write_nothing() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    app.graphql_as(&shop.token, UPDATE_OVEN, large_oven()).await;
    // Planned ahead: a project still at reception may join a draft, not be launched.
    let waiting = counter_project(&app, &shop).await;
    let waiting = waiting["id"].as_str().unwrap().to_owned();
    let (ready, ready_number) = at_coating(&app, &shop).await;
    let created = app
        .graphql_as(
            &shop.token,
            &create_batch(),
            json!({ "parts": [
            { "projectId": ready, "ranks": [1] }, { "projectId": waiting, "ranks": [1] }] }),
        )
        .await;
    let batch = created["data"]["createBatch"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let before = batch_events(&app).await;
    let refused = [
        (
            app.graphql_as(&shop.token, &launch(), json!({ "id": batch }))
                .await,
            "PROJECT_NOT_AT_COATING",
        ),
        (
            app.graphql_as(&shop.token, &close(), json!({ "id": batch }))
                .await,
            "BATCH_NOT_LAUNCHED",
        ),
        (
            app.graphql_as(&shop.token, &create_batch(), parts(&ready, Some(&[1])))
                .await,
            "PART_ALREADY_IN_BATCH",
        ),
        (
            app.graphql_as(&shop.token, &create_batch(), parts(&ready, Some(&[3])))
                .await,
            "PART_NOT_COATED",
        ),
        (
            app.graphql_as(&shop.token, &create_batch(), json!({ "parts": [] }))
                .await,
            "BATCH_NO_PARTS",
        ),
        (
            app.graphql_as(
                &shop.token,
                &remove_from_batch(),
                json!({ "id": batch, "codes": ["P99-9999-1"] }),
            )
            .await,
            "BATCH_PART_NOT_MEMBER",
        ),
        (
            app.graphql_as(
                &shop.token,
                &launch(),
                json!({ "id": uuid::Uuid::now_v7() }),
            )
            .await,
            "BATCH_NOT_FOUND",
        ),
        (
            app.graphql_as(
                &shop.token,
                UPDATE_OVEN,
                json!({ "input": { "lengthMm": 6000, "widthMm": 150, "heightMm": 2500,
                    "barSpacingMm": 600, "gapMm": 50, "marginMm": 100 } }),
            )
            .await,
            "OVEN_DIMENSIONS_INVALID",
        ),
    ];
    for (response, reason) in refused {
        assert_eq!(
            response["errors"][0]["extensions"]["reason"], reason,
            "{response}"
        );
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.contains("Error"),
            "{message}"
        );
    }
    assert_eq!(
        batch_events(&app).await,
        before,
        "no refusal wrote an event"
    );

    // Emptied, a draft cannot be launched.
    let emptied = app
        .graphql_as(
            &shop.token,
            &remove_from_batch(),
            json!({ "id": batch, "codes": [format!("{ready_number}-1"), format!("{}-1", created["data"]["createBatch"]["parts"][1]["projectNumber"].as_str().unwrap())] }),
        )
        .await;
    assert_eq!(
        emptied["data"]["removeFromBatch"]["partCount"], 0,
        "{emptied}"
    );
    let empty = app
        .graphql_as(&shop.token, &launch(), json!({ "id": batch }))
        .await;
    assert_eq!(
        empty["errors"][0]["extensions"]["reason"], "BATCH_EMPTY",
        "{empty}"
    );
    app.stop().await;
}

#[tokio::test]
async fn another_workshop_never_sees_nor_moves_a_batch() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    app.graphql_as(&shop.token, UPDATE_OVEN, large_oven()).await;
    let (project, _) = at_coating(&app, &shop).await;
    let created = app
        .graphql_as(&shop.token, &create_batch(), parts(&project, Some(&[1])))
        .await;
    let batch = created["data"]["createBatch"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();

    let (_, other) = crate::quotes::shop(&app, "Atelier B", "b@atelier-b.fr").await;
    let token = &other.token;
    for (query, variables) in [
        (
            format!("query($id: ID!) {{ batch(id: $id) {{ {BATCH} }} }}"),
            json!({ "id": batch }),
        ),
        (PACKING.to_owned(), json!({ "id": batch })),
        (launch(), json!({ "id": batch })),
        (close(), json!({ "id": batch })),
        (add_to_batch(), with_id(parts(&project, None), &batch)),
        (remove_from_batch(), json!({ "id": batch, "codes": ["x"] })),
        (create_batch(), parts(&project, Some(&[1]))),
    ] {
        let response = app.graphql_as(token, &query, variables).await;
        assert_eq!(
            error_code(&response),
            Some("NOT_FOUND"),
            "{query}: {response}"
        );
    }
    let lists = app
        .graphql_as(
            token,
            "{ batches { id } cureOrder { batches { id } } oven { widthMm } }",
            json!({}),
        )
        .await;
    assert_eq!(lists["data"]["batches"], json!([]), "{lists}");
    assert_eq!(lists["data"]["cureOrder"]["batches"], json!([]));
    assert_eq!(
        lists["data"]["oven"]["widthMm"], 2000,
        "B keeps the default oven"
    );
    let labels = app
        .client
        .get(format!("{}/api/v1/batches/{batch}/labels.pdf", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(labels.status(), 404);
    // A's batch is untouched.
    let mine = app
        .graphql_as(
            &shop.token,
            "query($id: ID!) { batch(id: $id) { status partCount } }",
            json!({ "id": batch }),
        )
        .await;
    assert_eq!(
        mine["data"]["batch"],
        json!({ "status": "DRAFT", "partCount": 2 })
    );
    app.stop().await;
}
