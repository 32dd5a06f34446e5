//! Quotes: priced as on paper, numbered without gaps, frozen once sent, per workshop.

use chrono::Datelike;
use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::clients::{create as create_client, private};

pub const CREATE: &str = "mutation($input: QuoteInput!) { createQuote(input: $input) {
    id number version status totalHt totalVat totalTtc depositDue
    vat { rate baseHt vat } lines { description unitPriceHt totalHt steps { label amount } } } }";
const UPDATE: &str =
    "mutation($id: ID!, $input: QuoteInput!) { updateQuote(id: $id, input: $input) { version status totalHt } }";
const REVISE: &str =
    "mutation($id: ID!, $input: QuoteInput!) { reviseQuote(id: $id, input: $input) { version status totalHt } }";

async fn quote_events(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from events where aggregate_type in ('quote', 'quote_numbering', 'quote_settings')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

pub async fn powder(
    app: &TestApp,
    token: &str,
    reference: &str,
    price: &str,
    consumption: &str,
) -> String {
    let mut input = crate::powder::powder(reference, "GLOSS");
    input["pricePerKg"] = json!(price);
    input["consumptionKgM2"] = json!(consumption);
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

/// The hand-computed quote of the domain tests, through the API: a gate, rims, sandblasting.
pub fn workshop_quote(client: &str, gate_powder: &str, rim_powder: &str) -> Value {
    json!({ "input": {
        "clientId": client,
        "lines": [
            { "description": "Portail", "quantity": 2, "lengthMm": "2000", "widthMm": "1000",
              "powderId": gate_powder, "coats": 2, "primer": true, "labourMinutes": "30",
              "consumables": "5", "discountPct": "10" },
            { "description": "Jante", "quantity": 4, "areaM2": "0.35", "powderId": rim_powder,
              "varnish": true, "labourMinutes": "15", "vatRate": "10" },
            { "description": "Sablage", "quantity": 1, "areaM2": "1", "labourMinutes": "20" },
        ],
    } })
}

pub struct Shop {
    pub token: String,
    pub client: String,
    pub gate: String,
    pub rims: String,
}

pub async fn shop(app: &TestApp, name: &str, email: &str) -> (tests::Owner, Shop) {
    let owner = app.sign_up(name, email).await;
    let token = owner.access_token.clone();
    let client = create_client(app, &token, private("Paul", "Bernard", "paul@exemple.fr")).await;
    let gate = powder(app, &token, "TP 7016 B", "12.90", "0.175").await;
    let rims = powder(app, &token, "TP 9005 S", "20", "0.2").await;
    (
        owner,
        Shop {
            token,
            client,
            gate,
            rims,
        },
    )
}

/// The hand-computed quote, created as a draft in `shop`; its id.
pub async fn new_quote(app: &TestApp, shop: &Shop) -> String {
    let created = app
        .graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(&shop.client, &shop.gate, &shop.rims),
        )
        .await;
    created["data"]["createQuote"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned()
}

pub(crate) fn year() -> i32 {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .year()
}

#[tokio::test]
async fn a_quote_is_priced_as_on_paper_and_numbered_in_order() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier", "gerant@atelier.fr").await;
    let created = app
        .graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(&shop.client, &shop.gate, &shop.rims),
        )
        .await;
    let quote = &created["data"]["createQuote"];
    assert_eq!(quote["number"], format!("DEV-{}-0001", year()), "{created}");
    assert_eq!(quote["status"], "DRAFT");
    assert_eq!(
        (
            &quote["totalHt"],
            &quote["totalVat"],
            &quote["totalTtc"],
            &quote["depositDue"]
        ),
        (
            &json!("172.36"),
            &json!("27.68"),
            &json!("200.04"),
            &json!("60.01")
        ),
        "same figures as the hand computation in domain::quote::tests"
    );
    assert_eq!(
        quote["vat"],
        json!([{ "rate": "20", "baseHt": "104.52", "vat": "20.90" }, { "rate": "10", "baseHt": "67.84", "vat": "6.78" }])
    );
    assert_eq!(quote["lines"][0]["unitPriceHt"], "43.26");
    assert_eq!(quote["lines"][0]["steps"][1]["label"], "Poudre TP 7016 B");

    let second = app
        .graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(&shop.client, &shop.gate, &shop.rims),
        )
        .await;
    assert_eq!(
        second["data"]["createQuote"]["number"],
        format!("DEV-{}-0002", year())
    );
    app.stop().await;
}

