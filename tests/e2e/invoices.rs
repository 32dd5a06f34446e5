//! Payments and invoices: a signed quote's deposit invoices as payments come in, the final
//! invoice deducting them, credit notes, refunds; the refusals that write nothing; the PDF,
//! FEC and CSV downloads; each workshop sees its own only.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::clients::{create as create_client, garage};
use crate::quote_signatures::{create_and_send, drawn_signature, sign_input, SIGN};
use crate::quotes::{new_quote, pdf_text, shop, Shop};

const INVOICE: &str = "id number kind quoteNumber clientName issuedOn dueOn totalHt totalVat
    totalTtc dueTtc deductions { number totalTtc vat { rate baseHt vat } } mentions creditedBy
    creditNoteOf pdfUrl";

fn billing() -> String {
    format!(
        "query($id: ID!) {{ billing(quoteId: $id) {{ totalTtc depositDue paid refunded balance
        status payments {{ kind method amount receiptUrl }} invoices {{ {INVOICE} }} }} }}"
    )
}

fn record_payment() -> String {
    format!(
        "mutation($id: ID!, $input: PaymentInput!) {{ recordPayment(quoteId: $id, input: $input) {{
        totalTtc paid balance status invoices {{ {INVOICE} }} }} }}"
    )
}

fn issue_final() -> String {
    format!("mutation($id: ID!) {{ issueFinalInvoice(quoteId: $id) {{ {INVOICE} }} }}")
}

fn credit_note() -> String {
    format!("mutation($id: ID!) {{ issueCreditNote(invoiceId: $id) {{ {INVOICE} }} }}")
}

const SETTINGS: &str =
    "mutation($input: InvoiceSettingsInput!) { updateInvoiceSettings(input: $input) {
    seller { siret vatNumber } invoicePattern paymentDays } }";

fn year() -> String {
    chrono::Utc::now().format("%Y").to_string()
}

pub fn seller_settings() -> Value {
    json!({ "input": {
        "seller": { "legalName": "Thermolaquage du Val SAS", "siret": "732 829 320 00074",
            "vatNumber": "FR44732829320",
            "address": { "line1": "3 rue du Four", "postcode": "69001", "city": "Lyon" },
            "legalForm": "SAS au capital de 10 000 €", "registration": "RCS Lyon 732 829 320",
            "iban": "FR76 3000 6000 0112 3456 7890 189" },
        "invoicePattern": "FACT-{YYYY}-{NNNN}", "creditNotePattern": "AV-{YYYY}-{NNNN}",
        "paymentDays": 30, "latePenalty": "taux de refinancement de la BCE majoré de 10 points",
    } })
}

/// A quote of `shop` sent and signed by the workshop for its client; its id.
pub async fn signed_quote(app: &TestApp, shop: &Shop) -> String {
    let (quote_id, sha) = create_and_send(app, shop).await;
    let signed = app
        .graphql_as(
            &shop.token,
            SIGN,
            sign_input(&quote_id, &sha, &drawn_signature()),
        )
        .await;
    assert!(signed["errors"].is_null(), "{signed}");
    quote_id
}

fn payment(amount: &str, method: &str) -> Value {
    json!({ "amount": amount, "method": method, "reference": "réf. 1" })
}

async fn billing_events(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from events where aggregate_type in ('billing', 'counter', 'invoice_settings')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn download(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Downloads the invoice's CII (Factur-X) and UBL and runs the official EN 16931 schematron
/// over both: no fatal rule may fail.
pub async fn assert_valid_einvoices(app: &TestApp, token: &str, invoice_id: &str) {
    for (file, syntax) in [("facturx.xml", "cii"), ("ubl.xml", "ubl")] {
        let response = download(app, token, &format!("/api/v1/invoices/{invoice_id}/{file}")).await;
        assert_eq!(response.status(), 200, "{file}");
        let xml = response.text().await.unwrap();
        let path = std::env::temp_dir().join(format!("{}-{file}", uuid::Uuid::new_v4()));
        std::fs::write(&path, &xml).unwrap();
        let output = std::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/en16931-validate"
        ))
        .arg(syntax)
        .arg(&path)
        .output()
        .expect("scripts/en16931-validate runs (scripts/ensure-tools installs saxonche)");
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{file} breaks EN 16931:\n{report}\n{}\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::remove_file(&path).ok();
    }
}

