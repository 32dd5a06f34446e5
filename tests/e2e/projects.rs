//! Projects in the shop: opened by a signed quote or at the counter, moved step by step by
//! operators (in order, skips with a reason), coating taking its powder from stock, QC
//! blocking "ready", non-conformities sending the project back, part codes resolving on
//! scan; each workshop sees its own only.

use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::quote_signatures::{create_and_send, drawn_signature, sign_input, SIGN};
use crate::quotes::{shop, workshop_quote, Shop};

const PROJECT: &str = "id number status currentStep quoteNumber late priority nonConformityCount
    steps { key state reason by } parts { rank code description quantity surfaceM2 powderReference finish coats powderKg }
    qualityControl { passed answers { item passed } }";

fn create_project() -> String {
    format!("mutation($input: ProjectInput!) {{ createProject(input: $input) {{ {PROJECT} }} }}")
}

fn validate() -> String {
    format!("mutation($id: ID!, $step: String!) {{ validateStep(projectId: $id, step: $step) {{ {PROJECT} }} }}")
}

pub fn skip() -> String {
    format!("mutation($id: ID!, $step: String!, $reason: String!) {{ skipStep(projectId: $id, step: $step, reason: $reason) {{ {PROJECT} }} }}")
}

fn qc() -> String {
    format!("mutation($id: ID!, $answers: [QcAnswerInput!]!) {{ recordQualityControl(projectId: $id, answers: $answers) {{ {PROJECT} }} }}")
}

