//! Business bounds (issue 16): the largest value of every limit of `domain::limits` goes
//! through the real commands and reads back (no projection parks on it); the absurd is
//! refused as VALIDATION and writes nothing, while another workshop carries on.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::clients::{create as create_client, private};
use crate::invoices::seller_settings;
use crate::quote_signatures::{drawn_signature, sign_input, SIGN};
use crate::quotes::{powder, shop, Shop, CREATE};

const SETTINGS: &str =
    "mutation($input: QuoteSettingsInput!) { updateQuoteSettings(input: $input) {
    hourlyRate } }";
const REGISTER: &str =
    "mutation($input: PowderInput!) { registerPowder(input: $input) { id pricePerKg } }";
const STOCK: &str =
    "query { powderStock { edges { node { theoreticalKg lots { receivedKg } } } } }";

/// The last event a command wrote. The mailer records its own emails in the background
/// (the sign-up's), so they are left out: they would move this for reasons of their own.
async fn last_position(app: &TestApp) -> Option<i64> {
    sqlx::query_scalar("select max(global_position) from events where aggregate_type <> 'email'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn ok<'a>(response: &'a Value, field: &str) -> &'a Value {
    assert!(response["errors"].is_null(), "{field}: {response}");
    &response["data"][field]
}

fn refused(response: &Value, reason: &str) {
    assert_eq!(error_code(response), Some("VALIDATION"), "{response}");
    assert_eq!(
        response["errors"][0]["extensions"]["reason"], reason,
        "{response}"
    );
}

fn text(length: usize) -> String {
    "é".repeat(length)
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
}

/// A line of `quantity` parts of 1 m², `minutes` of labour each, without VAT.
fn labour_line(quantity: u32, minutes: &str) -> Value {
    json!({ "description": text(2_000), "quantity": quantity, "areaM2": "1",
            "labourMinutes": minutes, "vatRate": "0" })
}

/// Quote settings at their largest, then rates where a minute of labour is exactly 1 €.
async fn quote_settings(app: &TestApp, token: &str, covered: &mut BTreeSet<&str>) {
    let largest = json!({ "input": {
        "numberPattern": "D-{YYYY}-{NNNN}", "hourlyRate": "1000", "powderMarginPct": "1000",
        "labourMarginPct": "1000", "primerPricePerKg": "1000", "varnishPricePerKg": "1000",
        "validityDays": 30, "deposit": { "amount": "10000000" } } });
    let saved = app.graphql_as(token, SETTINGS, largest).await;
    assert_eq!(ok(&saved, "updateQuoteSettings")["hourlyRate"], "1000");
    let flat = json!({ "input": {
        "numberPattern": "D-{YYYY}-{NNNN}", "hourlyRate": "60", "powderMarginPct": "0",
        "labourMarginPct": "0", "primerPricePerKg": "15", "varnishPricePerKg": "18",
        "validityDays": 30, "deposit": { "percent": "30" } } });
    ok(
        &app.graphql_as(token, SETTINGS, flat).await,
        "updateQuoteSettings",
    );
    covered.extend([
        "QuoteSettingsInput.hourlyRate",
        "QuoteSettingsInput.powderMarginPct / labourMarginPct",
        "QuoteSettingsInput.primerPricePerKg / varnishPricePerKg",
        "DepositInput.amount",
    ]);
}

/// 200 lines, each figure at its largest once; then ten lines of 1 000 000 € HT: the largest
/// quote, 10 000 000 € TTC.
async fn quotes(app: &TestApp, shop: &Shop, covered: &mut BTreeSet<&str>) -> String {
    let mut lines = vec![
        json!({ "description": text(2_000), "quantity": 1, "lengthMm": "20000",
                "widthMm": "20000", "powderId": shop.gate }),
        json!({ "description": "surface", "quantity": 1, "areaM2": "1000" }),
        json!({ "description": "main d'œuvre", "quantity": 1, "areaM2": "1",
                "labourMinutes": "10000", "consumables": "100000" }),
        json!({ "description": "quantité", "quantity": 10000, "areaM2": "0.01" }),
    ];
    while lines.len() < 200 {
        lines.push(json!({ "description": "pièce", "quantity": 1, "areaM2": "1" }));
    }
    let created = app
        .graphql_as(
            &shop.token,
            CREATE,
            json!({ "input": { "clientId": shop.client, "lines": lines,
                               "validUntil": "2099-12-31" } }),
        )
        .await;
    let quote = ok(&created, "createQuote");
    assert_eq!(quote["lines"].as_array().unwrap().len(), 200, "{created}");
    covered.extend([
        "QuoteInput.lines",
        "QuoteLineInput.quantity",
        "QuoteLineInput.lengthMm / widthMm",
        "QuoteLineInput.areaM2",
        "QuoteLineInput.labourMinutes",
        "QuoteLineInput.consumables",
        "QuoteLineInput.description",
        "QuoteInput.validUntil",
    ]);

    let largest = json!({ "input": { "clientId": shop.client,
        "lines": vec![labour_line(10_000, "100"); 10] } });
    let created = app.graphql_as(&shop.token, CREATE, largest).await;
    let quote = ok(&created, "createQuote");
    assert_eq!(quote["lines"][0]["totalHt"], "1000000.00", "{created}");
    assert_eq!(quote["totalTtc"], "10000000.00", "{created}");
    covered.extend(["total HT d'une ligne", "total TTC d'un devis"]);
    quote["id"].as_str().unwrap().to_owned()
}

/// The invoicing settings with their longest mentions.
fn largest_seller_settings() -> Value {
    let mut settings = seller_settings();
    let seller = &mut settings["input"]["seller"];
    seller["legalName"] = json!(text(200));
    seller["legalForm"] = json!(text(200));
    seller["registration"] = json!(text(200));
    seller["address"]["line1"] = json!(text(200));
    seller["address"]["line2"] = json!(text(200));
    seller["address"]["city"] = json!(text(200));
    seller["iban"] = json!(format!("FR76 {}12", "1234 ".repeat(7)));
    settings["input"]["latePenalty"] = json!(text(1_000));
    settings
}

/// The largest quote signed, paid at once and refunded at once.
async fn billing(app: &TestApp, shop: &Shop, quote_id: &str, covered: &mut BTreeSet<&str>) {
    ok(
        &app.graphql_as(
            &shop.token,
            "mutation($input: InvoiceSettingsInput!) { updateInvoiceSettings(input: $input) { paymentDays } }",
            largest_seller_settings(),
        )
        .await,
        "updateInvoiceSettings",
    );
    let sent = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!) { sendQuote(id: $id) { sentPdfSha256 } }",
            json!({ "id": quote_id }),
        )
        .await;
    let sha = ok(&sent, "sendQuote")["sentPdfSha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let signed = app
        .graphql_as(
            &shop.token,
            SIGN,
            sign_input(quote_id, &sha, &drawn_signature()),
        )
        .await;
    ok(&signed, "signQuote");
    let paid = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!, $input: PaymentInput!) { recordPayment(quoteId: $id, input: $input) { paid status } }",
            json!({ "id": quote_id, "input": { "amount": "10000000", "method": "TRANSFER",
                    "reference": "r".repeat(200), "receivedOn": today() } }),
        )
        .await;
    assert_eq!(ok(&paid, "recordPayment")["paid"], "10000000.00", "{paid}");
    let refunded = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!, $input: RefundInput!) { recordRefund(quoteId: $id, input: $input) { refunded status } }",
            json!({ "id": quote_id, "input": { "amount": "10000000", "method": "TRANSFER",
                    "reason": text(2_000) } }),
        )
        .await;
    assert_eq!(
        ok(&refunded, "recordRefund")["status"],
        "REFUNDED",
        "{refunded}"
    );
    covered.extend([
        "SellerInput.legalName / legalForm / registration / email / address",
        "InvoiceSettingsInput.latePenalty",
        "SellerInput.iban",
        "PaymentInput.amount",
        "PaymentInput.reference",
        "PaymentInput.receivedOn",
        "RefundInput.amount",
        "RefundInput.reason",
    ]);
}