#[tokio::test]
async fn concurrent_quotes_get_distinct_numbers_without_gaps() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier", "gerant@atelier.fr").await;
    let requests = (0..6).map(|_| {
        app.graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(&shop.client, &shop.gate, &shop.rims),
        )
    });
    let mut numbers: Vec<String> = futures_numbers(requests).await;
    numbers.sort();
    let expected: Vec<String> = (1..=6).map(|n| format!("DEV-{}-{n:04}", year())).collect();
    assert_eq!(numbers, expected);
    app.stop().await;
}

async fn futures_numbers(
    requests: impl Iterator<Item = impl std::future::Future<Output = Value>>,
) -> Vec<String> {
    let handles: Vec<_> = requests.collect();
    let mut numbers = Vec::new();
    for response in join_all(handles).await {
        numbers.push(
            response["data"]["createQuote"]["number"]
                .as_str()
                .unwrap_or_else(|| panic!("{response}"))
                .to_owned(),
        );
    }
    numbers
}

/// Polls every future together on this task (no extra crate).
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn a_sent_quote_is_frozen_and_changes_by_versions() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier", "gerant@atelier.fr").await;
    let input = workshop_quote(&shop.client, &shop.gate, &shop.rims);
    let created = app.graphql_as(&shop.token, CREATE, input.clone()).await;
    let id = created["data"]["createQuote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut cheaper = input.clone();
    cheaper["input"]["lines"][2]["labourMinutes"] = json!("10");
    let edited = app
        .graphql_as(
            &shop.token,
            UPDATE,
            json!({ "id": id, "input": cheaper["input"] }),
        )
        .await;
    assert_eq!(
        edited["data"]["updateQuote"]["totalHt"], "163.36",
        "{edited}"
    );
    let send = "mutation($id: ID!) { sendQuote(id: $id) { status sentAt } }";
    let sent = app.graphql_as(&shop.token, send, json!({ "id": id })).await;
    assert_eq!(sent["data"]["sendQuote"]["status"], "SENT", "{sent}");

    let events = quote_events(&app).await;
    let frozen = app
        .graphql_as(
            &shop.token,
            UPDATE,
            json!({ "id": id, "input": input["input"] }),
        )
        .await;
    assert_eq!(error_code(&frozen), Some("CONFLICT"), "{frozen}");
    assert_eq!(
        frozen["errors"][0]["extensions"]["reason"],
        "QUOTE_NOT_DRAFT"
    );
    assert_eq!(quote_events(&app).await, events, "nothing written");

    let revised = app
        .graphql_as(
            &shop.token,
            REVISE,
            json!({ "id": id, "input": input["input"] }),
        )
        .await;
    assert_eq!(
        revised["data"]["reviseQuote"],
        json!({ "version": 2, "status": "DRAFT", "totalHt": "172.36" }),
        "{revised}"
    );
    let refuse = "mutation($id: ID!) { refuseQuote(id: $id) { status } }";
    let not_sent = app
        .graphql_as(&shop.token, refuse, json!({ "id": id }))
        .await;
    assert_eq!(
        not_sent["errors"][0]["extensions"]["reason"],
        "QUOTE_NOT_SENT"
    );
    app.graphql_as(&shop.token, send, json!({ "id": id })).await;
    let refused = app
        .graphql_as(&shop.token, refuse, json!({ "id": id }))
        .await;
    assert_eq!(refused["data"]["refuseQuote"]["status"], "REFUSED");
    let list = app
        .graphql_as(
            &shop.token,
            "{ quotes(status: REFUSED) { edges { node { number version } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["quotes"]["edges"][0]["node"],
        json!({ "number": format!("DEV-{}-0001", year()), "version": 2 })
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_quotes_are_refused_and_spend_no_number() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier", "gerant@atelier.fr").await;
    let events = quote_events(&app).await;
    let with = |path: (usize, &str), value: Value| {
        let mut input = workshop_quote(&shop.client, &shop.gate, &shop.rims);
        input["input"]["lines"][path.0][path.1] = value;
        input
    };
    for (variables, code, reason) in [
        (
            with((0, "coats"), json!(4)),
            "VALIDATION",
            "QUOTE_COATS_INVALID",
        ),
        (
            with((1, "vatRate"), json!("19.6")),
            "VALIDATION",
            "QUOTE_VAT_RATE_NOT_ALLOWED",
        ),
        (
            with((0, "lengthMm"), json!("-2000")),
            "VALIDATION",
            "QUOTE_SURFACE_INVALID",
        ),
        (
            with((2, "areaM2"), Value::Null),
            "VALIDATION",
            "QUOTE_SURFACE_INVALID",
        ),
        (
            with((1, "powderId"), json!("powder/inconnue/polyester/gloss")),
            "VALIDATION",
            "POWDER_NOT_FOUND",
        ),
        (
            with((0, "discountPct"), json!("150")),
            "VALIDATION",
            "QUOTE_DISCOUNT_INVALID",
        ),
    ] {
        let refused = app.graphql_as(&shop.token, CREATE, variables).await;
        assert_eq!(error_code(&refused), Some(code), "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"], reason,
            "{refused}"
        );
        assert!(refused["errors"][0]["message"].as_str().unwrap().len() > 10);
    }
    let mut unknown_client = workshop_quote(&shop.client, &shop.gate, &shop.rims);
    unknown_client["input"]["clientId"] = json!(uuid::Uuid::new_v4().to_string());
    let refused = app.graphql_as(&shop.token, CREATE, unknown_client).await;
    assert_eq!(error_code(&refused), Some("NOT_FOUND"), "{refused}");
    assert_eq!(quote_events(&app).await, events, "nothing written");
    let next = app
        .graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(&shop.client, &shop.gate, &shop.rims),
        )
        .await;
    assert_eq!(
        next["data"]["createQuote"]["number"],
        format!("DEV-{}-0001", year()),
        "refusals spent no number"
    );
    app.stop().await;
}