/// A grey 200 × 120 PNG as a `data:` URL: a scan unlike any other of the tests.
fn blank_scan() -> String {
    use base64::Engine;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        200,
        120,
        image::Rgb([200, 200, 200]),
    ))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

fn reason(response: &Value) -> &str {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no error: {response}"))
}

#[tokio::test]
async fn payments_issue_deposit_invoices_and_the_final_invoice_deducts_them() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let quote = signed_quote(&app, &shop).await;
    let before = billing_events(&app).await;
    let no_seller = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": quote, "input": payment("60.01", "CARD") }),
        )
        .await;
    assert_eq!(reason(&no_seller), "SELLER_MISSING", "{no_seller}");
    let draft = new_quote(&app, &shop).await;
    let unsigned = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": draft, "input": payment("10", "CASH") }),
        )
        .await;
    assert_eq!(reason(&unsigned), "QUOTE_NOT_SIGNED");
    assert_eq!(billing_events(&app).await, before, "refusals write nothing");

    let settings = app
        .graphql_as(&shop.token, SETTINGS, seller_settings())
        .await;
    assert_eq!(
        settings["data"]["updateInvoiceSettings"]["seller"]["siret"], "73282932000074",
        "{settings}"
    );
    let mut unreadable = payment("60.01", "CHEQUE");
    unreadable["receipt"] = json!("data:image/png;base64,AAAA");
    let unreadable = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": quote, "input": unreadable }),
        )
        .await;
    assert_eq!(reason(&unreadable), "RECEIPT_IMAGE_INVALID", "{unreadable}");
    // A cheque with its scan.
    let mut cheque = payment("60.01", "CHEQUE");
    cheque["receipt"] = json!(drawn_signature());
    let paid = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": quote, "input": cheque }),
        )
        .await;
    let paid = &paid["data"]["recordPayment"];
    assert_eq!(paid["status"], "DEPOSIT_PAID", "{paid}");
    assert_eq!(paid["balance"], "140.03");
    let deposit = &paid["invoices"][0];
    assert_eq!(deposit["kind"], "DEPOSIT");
    assert_eq!(deposit["number"], format!("FACT-{}-0001", year()));
    assert_eq!(deposit["totalTtc"], "60.01");
    assert!(deposit["mentions"][0]
        .as_str()
        .unwrap()
        .contains("article 289"));

    let before = billing_events(&app).await;
    let mut too_much = payment("500", "CHEQUE");
    too_much["receipt"] = json!(blank_scan());
    let too_much = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": quote, "input": too_much }),
        )
        .await;
    assert_eq!(reason(&too_much), "PAYMENT_EXCEEDS_DUE");
    assert_eq!(error_code(&too_much), Some("VALIDATION"));
    assert!(too_much["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("140.03"));
    let negative = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": quote, "input": payment("-5", "CASH") }),
        )
        .await;
    assert_eq!(reason(&negative), "PAYMENT_AMOUNT_INVALID");
    assert_eq!(
        billing_events(&app).await,
        before,
        "no number spent on a refused payment"
    );
    let receipts: i64 = sqlx::query_scalar("select count(*) from payment_receipt")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(receipts, 1, "the refused payment's scan is not kept");

    let last = app
        .graphql_as(&shop.token, &issue_final(), json!({ "id": quote }))
        .await;
    let last = last["data"]["issueFinalInvoice"].clone();
    assert_eq!(last["number"], format!("FACT-{}-0002", year()), "{last}");
    assert_eq!(
        (last["totalTtc"].as_str(), last["dueTtc"].as_str()),
        (Some("200.04"), Some("140.03"))
    );
    assert_eq!(last["deductions"][0]["number"], deposit["number"]);
    let split: Vec<&str> = last["deductions"][0]["vat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|total| total["rate"].as_str().unwrap())
        .collect();
    assert_eq!(
        split,
        ["20", "10"],
        "the deposit split over the quote's rates"
    );
    let twice = app
        .graphql_as(&shop.token, &issue_final(), json!({ "id": quote }))
        .await;
    assert_eq!(reason(&twice), "INVOICE_ALREADY_ISSUED");
    assert_eq!(error_code(&twice), Some("CONFLICT"));

    let settled = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": quote, "input": {
                // A reference a spreadsheet would run as a formula.
                "amount": "140.03", "method": "TRANSFER",
                "reference": "=HYPERLINK(\"http://x.example\";\"virement\")",
            } }),
        )
        .await;
    let settled = &settled["data"]["recordPayment"];
    assert_eq!(settled["status"], "PAID", "{settled}");
    assert_eq!(
        settled["invoices"].as_array().unwrap().len(),
        2,
        "no deposit invoice after the final one"
    );

    let credit = app
        .graphql_as(&shop.token, &credit_note(), json!({ "id": last["id"] }))
        .await;
    let credit = &credit["data"]["issueCreditNote"];
    assert_eq!(credit["number"], format!("AV-{}-0001", year()), "{credit}");
    assert_eq!(credit["totalTtc"], "-200.04");
    assert_eq!(credit["creditNoteOf"], last["number"]);
    let again = app
        .graphql_as(&shop.token, &credit_note(), json!({ "id": last["id"] }))
        .await;
    assert_eq!(reason(&again), "INVOICE_ALREADY_CREDITED");
    let refund = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!) { recordRefund(quoteId: $id, input: { amount: \"500\", method: TRANSFER, reason: \"geste\" }) { status } }",
            json!({ "id": quote }),
        )
        .await;
    assert_eq!(reason(&refund), "REFUND_EXCEEDS_PAID");

    let sheet = app
        .graphql_as(&shop.token, &billing(), json!({ "id": quote }))
        .await;
    let sheet = &sheet["data"]["billing"];
    let kinds: Vec<&str> = sheet["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|invoice| invoice["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["DEPOSIT", "FINAL", "CREDIT_NOTE"],
        "in the order issued: {sheet}"
    );
    assert_eq!(
        sheet["invoices"][1]["creditedBy"], credit["number"],
        "{sheet}"
    );
    assert_eq!(sheet["refunded"], "0.00");
    assert_eq!(sheet["payments"].as_array().unwrap().len(), 2);
    let scan = download(
        &app,
        &shop.token,
        sheet["payments"][0]["receiptUrl"].as_str().unwrap(),
    )
    .await;
    assert_eq!(scan.status(), 200);
    assert_eq!(scan.headers()["content-type"], "image/png");

    // E-invoicing: each document, as CII and UBL, passes the official EN 16931 rules.
    for invoice in sheet["invoices"].as_array().unwrap() {
        assert_valid_einvoices(&app, &shop.token, invoice["id"].as_str().unwrap()).await;
    }

    // The PDF as issued, with the seller's mandatory mentions and the seal.
    let pdf = download(&app, &shop.token, last["pdfUrl"].as_str().unwrap()).await;
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    for expected in [
        format!("Facture n° FACT-{}-0002", year()),
        "SIRET 73282932000074".to_owned(),
        "TVA intracommunautaire FR44732829320".to_owned(),
        "Net à payer : 140,03 €".to_owned(),
        "Pénalités de retard".to_owned(),
        "SHA-256".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected} missing in {text}");
    }

    // Factur-X: the same PDF with its CII embedded, as poppler's pdfdetach finds it.
    let facturx = download(
        &app,
        &shop.token,
        &format!(
            "/api/v1/invoices/{}/facturx.pdf",
            last["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(facturx.status(), 200);
    let facturx = facturx.bytes().await.unwrap();
    let raw = String::from_utf8_lossy(&facturx);
    for marker in [
        "<pdfaid:part>3</pdfaid:part>",
        "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
        "/AFRelationship",
        "/Alternative",
        "/GTS_PDFA1",
    ] {
        assert!(raw.contains(marker), "{marker} missing in the Factur-X PDF");
    }
    assert!(pdf_text(&facturx).contains("Net à payer : 140,03 €"));
    let dir = std::env::temp_dir().join(format!("facturx-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("invoice.pdf"), &facturx).unwrap();
    let listed = std::process::Command::new("pdfdetach")
        .arg("-list")
        .arg(dir.join("invoice.pdf"))
        .output()
        .expect("pdfdetach (poppler-utils) runs");
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("factur-x.xml"),
        "{listed:?}"
    );
    let saved = std::process::Command::new("pdfdetach")
        .args(["-save", "1", "-o"])
        .arg(dir.join("factur-x.xml"))
        .arg(dir.join("invoice.pdf"))
        .status()
        .unwrap();
    assert!(saved.success());
    let embedded = std::fs::read_to_string(dir.join("factur-x.xml")).unwrap();
    let cii = download(
        &app,
        &shop.token,
        &format!(
            "/api/v1/invoices/{}/facturx.xml",
            last["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        embedded,
        cii.text().await.unwrap(),
        "the embedded XML is the invoice's CII"
    );
    std::fs::remove_dir_all(&dir).ok();

    // The FEC: 18 columns, sequential entries, each balanced to the cent.
    let fec = download(
        &app,
        &shop.token,
        &format!("/api/v1/exports/fec?from={0}-01-01&to={0}-12-31", year()),
    )
    .await;
    assert_eq!(fec.status(), 200);
    let disposition = fec.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!("732829320FEC{}1231.txt", year())),
        "{disposition}"
    );
    let body = fec.text().await.unwrap();
    let mut lines = body.split("\r\n").filter(|line| !line.is_empty());
    assert!(lines
        .next()
        .unwrap()
        .starts_with("JournalCode\tJournalLib\tEcritureNum"));
    let mut entries: BTreeMap<u64, (i64, i64)> = BTreeMap::new();
    let cents = |text: &str| -> i64 { text.replace(',', "").parse().unwrap() };
    for line in lines {
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(columns.len(), 18, "{line}");
        assert_eq!(columns[3].len(), 8, "AAAAMMJJ: {line}");
        let totals = entries.entry(columns[2].parse().unwrap()).or_default();
        totals.0 += cents(columns[11]);
        totals.1 += cents(columns[12]);
    }
    // Two deposit/final invoices, a credit note, two payments.
    assert_eq!(
        entries.keys().copied().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5],
        "{body}"
    );
    for (number, (debit, credit)) in &entries {
        assert_eq!(debit, credit, "entry {number} unbalanced in {body}");
    }
    assert!(body.contains("\t419100\t"), "deposits account used: {body}");

    let csv = download(&app, &shop.token, "/api/v1/exports/invoices.csv").await;
    let csv = csv.bytes().await.unwrap();
    assert_eq!(&csv[..3], [0xEF, 0xBB, 0xBF]);
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.contains("140,03"), "{csv}");
    assert!(
        csv.contains(";-200,04;"),
        "a credit note's total stays a number: {csv}"
    );
    let cash = download(
        &app,
        &shop.token,
        "/api/v1/exports/payments.csv?method=transfer",
    )
    .await;
    let cash = cash.text().await.unwrap();
    assert_eq!(cash.lines().count(), 2, "{cash}");
    assert!(
        cash.contains("\"'=HYPERLINK(\"\"http://x.example\"\";\"\"virement\"\")\""),
        "the formula is defused: {cash}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_eu_business_needs_a_valid_vat_number_for_reverse_charge() {
    let app = spawn_app().await;
    let (_, mut shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    app.graphql_as(&shop.token, SETTINGS, seller_settings())
        .await;
    let mut german = garage();
    german["billingAddress"]["country"] = json!("DE");
    german["vatNumber"] = Value::Null;
    shop.client = create_client(&app, &shop.token, german.clone()).await;
    let quote = signed_quote(&app, &shop).await;
    let before = billing_events(&app).await;
    let refused = app
        .graphql_as(&shop.token, &issue_final(), json!({ "id": quote }))
        .await;
    assert_eq!(reason(&refused), "VAT_NUMBER_INVALID", "{refused}");
    assert!(refused["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("autoliquidation"));
    assert_eq!(billing_events(&app).await, before);

    german["vatNumber"] = json!("DE 123 456 789");
    german["companyName"] = json!("Felgen GmbH");
    german["email"] = json!("buchhaltung@felgen.de");
    german["phones"] = json!([]);
    german["firstName"] = json!("Jonas");
    german["lastName"] = json!("Weber");
    shop.client = create_client(&app, &shop.token, german).await;
    let quote = signed_quote(&app, &shop).await;
    let issued = app
        .graphql_as(&shop.token, &issue_final(), json!({ "id": quote }))
        .await;
    let issued = &issued["data"]["issueFinalInvoice"];
    assert_eq!(issued["totalVat"], "0.00", "{issued}");
    assert_eq!(issued["totalTtc"], issued["totalHt"]);
    assert!(issued["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|mention| mention.as_str().unwrap().starts_with("Autoliquidation")));
    assert!(
        issued["mentions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|mention| mention.as_str().unwrap().contains("40 €")),
        "a business: the €40 indemnity"
    );
    assert_valid_einvoices(&app, &shop.token, issued["id"].as_str().unwrap()).await;
    app.stop().await;
}

/// Workshop A, invoicing, with a signed quote whose 60.01 € deposit was paid by `method`:
/// its shop, the quote and the payment's answer.
async fn deposit_paid(app: &TestApp, method: &str) -> (Shop, String, Value) {
    let (_, shop) = shop(app, "Atelier A", "a@atelier-a.fr").await;
    app.graphql_as(&shop.token, SETTINGS, seller_settings())
        .await;
    let quote = signed_quote(app, &shop).await;
    let mut input = payment("60.01", method);
    input["receipt"] = json!(drawn_signature());
    let paid = app
        .graphql_as(
            &shop.token,
            &record_payment(),
            json!({ "id": quote, "input": input }),
        )
        .await;
    assert!(paid["errors"].is_null(), "{paid}");
    (shop, quote, paid)
}

#[tokio::test]
async fn another_workshop_never_sees_invoices_payments_or_exports() {
    let app = spawn_app().await;
    let (shop, quote, paid) = deposit_paid(&app, "CHEQUE").await;
    let invoice = paid["data"]["recordPayment"]["invoices"][0].clone();
    let invoice_id = invoice["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{paid}"))
        .to_owned();

    let (_, other) = crate::quotes::shop(&app, "Atelier B", "b@atelier-b.fr").await;
    let token = &other.token;
    app.graphql_as(token, SETTINGS, seller_settings()).await;
    let events = app.db.event_count().await;
    for (query, variables) in [
        (billing(), json!({ "id": quote })),
        (
            format!("query($id: ID!) {{ invoice(id: $id) {{ {INVOICE} }} }}"),
            json!({ "id": invoice_id }),
        ),
        (
            record_payment(),
            json!({ "id": quote, "input": payment("1", "CASH") }),
        ),
        (issue_final(), json!({ "id": quote })),
        (credit_note(), json!({ "id": invoice_id })),
    ] {
        let response = app.graphql_as(token, &query, variables).await;
        assert_eq!(
            error_code(&response),
            Some("NOT_FOUND"),
            "{query}: {response}"
        );
    }
    assert_eq!(app.db.event_count().await, events, "nothing written for B");
    let lists = app
        .graphql_as(token, "{ invoices { id } payments { id } }", json!({}))
        .await;
    assert_eq!(
        lists["data"],
        json!({ "invoices": [], "payments": [] }),
        "{lists}"
    );
    let scan: String = sqlx::query_scalar("select sha256 from payment_receipt")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let theirs = download(&app, token, &format!("/api/v1/receipts/{scan}")).await;
    assert_eq!(theirs.status(), 404, "A's receipt scan");
    for file in ["invoice.pdf", "facturx.pdf", "facturx.xml", "ubl.xml"] {
        let theirs = download(
            &app,
            token,
            &format!("/api/v1/invoices/{invoice_id}/{file}"),
        )
        .await;
        assert_eq!(theirs.status(), 404, "{file}");
    }
    for export in ["fec", "invoices.csv", "payments.csv"] {
        let body = download(&app, token, &format!("/api/v1/exports/{export}")).await;
        assert_eq!(body.status(), 200);
        let text = body.text().await.unwrap();
        assert!(
            !text.contains("Bernard") && !text.contains("FACT-"),
            "{export}: {text}"
        );
    }
    // A still reads its own books.
    let fec = download(&app, &shop.token, "/api/v1/exports/fec").await;
    assert_eq!(fec.status(), 200);
    app.stop().await;
}

/// Both writers read the ledger by chunks of `workers::fec::CHUNK` entries: past one chunk,
/// the header still comes once, numbers run on without a gap, and the archive is the
/// download byte for byte.
#[tokio::test]
async fn a_fec_longer_than_a_chunk_is_numbered_straight_through_by_the_download_and_the_archive() {
    let app = spawn_app().await;
    let (shop, _, _) = deposit_paid(&app, "CARD").await;
    let (workspace_id, seq, entry): (uuid::Uuid, i64, Value) = sqlx::query_as(
        "select workspace_id, seq, entry from ledger_entry order by seq desc limit 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let first = chrono::Datelike::with_day(&today, 1).unwrap();
    let more = workers::fec::CHUNK as usize + 100;
    projections::bench::fill_ledger(
        &app.db.pool,
        workspace_id,
        seq,
        &vec![entry; more],
        &vec![first; more],
    )
    .await
    .unwrap();

    let next_month = first.checked_add_months(chrono::Months::new(1)).unwrap();
    let later = next_month.and_hms_opt(12, 0, 0).unwrap().and_utc();
    let archived = workers::fec_archive::archive_due(&app.db.pool, &app.state.files, later)
        .await
        .unwrap();
    assert_eq!(archived, 1);
    let month = first.format("%Y-%m").to_string();
    let stored = download(
        &app,
        &shop.token,
        &format!("/api/v1/exports/fec-archive?month={month}"),
    )
    .await;
    assert_eq!(stored.status(), 200);
    let stored = stored.text().await.unwrap();
    let last_day = next_month.pred_opt().unwrap();
    let live = download(
        &app,
        &shop.token,
        &format!("/api/v1/exports/fec?from={first}&to={last_day}"),
    )
    .await;
    assert_eq!(
        stored,
        live.text().await.unwrap(),
        "the archive is the download"
    );

    let mut lines = stored.split("\r\n").filter(|line| !line.is_empty());
    assert!(lines.next().unwrap().starts_with("JournalCode\t"));
    let mut numbers: Vec<u64> = lines
        .map(|line| line.split('\t').nth(2).unwrap().parse().unwrap())
        .collect();
    assert!(
        !numbers.is_empty()
            && numbers
                .windows(2)
                .all(|pair| pair[1] == pair[0] || pair[1] == pair[0] + 1),
        "entries numbered in order without a gap"
    );
    numbers.dedup();
    assert_eq!(numbers.first(), Some(&1));
    assert_eq!(
        numbers.len() as i64,
        seq + more as i64,
        "every entry, once, the header once"
    );
    app.stop().await;
}

#[tokio::test]
async fn each_month_is_archived_once_per_workshop_as_the_fec_of_that_month() {
    let app = spawn_app().await;
    let (shop, _, _) = deposit_paid(&app, "CARD").await;
    let (_, other) = crate::quotes::shop(&app, "Atelier B", "b@atelier-b.fr").await;
    app.graphql_as(&other.token, SETTINGS, seller_settings())
        .await;

    // Once this month is over (Paris), it is archived.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let first = chrono::Datelike::with_day(&today, 1).unwrap();
    let next_month = first.checked_add_months(chrono::Months::new(1)).unwrap();
    let later = next_month.and_hms_opt(12, 0, 0).unwrap().and_utc();
    let archived = workers::fec_archive::archive_due(&app.db.pool, &app.state.files, later)
        .await
        .unwrap();
    assert_eq!(archived, 2, "one file per workshop with a seller");
    let again = workers::fec_archive::archive_due(&app.db.pool, &app.state.files, later)
        .await
        .unwrap();
    assert_eq!(again, 0, "a month is archived once");

    let listed = app
        .graphql_as(
            &shop.token,
            "{ fecArchives { periodStart fileName sha256 lines keepUntil } }",
            json!({}),
        )
        .await;
    let archive = &listed["data"]["fecArchives"][0];
    assert_eq!(archive["periodStart"], first.to_string(), "{listed}");
    // The deposit invoice (411, 4191, VAT at 20 % and at 10 %) and its payment (512, 411).
    assert_eq!(archive["lines"], 6, "{listed}");
    let ten_years = first.format("%Y").to_string().parse::<i32>().unwrap() + 10;
    assert!(archive["keepUntil"]
        .as_str()
        .unwrap()
        .starts_with(&ten_years.to_string()));
    let month = first.format("%Y-%m").to_string();
    let stored = download(
        &app,
        &shop.token,
        &format!("/api/v1/exports/fec-archive?month={month}"),
    )
    .await;
    assert_eq!(stored.status(), 200);
    let stored = stored.text().await.unwrap();
    let last_day = next_month.pred_opt().unwrap();
    let live = download(
        &app,
        &shop.token,
        &format!("/api/v1/exports/fec?from={first}&to={last_day}"),
    )
    .await;
    assert_eq!(
        stored,
        live.text().await.unwrap(),
        "the archive is the month's FEC"
    );
    assert!(stored.contains("FACT-"));

    let theirs = download(
        &app,
        &other.token,
        &format!("/api/v1/exports/fec-archive?month={month}"),
    )
    .await;
    assert_eq!(theirs.status(), 200);
    let theirs = theirs.text().await.unwrap();
    assert!(
        !theirs.contains("FACT-") && !theirs.contains("Bernard"),
        "{theirs}"
    );
    assert_eq!(theirs.lines().count(), 1, "B's month holds only the header");
    let missing = download(
        &app,
        &shop.token,
        "/api/v1/exports/fec-archive?month=1999-01",
    )
    .await;
    assert_eq!(missing.status(), 404);
    app.stop().await;
}