/// A powder at the catalogue's limits, a truck of it received, used and a carton weighed.
async fn powders(app: &TestApp, token: &str, covered: &mut BTreeSet<&str>) {
    let formats: Vec<Value> = (0..20)
        .map(|index| json!({ "kg": (1000 - index).to_string(), "tareKg": "0.8" }))
        .collect();
    let input = json!({
        "reference": format!("R{}", "X".repeat(99)), "kind": "POLYESTER", "finish": "GLOSS",
        "brand": text(200), "name": text(200), "colour": text(100), "densityGCm3": "1.5",
        "thicknessUm": "70", "consumptionKgM2": "5", "transferEfficiency": "1",
        "cureTemperatureC": 200, "cureMinutes": 10, "formats": formats, "pricePerKg": "1000",
    });
    let registered = app
        .graphql_as(token, REGISTER, json!({ "input": input }))
        .await;
    let powder = ok(&registered, "registerPowder");
    assert_eq!(powder["pricePerKg"], "1000.00");
    let id = powder["id"].as_str().unwrap();
    let received = app
        .graphql_as(
            token,
            "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"10000\", formatKg: \"1000\", lot: \"L1\", expiresOn: \"2099-12-31\") }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok(&received, "receivePowder"), true);
    let consumed = app
        .graphql_as(
            token,
            "mutation($id: ID!, $note: String!) { consumePowder(powderId: $id, kg: \"10000\", note: $note) }",
            json!({ "id": id, "note": text(2_000) }),
        )
        .await;
    assert_eq!(ok(&consumed, "consumePowder"), true);
    let weighed = app
        .graphql_as(
            token,
            "mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"1000\", grossKg: \"1000\") { netKg } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok(&weighed, "weighPowder")["netKg"], "999.2");
    let stock = app.graphql_as(token, STOCK, json!({})).await;
    let row = &ok(&stock, "powderStock")["edges"][0]["node"];
    assert_eq!(row["theoreticalKg"], "999.200", "{stock}");
    assert_eq!(row["lots"][0]["receivedKg"], "10000.000", "{stock}");
    let planned = app
        .graphql_as(
            token,
            "mutation($name: String!) { planInventory(name: $name, startsOn: \"2099-12-01\", endsOn: \"2099-12-31\", size: 200) { id } }",
            json!({ "name": text(200) }),
        )
        .await;
    ok(&planned, "planInventory");
    covered.extend([
        "planInventory.name",
        "planInventory.size",
        "planInventory.startsOn / endsOn",
        "PowderInput.formats",
        "FormatInput.kg / receivePowder.formatKg",
        "PowderInput.pricePerKg",
        "PowderInput.consumptionKgM2",
        "PowderInput.transferEfficiency",
        "PowderInput.reference",
        "PowderInput.brand",
        "PowderInput.name",
        "PowderInput.colour",
        "receivePowder.kg / consumePowder.kg",
        "receivePowder.expiresOn",
        "consumePowder.note",
        "weighPowder.grossKg",
    ]);
}

async fn oven(app: &TestApp, token: &str, covered: &mut BTreeSet<&str>) {
    let updated = app
        .graphql_as(
            token,
            "mutation($input: OvenInput!) { updateOven(input: $input) { lengthMm maxLoadKg } }",
            json!({ "input": { "lengthMm": 50000, "widthMm": 50000, "heightMm": 50000,
                "barSpacingMm": 500, "gapMm": 50, "marginMm": 100, "hookMm": 60,
                "maxLoadKg": "100000" } }),
        )
        .await;
    let oven = ok(&updated, "updateOven");
    assert_eq!(oven["lengthMm"], 50000, "{updated}");
    covered.extend([
        "OvenInput.lengthMm / widthMm / heightMm / barSpacingMm / gapMm / marginMm / hookMm",
        "OvenInput.maxLoadKg",
    ]);
}

/// A project opened at the counter with its longest texts and latest dates.
async fn project(app: &TestApp, shop: &Shop, covered: &mut BTreeSet<&str>) {
    let created = app
        .graphql_as(
            &shop.token,
            "mutation($input: ProjectInput!) { createProject(input: $input) { id } }",
            json!({ "input": { "clientId": shop.client, "priority": "NORMAL",
                "lines": [{ "description": "Portail", "quantity": 1, "areaM2": "1" }],
                "depositedOn": "2099-12-31", "promisedOn": "2099-12-31", "endUse": text(200) } }),
        )
        .await;
    let id = ok(&created, "createProject")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    crate::projects::step(app, &shop.token, &id, "reception").await;
    let skipped = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!, $reason: String!) { skipStep(projectId: $id, step: \"degraissage\", reason: $reason) { id } }",
            json!({ "id": id, "reason": text(5_000) }),
        )
        .await;
    ok(&skipped, "skipStep");
    covered.extend([
        "ProjectInput.endUse",
        "ProjectInput.depositedOn",
        "ProjectInput.promisedOn",
        "skipStep.reason / QcAnswerInput.comment / NonConformityInput.comment / correctiveAction",
    ]);
}

async fn interaction(app: &TestApp, shop: &Shop, covered: &mut BTreeSet<&str>) {
    let recorded = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!, $at: DateTime) { recordInteraction(clientId: $id, kind: CALL, occurredAt: $at, text: \"appel\") { id } }",
            json!({ "id": shop.client, "at": chrono::Utc::now() }),
        )
        .await;
    ok(&recorded, "recordInteraction");
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(2);
    let future = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!, $at: DateTime) { recordInteraction(clientId: $id, kind: CALL, occurredAt: $at, text: \"appel\") { id } }",
            json!({ "id": shop.client, "at": tomorrow }),
        )
        .await;
    refused(&future, "INTERACTION_DATE_OUT_OF_RANGE");
    covered.insert("recordInteraction.occurredAt");
}

/// A sign-up with the longest phone and consent versions, a login carrying the longest codes
/// (an operator has no second factor, so they are not checked) and a logout with the longest
/// token. Accounts live outside the log: the phone reads back from its table, the versions
/// from the consent event.
async fn accounts(app: &TestApp, owner: &tests::Owner, covered: &mut BTreeSet<&str>) {
    let mut input = tests::sign_up_input("Atelier Long", "gerant@atelier-long.fr");
    input["phone"] = json!("+".repeat(30));
    input["consent"]["termsVersion"] = json!(text(50));
    input["consent"]["privacyPolicyVersion"] = json!(text(50));
    let signed_up = app.graphql(tests::SIGN_UP, json!({ "input": input })).await;
    ok(&signed_up, "signUp");
    let phone: Option<String> =
        sqlx::query_scalar("select phone from account where email = 'gerant@atelier-long.fr'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(phone, Some("+".repeat(30)));
    let logged: Vec<String> = sqlx::query_scalar(
        "select payload::text from events where event_type = 'WorkspaceConsentRecorded'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(
        logged.iter().any(|payload| payload.contains(&text(50))),
        "the consent versions are in the log: {logged:?}"
    );

    let (_, email) = app.join(owner.workspace_id, domain::Role::Operator).await;
    let login = app
        .graphql(
            tests::LOGIN,
            json!({ "input": { "email": email, "password": tests::PASSWORD,
                "workspaceId": owner.workspace_id.to_string(),
                "totpCode": "1".repeat(20), "recoveryCode": "r".repeat(20) } }),
        )
        .await;
    assert!(ok(&login, "login")["session"].is_object(), "{login}");
    let logout = app
        .graphql(
            "mutation($token: String!) { logout(refreshToken: $token) }",
            json!({ "token": "t".repeat(100) }),
        )
        .await;
    assert_eq!(ok(&logout, "logout"), true);
    covered.extend([
        "SignUpInput.phone",
        "ConsentInput.termsVersion / privacyPolicyVersion",
        "LoginInput.totpCode / recoveryCode, acceptInvitation.totpCode / recoveryCode",
        "refreshSession.refreshToken / logout.refreshToken",
    ]);
}

/// The workshop's own SMTP server with the longest host, login and password; the password
/// reads back opened from its sealed column.
async fn mail_settings(app: &TestApp, owner: &tests::Owner, covered: &mut BTreeSet<&str>) {
    let host = format!("{}.fr", "a".repeat(250));
    let saved = app
        .graphql_as(
            &owner.access_token,
            "mutation($input: SmtpSettingsInput!) { saveEmailSettings(input: $input) { host username hasPassword } }",
            json!({ "input": { "host": host, "port": 587, "security": "STARTTLS",
                "username": text(256), "password": text(256),
                "fromAddress": "atelier@exemple.fr" } }),
        )
        .await;
    let node = ok(&saved, "saveEmailSettings");
    assert_eq!(node["host"], host.as_str());
    assert_eq!(node["username"], text(256).as_str());
    let stored =
        commands::mail_settings::load(&app.db.pool, &app.state.secrets, owner.workspace_id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.password, Some(text(256)));
    covered.extend([
        "SmtpSettingsInput.host",
        "SmtpSettingsInput.username / password",
    ]);
}

/// Pennylane connected with the longest account and the largest id, then disconnected: last,
/// so no invoice issued here is pushed anywhere.
async fn pennylane(app: &TestApp, token: &str, covered: &mut BTreeSet<&str>) {
    let account = "7".repeat(20);
    let connected = app
        .graphql_as(
            token,
            "mutation($accounts: [PennylaneAccountInput!]!) { connectPennylane(token: \"pennylane-jeton-1234\", accounts: $accounts) { connected } }",
            json!({ "accounts": [{ "account": account, "ledgerAccountId": 2_147_483_647 }] }),
        )
        .await;
    assert_eq!(ok(&connected, "connectPennylane")["connected"], true);
    let read = app
        .graphql_as(
            token,
            "{ pennylane { accounts { account ledgerAccountId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&read, "pennylane")["accounts"],
        json!([{ "account": account, "ledgerAccountId": 2_147_483_647 }])
    );
    ok(
        &app.graphql_as(
            token,
            "mutation { disconnectPennylane { connected } }",
            json!({}),
        )
        .await,
        "disconnectPennylane",
    );
    covered.extend([
        "PennylaneAccountInput.account",
        "PennylaneAccountInput.ledgerAccountId",
    ]);
}

/// The editor's catalogue: the dearest add-on announced for the last day, the longest
/// trial, a rollout back to all.
async fn editor(app: &TestApp, covered: &mut BTreeSet<&str>) {
    let editor = app.editor().await;
    let token = &editor.access_token;
    let changed = app
        .editor_graphql(
            token,
            "mutation { changePrice(item: { addOn: EXTRA_STORAGE }, prices: { monthlyHt: \"10000\", yearlyHt: \"120000\" }, appliesFrom: \"2099-12-31\") {
               prices { key monthlyHt yearlyHt appliesFrom } } }",
            json!({}),
        )
        .await;
    let prices = ok(&changed, "changePrice")["prices"].as_array().unwrap();
    assert!(
        prices.contains(
            &json!({ "key": "add_on:extra_storage", "monthlyHt": "10000.00",
                                  "yearlyHt": "120000.00", "appliesFrom": "2099-12-31" })
        ),
        "{changed}"
    );
    let trial = app
        .editor_graphql(
            token,
            "mutation { setTrialLength(days: 90) { trialDays } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&trial, "setTrialLength")["trialDays"], 90);
    for percent in [50, 100] {
        let rollout = app
            .editor_graphql(
                token,
                &format!("mutation {{ setFeatureRollout(feature: JANTES, percent: {percent}) {{ switches {{ feature rolloutPercent }} }} }}"),
                json!({}),
            )
            .await;
        let switches = ok(&rollout, "setFeatureRollout")["switches"]
            .as_array()
            .unwrap();
        assert!(switches.contains(&json!({ "feature": "JANTES", "rolloutPercent": percent })));
    }
    covered.extend([
        "PricesInput.monthlyHt",
        "PricesInput.yearlyHt",
        "appliesFrom",
        "setTrialLength.days",
        "setFeatureRollout.percent",
    ]);
}

#[tokio::test]
async fn bounds_every_largest_value_is_stored_and_read_back() {
    let app = spawn_app().await;
    let (owner, shop) = shop(&app, "Atelier", "gerant@atelier.fr").await;
    let mut covered = BTreeSet::new();
    quote_settings(&app, &shop.token, &mut covered).await;
    let largest = quotes(&app, &shop, &mut covered).await;
    billing(&app, &shop, &largest, &mut covered).await;
    powders(&app, &shop.token, &mut covered).await;
    oven(&app, &shop.token, &mut covered).await;
    project(&app, &shop, &mut covered).await;
    interaction(&app, &shop, &mut covered).await;
    accounts(&app, &owner, &mut covered).await;
    mail_settings(&app, &owner, &mut covered).await;
    pennylane(&app, &shop.token, &mut covered).await;
    editor(&app, &mut covered).await;
    let every: BTreeSet<&str> = domain::limits::ALL
        .iter()
        .map(|limit| limit.field())
        .collect();
    assert_eq!(
        covered, every,
        "each limit of domain::limits has its largest value here"
    );
}

/// The client's own limits (`domain::client`, not the table): the longest address lines and
/// city read back, and a duplicate saved with the longest reason.
#[tokio::test]
async fn bounds_the_longest_client_address_and_duplicate_reason_are_kept() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let address = json!({ "line1": text(200), "line2": text(200), "postcode": "49000",
                          "city": text(100) });
    let mut input = private("Lise", "Morel", "lise@exemple.fr");
    input["billingAddress"] = address.clone();
    input["deliveryAddress"] = address;
    let created = app
        .graphql_as(
            token,
            "mutation($input: ClientInput!) { createClient(input: $input) { id
                billingAddress { line1 line2 city } deliveryAddress { line1 line2 city } } }",
            json!({ "input": input }),
        )
        .await;
    let client = ok(&created, "createClient");
    for address in ["billingAddress", "deliveryAddress"] {
        assert_eq!(
            client[address],
            json!({ "line1": text(200), "line2": text(200), "city": text(100) }),
            "{address}"
        );
    }
    let duplicate = app
        .graphql_as(
            token,
            crate::clients::CREATE,
            json!({ "input": private("Lise", "Morel", "lise@exemple.fr"), "reason": text(2_000) }),
        )
        .await;
    ok(&duplicate, "createClient");
    let too_long = app
        .graphql_as(
            token,
            crate::clients::CREATE,
            json!({ "input": private("Lise", "Morel", "lise@exemple.fr"), "reason": text(2_001) }),
        )
        .await;
    refused(&too_long, "CLIENT_FIELD_TOO_LONG");
}

