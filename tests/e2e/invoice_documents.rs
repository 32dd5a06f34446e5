//! An issued invoice's files are drawn once, when it is issued, and stored beside the log:
//! every download serves those bytes, whatever changed since; an invoice issued before they
//! were stored gets them at its first download; another workshop reaches none of them.

use std::collections::BTreeMap;

use domain::digest::sha256_hex;
use projections::tenant::REQUEST_ROLE;
use serde_json::{json, Value};
use tests::{spawn_app, TestApp};
use uuid::Uuid;

use crate::invoices::{seller_settings, signed_quote};
use crate::quotes::{pdf_text, shop, Shop};

const SETTINGS: &str = "mutation($input: InvoiceSettingsInput!) {
    updateInvoiceSettings(input: $input) { invoicePattern } }";
const PAY: &str = "mutation($id: ID!) {
    recordPayment(quoteId: $id, input: { amount: \"60.01\", method: CARD }) { invoices { id } } }";
const FILES: [&str; 4] = ["facturx.pdf", "facturx.xml", "invoice.pdf", "ubl.xml"];

/// Workshop `name` set up for invoicing, with the deposit invoice of a signed quote: its
/// owner's workspace, its shop and the invoice's id.
async fn issued_deposit(app: &TestApp, name: &str, email: &str) -> (Uuid, Shop, String) {
    let (owner, shop) = shop(app, name, email).await;
    let set = app
        .graphql_as(&shop.token, SETTINGS, seller_settings())
        .await;
    assert!(set["errors"].is_null(), "{set}");
    let quote = signed_quote(app, &shop).await;
    let paid = app
        .graphql_as(&shop.token, PAY, json!({ "id": quote }))
        .await;
    let invoice_id = paid["data"]["recordPayment"]["invoices"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{paid}"))
        .to_owned();
    (owner.workspace_id, shop, invoice_id)
}

/// What `invoice_document` holds for the invoice, read as the table's owner: each file's
/// recorded digest and bytes.
async fn stored(app: &TestApp, invoice_id: &str) -> BTreeMap<String, (String, Vec<u8>)> {
    let rows: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
        "select file, sha256, content from invoice_document where invoice_id = $1::uuid",
    )
    .bind(invoice_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(file, sha256, content)| (file, (sha256, content)))
        .collect()
}

async fn download(app: &TestApp, token: &str, invoice_id: &str, file: &str) -> (u16, Vec<u8>) {
    let response = app
        .client
        .get(format!(
            "{}/api/v1/invoices/{invoice_id}/{file}",
            app.address
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn an_issued_invoice_is_stored_at_issue_and_every_download_serves_those_bytes() {
    let app = spawn_app().await;
    let (_, shop, invoice_id) = issued_deposit(&app, "Atelier A", "a@atelier-a.fr").await;

    // Stored by the issue itself, before anyone asked for it.
    let issued = stored(&app, &invoice_id).await;
    assert_eq!(
        issued.keys().collect::<Vec<_>>(),
        FILES,
        "{:?}",
        issued.keys()
    );
    for (file, (sha256, content)) in &issued {
        assert_eq!(&sha256_hex(content), sha256, "{file}: its recorded digest");
        for _ in 0..2 {
            let (status, body) = download(&app, &shop.token, &invoice_id, file).await;
            assert_eq!(status, 200, "{file}");
            assert_eq!(sha256_hex(&body), *sha256, "{file}: the stored bytes");
            assert!(body == *content, "{file}: the stored bytes");
        }
    }
    assert!(pdf_text(&issued["invoice.pdf"].1).contains("Thermolaquage du Val SAS"));

    // The workshop renames itself and rewrites its mentions after the issue: what is served
    // is still the invoice as issued.
    let mut changed: Value = seller_settings();
    changed["input"]["seller"]["legalName"] = json!("Thermolaquage Rhône SARL");
    changed["input"]["latePenalty"] = json!("trois fois le taux d'intérêt légal");
    let set = app.graphql_as(&shop.token, SETTINGS, changed).await;
    assert!(set["errors"].is_null(), "{set}");
    for (file, (_, content)) in &issued {
        let (status, body) = download(&app, &shop.token, &invoice_id, file).await;
        assert_eq!(status, 200, "{file}");
        assert!(body == *content, "{file}: served as issued");
    }
    assert!(
        stored(&app, &invoice_id).await == issued,
        "nothing overwritten"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_invoice_issued_before_its_files_were_stored_is_drawn_once_at_its_first_download() {
    let app = spawn_app().await;
    let (_, shop, invoice_id) = issued_deposit(&app, "Atelier A", "a@atelier-a.fr").await;
    // What an invoice issued before migration 0033 looks like.
    sqlx::query("delete from invoice_document")
        .execute(&app.db.pool)
        .await
        .unwrap();

    let (status, first) = download(&app, &shop.token, &invoice_id, "invoice.pdf").await;
    assert_eq!(status, 200);
    assert!(pdf_text(&first).contains("Net à payer"));
    let drawn = stored(&app, &invoice_id).await;
    assert_eq!(drawn.keys().collect::<Vec<_>>(), FILES);
    assert!(
        drawn["invoice.pdf"].1 == first,
        "the first download is what is kept"
    );
    for file in FILES {
        let (status, body) = download(&app, &shop.token, &invoice_id, file).await;
        assert_eq!(status, 200, "{file}");
        assert!(body == drawn[file].1, "{file}: drawn once");
    }
    app.stop().await;
}

/// The rows of `invoice_document` the request role sees in a transaction of `workspace_id`.
async fn visible_rows(app: &TestApp, workspace_id: Uuid) -> i64 {
    let pool = app.db.pool_as(REQUEST_ROLE).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("select thermogestion_scope($1)")
        .bind(workspace_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    let count = sqlx::query_scalar("select count(*) from invoice_document")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    count
}

#[tokio::test]
async fn another_workshop_reaches_none_of_an_invoice_s_stored_files() {
    let app = spawn_app().await;
    let (a, _, invoice_id) = issued_deposit(&app, "Atelier A", "a@atelier-a.fr").await;
    let (b, other, _) = issued_deposit(&app, "Atelier B", "b@atelier-b.fr").await;
    for file in FILES {
        let (status, _) = download(&app, &other.token, &invoice_id, file).await;
        assert_eq!(status, 404, "{file} of A's invoice");
    }
    // Row-level security, the second lock: each workshop's requests see their own four.
    assert_eq!(visible_rows(&app, a).await, 4);
    assert_eq!(visible_rows(&app, b).await, 4);
    let everyone: i64 = sqlx::query_scalar("select count(*) from invoice_document")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(everyone, 8);
    app.stop().await;
}