async fn project_events(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from events where aggregate_type in ('project', 'project_numbering', 'powder_movements')",
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

pub async fn counter_project(app: &TestApp, shop: &Shop) -> Value {
    let mut input = workshop_quote(&shop.client, &shop.gate, &shop.rims)["input"].clone();
    input["depositedOn"] = json!("2026-11-20");
    input["promisedOn"] = json!("2026-11-21");
    input["endUse"] = json!("Portail extérieur");
    let created = app
        .graphql_as(&shop.token, &create_project(), json!({ "input": input }))
        .await;
    assert!(created["errors"].is_null(), "{created}");
    created["data"]["createProject"].clone()
}

pub async fn step(app: &TestApp, token: &str, id: &str, step: &str) -> Value {
    app.graphql_as(token, &validate(), json!({ "id": id, "step": step }))
        .await
}

fn answers(passed: bool) -> Value {
    let items = [
        "Teinte conforme (RAL et finition)",
        "Épaisseur dans la tolérance",
        "Adhérence (quadrillage)",
        "Aspect : ni coulure, ni grain, ni manque",
        "Masquages retirés, filetages propres",
    ];
    json!(items
        .iter()
        .enumerate()
        .map(|(index, item)| json!({ "item": item, "passed": passed || index > 0 }))
        .collect::<Vec<_>>())
}

#[tokio::test]
async fn a_signed_quote_opens_its_project_with_its_parts() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let (quote_id, sha) = create_and_send(&app, &shop).await;
    let signed = app
        .graphql_as(
            &shop.token,
            SIGN,
            sign_input(&quote_id, &sha, &drawn_signature()),
        )
        .await;
    assert!(signed["errors"].is_null(), "{signed}");
    let query = format!("{{ projects {{ edges {{ node {{ {PROJECT} }} }} }} }}");
    let project = tests::eventually("the project opened by the signature", || async {
        let listed = app.graphql_as(&shop.token, &query, json!({})).await;
        Some(listed["data"]["projects"]["edges"][0]["node"].clone())
            .filter(|project| !project.is_null())
    })
    .await;
    let year = chrono::Utc::now().format("%y").to_string();
    assert_eq!(project["number"], format!("P{year}-0001"), "{project}");
    assert_eq!(project["quoteNumber"].as_str().unwrap()[..4], *"DEV-");
    assert_eq!(project["currentStep"], "reception");
    assert_eq!(project["steps"].as_array().unwrap().len(), 9);
    let parts = project["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0]["code"], format!("P{year}-0001-1"));
    assert_eq!(parts[0]["powderReference"], "TP 7016 B");
    assert_eq!(parts[0]["finish"], "gloss");
    // 2 gates of 2 m², 2 coats at 0.175 kg/m².
    assert_eq!(parts[0]["powderKg"], "1.400");
    // Only one project per quote, even if the reaction ran twice.
    let accepted: Value = sqlx::query_scalar::<_, Value>(
        "select payload from events where event_type = 'QuoteAccepted'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let content: domain::quote::lifecycle::PricedContent =
        serde_json::from_value(accepted["Accepted"]["content"].clone()).unwrap();
    let again = commands::project::from_quote(
        &app.db.pool,
        &app.state.commands,
        &commands::CommandMeta::system(shop_workspace(&app).await, "test"),
        domain::project::lifecycle::QuoteRef {
            quote_id: uuid::Uuid::parse_str(&quote_id).unwrap(),
            number: "DEV".into(),
            version: 1,
        },
        content.content.client_id,
        &content.content.lines,
    )
    .await
    .unwrap();
    assert_eq!(
        again, None,
        "found open, no second project, no number spent"
    );
    app.stop().await;
}

async fn shop_workspace(app: &TestApp) -> uuid::Uuid {
    sqlx::query_scalar("select workspace_id from project limit 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_shop_moves_a_project_step_by_step_to_pickup() {
    let app = spawn_app().await;
    let (owner, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let token = operator.access_token.clone();
    let project = counter_project(&app, &shop).await;
    let id = project["id"].as_str().unwrap().to_owned();
    assert_eq!(project["late"], true, "promised yesterday or before");

    // Out of order, unskippable, QC too early: refused, nothing written.
    let before = project_events(&app).await;
    let early = step(&app, &token, &id, "poudrage").await;
    assert_eq!(
        early["errors"][0]["extensions"]["reason"], "STEP_OUT_OF_ORDER",
        "{early}"
    );
    assert_eq!(error_code(&early), Some("CONFLICT"));
    let unskippable = app
        .graphql_as(
            &token,
            &skip(),
            json!({ "id": id, "step": "reception", "reason": "vu" }),
        )
        .await;
    assert_eq!(
        unskippable["errors"][0]["extensions"]["reason"],
        "STEP_NOT_SKIPPABLE"
    );
    assert_eq!(project_events(&app).await, before);

    step(&app, &token, &id, "reception").await;
    for skipped in ["degraissage", "sablage", "masquage", "primaire"] {
        let done = app
            .graphql_as(
                &token,
                &skip(),
                json!({ "id": id, "step": skipped, "reason": "acier neuf" }),
            )
            .await;
        assert!(done["errors"].is_null(), "{done}");
    }
    let coated = step(&app, &token, &id, "poudrage").await;
    let steps = &coated["data"]["validateStep"]["steps"];
    assert_eq!(steps[5]["state"], "done", "{coated}");
    assert_eq!(steps[5]["by"], operator.account_id.to_string());
    assert_eq!(steps[1]["reason"], "acier neuf");
    // 1.4 kg for the gates, 4 × 0.35 m² × 0.2 kg/m² = 0.28 kg for the rims.
    let mut used = consumed_kg(&app).await;
    used.sort();
    assert_eq!(used, ["0.280", "1.400"]);
    step(&app, &token, &id, "cuisson").await;

    let early_qc = step(&app, &token, &id, "controle").await;
    assert_eq!(
        early_qc["errors"][0]["extensions"]["reason"], "QC_NOT_PASSED",
        "{early_qc}"
    );
    let partial = app
        .graphql_as(
            &token,
            &qc(),
            json!({ "id": id, "answers": [answers(true)[0].clone()] }),
        )
        .await;
    assert_eq!(
        partial["errors"][0]["extensions"]["reason"], "QC_INCOMPLETE",
        "{partial}"
    );
    assert_eq!(error_code(&partial), Some("VALIDATION"));
    let failed = app
        .graphql_as(
            &token,
            &qc(),
            json!({ "id": id, "answers": answers(false) }),
        )
        .await;
    assert_eq!(
        failed["data"]["recordQualityControl"]["qualityControl"]["passed"],
        false
    );

    // The colour is off: back to coating; coating again takes powder again.
    let nc = app
        .graphql_as(
            &token,
            &format!("mutation($input: NonConformityInput!) {{ declareNonConformity(input: $input) {{ {PROJECT} }} }}"),
            json!({ "input": { "projectId": id, "defectType": "Teinte non conforme",
                    "comment": "RAL 7016 trop clair", "correctiveAction": "nouvelle couche", "returnTo": "poudrage" } }),
        )
        .await;
    let back = &nc["data"]["declareNonConformity"];
    assert_eq!(back["currentStep"], "poudrage", "{nc}");
    assert_eq!(back["nonConformityCount"], 1);
    assert!(back["qualityControl"].is_null());
    let forward = app
        .graphql_as(
            &token,
            "mutation($input: NonConformityInput!) { declareNonConformity(input: $input) { id } }",
            json!({ "input": { "projectId": id, "defectType": "Teinte non conforme", "returnTo": "emballage" } }),
        )
        .await;
    assert_eq!(
        forward["errors"][0]["extensions"]["reason"], "NC_RETURN_FORWARD",
        "{forward}"
    );
    step(&app, &token, &id, "poudrage").await;
    assert_eq!(consumed_kg(&app).await.len(), 4);
    step(&app, &token, &id, "cuisson").await;
    app.graphql_as(&token, &qc(), json!({ "id": id, "answers": answers(true) }))
        .await;
    let checked = step(&app, &token, &id, "controle").await;
    assert_eq!(
        checked["data"]["validateStep"]["status"], "IN_PROGRESS",
        "{checked}"
    );
    let packed = app
        .graphql_as(
            &token,
            &skip(),
            json!({ "id": id, "step": "emballage", "reason": "pièces enlevées sur palette" }),
        )
        .await;
    assert_eq!(packed["data"]["skipStep"]["status"], "READY", "{packed}");
    // Paul has no portal: the « ready » email invites him to create one.
    // A counter project: nothing else was ever sent to Paul.
    let ready_mail = app
        .mail
        .wait_for_count_to("paul@exemple.fr", 1)
        .await
        .remove(0);
    assert!(ready_mail.token().is_some(), "an account-creation link");
    let kinds: Vec<String> =
        sqlx::query_scalar("select kind from email_outbox where recipient = 'paul@exemple.fr'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(kinds, ["ready_for_pickup"]);
    assert!(packed["data"]["skipStep"]["currentStep"].is_null());
    let delivered = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { deliverProject(projectId: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        delivered["data"]["deliverProject"]["status"], "DELIVERED",
        "{delivered}"
    );

    // The traceability report: who did what, when; the QC; the non-conformity.
    let report = app
        .client
        .get(format!("{}/api/v1/projects/{id}/report.pdf", app.address))
        .bearer_auth(&shop.token)
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let text = crate::quotes::pdf_text(&report.bytes().await.unwrap());
    for expected in [
        "Rapport de fabrication",
        "TP 7016 B (polyester, brillant), 2",
        "cuisson 200 °C 10 min",
        "sautée",
        "acier neuf",
        // Who did each step: a long random address, wrapped anywhere by the column.
        "atelier.fr",
        "Teinte non conforme à l'étape « controle »",
        "RAL 7016 trop clair",
        "Épaisseur dans la tolérance : conforme",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let stats = app
        .graphql_as(
            &shop.token,
            "{ nonConformityStats(from: \"2020-01-01T00:00:00Z\", to: \"2100-01-01T00:00:00Z\") {
                projects projectsWithNonConformity ratePct byDefect { label count } byPowder { label count } } }",
            json!({}),
        )
        .await;
    let stats = &stats["data"]["nonConformityStats"];
    assert_eq!(stats["projects"], 1, "{stats}");
    assert_eq!(stats["ratePct"], "100");
    assert_eq!(
        stats["byDefect"],
        json!([{ "label": "Teinte non conforme", "count": 1 }])
    );
    assert_eq!(
        stats["byPowder"],
        json!([{ "label": "TP 7016 B", "count": 1 }, { "label": "TP 9005 S", "count": 1 }])
    );
    app.stop().await;
}

#[tokio::test]
async fn a_label_code_or_its_qr_resolves_to_the_part_in_its_workshop_only() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let project = counter_project(&app, &shop).await;
    let code = project["parts"][1]["code"].as_str().unwrap().to_owned();
    let scan = "query($code: String!) { scan(code: $code) { project { number } part { rank code description } } }";
    for typed in [
        code.clone(),
        code.to_lowercase(),
        format!("TG1:{code}"),
        format!("  {code} "),
    ] {
        let found = app
            .graphql_as(&shop.token, scan, json!({ "code": typed }))
            .await;
        assert_eq!(found["data"]["scan"]["part"]["rank"], 2, "{typed}: {found}");
        assert_eq!(found["data"]["scan"]["part"]["description"], "Jante");
    }
    for garbage in ["", "n'importe quoi", "TG1:", &"9".repeat(500)] {
        let unknown = app
            .graphql_as(&shop.token, scan, json!({ "code": garbage }))
            .await;
        assert_eq!(
            error_code(&unknown),
            Some("NOT_FOUND"),
            "{garbage}: {unknown}"
        );
    }
    // The label sheet: one label per physical part (2 gates, 4 rims, 1 sandblasting).
    let id = project["id"].as_str().unwrap();
    let labels = |token: &str, query: &str| {
        app.client
            .get(format!(
                "{}/api/v1/projects/{id}/labels.pdf?{query}",
                app.address
            ))
            .bearer_auth(token.to_owned())
            .send()
    };
    let sheet = labels(&shop.token, "columns=2&rows=4").await.unwrap();
    assert_eq!(sheet.status(), 200);
    let text = crate::quotes::pdf_text(&sheet.bytes().await.unwrap());
    assert_eq!(text.matches(code.as_str()).count(), 4, "{text}");
    assert!(text.contains("Bernard Paul"), "{text}");
    let too_wide = labels(&shop.token, "columns=9&rows=4").await.unwrap();
    assert_eq!(too_wide.status(), 422);
    // Another workshop: the same code is nothing to it; its project is not found.
    let b = app.sign_up("Atelier B", "b@atelier-b.fr").await;
    assert_eq!(labels(&b.access_token, "").await.unwrap().status(), 404);
    let theirs = app
        .graphql_as(&b.access_token, scan, json!({ "code": code }))
        .await;
    assert_eq!(error_code(&theirs), Some("NOT_FOUND"), "{theirs}");
    let sheet = app
        .graphql_as(
            &b.access_token,
            "query($id: ID!) { project(id: $id) { number } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&sheet), Some("NOT_FOUND"), "{sheet}");
    let events = project_events(&app).await;
    let moved = step(&app, &b.access_token, id, "reception").await;
    assert_eq!(error_code(&moved), Some("NOT_FOUND"), "{moved}");
    assert_eq!(project_events(&app).await, events);
    let listed = app
        .graphql_as(
            &b.access_token,
            "{ projects { edges { node { id } } } workshopQueue { id } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["projects"]["edges"], json!([]), "{listed}");
    assert_eq!(listed["data"]["workshopQueue"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn the_workflow_is_the_workshops_and_new_projects_follow_it() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let before = counter_project(&app, &shop).await;
    let update = "mutation($input: WorkflowInput!) { updateWorkflow(input: $input) { steps { key } qcChecklist } }";
    let workflow = |steps: Value| json!({ "input": { "steps": steps, "qcChecklist": ["Teinte"], "defectTypes": ["Coulure"] } });
    let no_qc = workflow(json!([
        { "key": "reception", "label": "Réception", "kind": "RECEPTION", "skippable": false },
        { "key": "poudrage", "label": "Poudrage", "kind": "COATING", "skippable": false },
    ]));
    let refused = app.graphql_as(&shop.token, update, no_qc).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"], "WORKFLOW_COATING_QC",
        "{refused}"
    );
    let short = workflow(json!([
        { "key": "poudrage", "label": "Poudrage", "kind": "COATING", "skippable": false },
        { "key": "cuisson", "label": "Cuisson", "kind": "CURING", "skippable": false },
        { "key": "qc", "label": "Contrôle", "kind": "QUALITY_CONTROL", "skippable": false },
    ]));
    let saved = app.graphql_as(&shop.token, update, short).await;
    assert_eq!(
        saved["data"]["updateWorkflow"]["steps"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "{saved}"
    );
    let after = counter_project(&app, &shop).await;
    assert_eq!(after["currentStep"], "poudrage");
    let sheet = app
        .graphql_as(
            &shop.token,
            "query($id: ID!) { project(id: $id) { steps { key } } }",
            json!({ "id": before["id"] }),
        )
        .await;
    assert_eq!(
        sheet["data"]["project"]["steps"].as_array().unwrap().len(),
        9,
        "running projects keep theirs"
    );
    app.stop().await;
}