#[tokio::test]
async fn bounds_absurd_figures_of_one_workshop_write_nothing_and_spare_the_other() {
    let app = spawn_app().await;
    let (_, a) = shop(&app, "Atelier A", "gerant@atelier-a.fr").await;
    let before = last_position(&app).await;
    let absurd_reception = app
        .graphql_as(
            &a.token,
            "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"1000000000\") }",
            json!({ "id": a.gate }),
        )
        .await;
    refused(&absurd_reception, "POWDER_KG_OUT_OF_RANGE");
    assert!(absurd_reception["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("au plus 10\u{202f}000 kg"));
    let absurd_consumables = app
        .graphql_as(
            &a.token,
            CREATE,
            json!({ "input": { "clientId": a.client, "lines": [{ "description": "Portail",
                "quantity": 1, "areaM2": "1", "consumables": "2000000000000" }] } }),
        )
        .await;
    refused(&absurd_consumables, "QUOTE_CONSUMABLES_OUT_OF_RANGE");
    let absurd_quantity = app
        .graphql_as(
            &a.token,
            CREATE,
            json!({ "input": { "clientId": a.client, "lines": [{ "description": "Portail",
                "quantity": 2000000000u32, "areaM2": "10000000" }] } }),
        )
        .await;
    refused(&absurd_quantity, "QUOTE_QUANTITY_OUT_OF_RANGE");
    assert_eq!(
        absurd_quantity["errors"][0]["message"],
        "ligne 1 : quantité : au plus 10\u{202f}000"
    );
    assert_eq!(
        last_position(&app).await,
        before,
        "a refusal writes no event"
    );

    // Workshop B is not held up: its reception, weighing and quote read back at once.
    let b_owner = app.sign_up("Atelier B", "gerant@atelier-b.fr").await;
    let token = b_owner.access_token.clone();
    let client = create_client(&app, &token, private("Lise", "Morel", "lise@exemple.fr")).await;
    let powder_id = powder(&app, &token, "TP 9010 B", "12.90", "0.175").await;
    let received = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"25\") }",
            json!({ "id": powder_id }),
        )
        .await;
    assert_eq!(ok(&received, "receivePowder"), true);
    let weighed = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { weighPowder(powderId: $id, formatKg: \"25\", grossKg: \"20.8\") { netKg } }",
            json!({ "id": powder_id }),
        )
        .await;
    assert_eq!(ok(&weighed, "weighPowder")["netKg"], "20.0");
    let quote = app
        .graphql_as(
            &token,
            CREATE,
            json!({ "input": { "clientId": client, "lines": [{ "description": "Portail",
                "quantity": 2, "areaM2": "1.5", "powderId": powder_id }] } }),
        )
        .await;
    assert_eq!(
        ok(&quote, "createQuote")["lines"][0]["description"],
        "Portail"
    );
    let stock = app.graphql_as(&token, STOCK, json!({})).await;
    assert_eq!(
        ok(&stock, "powderStock")["edges"][0]["node"]["theoreticalKg"],
        "20.000",
        "{stock}"
    );
}