#[tokio::test]
async fn quotes_clients_and_powders_stay_in_their_workshop() {
    let app = spawn_app().await;
    let (_, a) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let (_, b) = shop(&app, "Atelier B", "b@atelier-b.fr").await;
    let created = app
        .graphql_as(
            &a.token,
            CREATE,
            workshop_quote(&a.client, &a.gate, &a.rims),
        )
        .await;
    let id = created["data"]["createQuote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = app
        .graphql_as(
            &b.token,
            "query($id: ID!) { quote(id: $id) { number } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&seen), Some("NOT_FOUND"), "{seen}");
    let send = app
        .graphql_as(
            &b.token,
            "mutation($id: ID!) { sendQuote(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&send), Some("NOT_FOUND"), "{send}");
    let listed = app
        .graphql_as(&b.token, "{ quotes { edges { node { id } } } }", json!({}))
        .await;
    assert!(!listed.to_string().contains(&id), "{listed}");
    // B cannot quote A's client, and has its own numbering.
    let foreign = app
        .graphql_as(
            &b.token,
            CREATE,
            workshop_quote(&a.client, &b.gate, &b.rims),
        )
        .await;
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"), "{foreign}");
    let own = app
        .graphql_as(
            &b.token,
            CREATE,
            workshop_quote(&b.client, &b.gate, &b.rims),
        )
        .await;
    assert_eq!(
        own["data"]["createQuote"]["number"],
        format!("DEV-{}-0001", year())
    );
    app.stop().await;
}

pub async fn pdf(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/api/v1/quotes/{id}.pdf", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The text of a PDF, read by poppler's `pdftotext` (a real reader, not our own code).
pub fn pdf_text(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("quote-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/ensure-tools");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_pdf_shows_the_quote_with_accents_and_stays_in_its_workshop() {
    let app = spawn_app().await;
    let (owner, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let id = new_quote(&app, &shop).await;
    let response = pdf(&app, &shop.token, &id).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    assert!(
        bytes.len() < 400_000,
        "fonts subset, no colour profile: {}",
        bytes.len()
    );
    let text = pdf_text(&bytes);
    for expected in [
        "Thermolaquage du Val",
        &format!("Devis DEV-{}-0001 — version 1", year()),
        "Bernard Paul",
        "Désignation",
        "Détails techniques",
        "Portail",
        "TP 7016 B (polyester, brillant)",
        "primaire",
        "cuisson 200",
        "10 min",
        "20 %",
        "43,26 €",
        "TVA 20 % sur 104,52 €",
        "TVA 10 % sur 67,84 €",
        "Total TTC",
        "200,04 €",
        "Acompte à la signature (30 %)",
        "60,01 €",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Same quote, same bytes.
    let again = pdf(&app, &shop.token, &id).await.bytes().await.unwrap();
    assert_eq!(again, bytes);

    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    assert_eq!(pdf(&app, &operator.access_token, &id).await.status(), 200);
    let (_, other) = shop_without_quotes(&app).await;
    assert_eq!(
        pdf(&app, &other, &id).await.status(),
        404,
        "another workshop"
    );
    assert_eq!(pdf(&app, &shop.token, "pas-un-id").await.status(), 404);
    app.stop().await;
}

async fn shop_without_quotes(app: &TestApp) -> (tests::Owner, String) {
    let owner = app.sign_up("Atelier B", "b@atelier-b.fr").await;
    let token = owner.access_token.clone();
    (owner, token)
}

#[tokio::test]
async fn quote_settings_set_the_pattern_and_rates_of_the_next_quotes() {
    let app = spawn_app().await;
    let (owner, shop) = shop(&app, "Atelier", "gerant@atelier.fr").await;
    let update = "mutation($input: QuoteSettingsInput!) { updateQuoteSettings(input: $input) {
        numberPattern hourlyRate validityDays depositAmount depositPercent } }";
    let settings = |pattern: &str, hourly: &str| {
        json!({ "input": {
            "numberPattern": pattern, "hourlyRate": hourly, "powderMarginPct": "30",
            "labourMarginPct": "20", "primerPricePerKg": "15", "varnishPricePerKg": "18",
            "validityDays": 15, "deposit": { "amount": "50" },
        } })
    };
    let changed = app
        .graphql_as(&shop.token, update, settings("Q{YY}-{NNN}", "60"))
        .await;
    assert_eq!(
        changed["data"]["updateQuoteSettings"],
        json!({ "numberPattern": "Q{YY}-{NNN}", "hourlyRate": "60", "validityDays": 15,
                "depositAmount": "50", "depositPercent": null }),
        "{changed}"
    );
    let created = app
        .graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(&shop.client, &shop.gate, &shop.rims),
        )
        .await;
    let quote = &created["data"]["createQuote"];
    assert_eq!(
        quote["number"],
        format!("Q{:02}-001", year() % 100),
        "{created}"
    );
    assert_eq!(quote["depositDue"], "50.00");
    // Sandblasting: 20 min at 60 €/h = 20 + 20 % = 24.
    assert_eq!(quote["lines"][2]["totalHt"], "24.00");

    let events = quote_events(&app).await;
    for (variables, reason) in [
        (settings("DEV-{YYYY}", "60"), "NUMBER_PATTERN_NO_COUNTER"),
        (settings("DEV {NNNN}", "60"), "NUMBER_PATTERN_INVALID"),
        (settings("DEV-{NNNN}", "-1"), "QUOTE_RATES_INVALID"),
    ] {
        let refused = app.graphql_as(&shop.token, update, variables).await;
        assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
        assert_eq!(refused["errors"][0]["extensions"]["reason"], reason);
    }
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let forbidden = app
        .graphql_as(&operator.access_token, update, settings("D-{NNNN}", "50"))
        .await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"));
    assert_eq!(quote_events(&app).await, events, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn sent_quotes_past_their_validity_expire_on_schedule() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier", "gerant@atelier.fr").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let mut input = workshop_quote(&shop.client, &shop.gate, &shop.rims);
    input["input"]["validUntil"] = json!(today.to_string());
    let send = "mutation($id: ID!) { sendQuote(id: $id) { status } }";
    let mut ids = Vec::new();
    for sent in [true, false] {
        let created = app.graphql_as(&shop.token, CREATE, input.clone()).await;
        let id = created["data"]["createQuote"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        if sent {
            app.graphql_as(&shop.token, send, json!({ "id": id })).await;
        }
        ids.push(id);
    }
    let commands = &app.state.commands;
    let now = chrono::Utc::now();
    assert_eq!(
        workers::quote_expiry::expire_due(&app.db.pool, commands, now)
            .await
            .unwrap(),
        0,
        "valid until the end of today"
    );
    let in_two_days = now + chrono::Duration::days(2);
    assert_eq!(
        workers::quote_expiry::expire_due(&app.db.pool, commands, in_two_days)
            .await
            .unwrap(),
        1,
        "the sent one only; a draft never expires"
    );
    let status = |id: String| {
        let app = &app;
        let token = shop.token.clone();
        async move {
            app.graphql_as(
                &token,
                "query($id: ID!) { quote(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await["data"]["quote"]["status"]
                .clone()
        }
    };
    tests::eventually("the sent quote shown expired", || async {
        (status(ids[0].clone()).await == "EXPIRED").then_some(())
    })
    .await;
    assert_eq!(status(ids[0].clone()).await, "EXPIRED");
    assert_eq!(status(ids[1].clone()).await, "DRAFT");
    app.stop().await;
}
