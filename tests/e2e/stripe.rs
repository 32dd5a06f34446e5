//! Online payment: a Stripe Checkout link for the deposit, emailed to the client, created
//! against a local stand-in of Stripe's API; the signed webhook recording the payment once
//! (its deposit invoice with it), refusing bad, old or replayed signatures. A connected
//! account belongs to one workshop at a time.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tests::stripe::StripeStub;
use tests::{error_code, spawn_app, spawn_app_with, TestApp};

use crate::invoices::{seller_settings, signed_quote};
use crate::quotes::{shop, Shop};

const SECRET_KEY: &str = "sk_test_thermogestion";
const WEBHOOK_SECRET: &str = "whsec_thermogestion";

const LINK: &str = "mutation($id: ID!, $purpose: LinkPurposeValue!) { createPaymentLink(quoteId: $id, purpose: $purpose) {
    paid status paymentLinks { url amount purpose } } }";
const BILLING: &str = "query($id: ID!) { billing(quoteId: $id) { paid balance status
    payments { method amount reference } invoices { kind number totalTtc } } }";
const SETTINGS: &str = "mutation($input: InvoiceSettingsInput!) { updateInvoiceSettings(input: $input) { stripeAccount } }";

fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn completed(event_id: &str, workspace_id: &str, quote_id: &str, cents: i64) -> String {
    json!({
        "id": event_id, "object": "event", "type": "checkout.session.completed",
        "account": "acct_1Val",
        "created": chrono::Utc::now().timestamp(),
        "data": { "object": {
            "id": "cs_test_0001", "object": "checkout.session", "payment_status": "paid",
            "amount_total": cents, "currency": "eur", "payment_intent": format!("pi_{event_id}"),
            "metadata": { "workspace_id": workspace_id, "quote_id": quote_id, "purpose": "deposit" },
        } },
    })
    .to_string()
}

async fn post_webhook(app: &TestApp, body: &str, header: &str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/webhooks/stripe", app.address))
        .header("stripe-signature", header)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn billing_events(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events where aggregate_type in ('billing', 'counter')")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_deposit_link_is_emailed_and_the_signed_webhook_records_the_payment_once() {
    let stub = StripeStub::start(SECRET_KEY).await;
    let app = spawn_app_with(&[
        ("STRIPE_API_BASE", stub.url.clone()),
        ("STRIPE_SECRET_KEY", SECRET_KEY.to_owned()),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
    ])
    .await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let mut settings = seller_settings();
    settings["input"]["stripeAccount"] = json!("acct_1Val");
    let saved = app.graphql_as(&shop.token, SETTINGS, settings).await;
    assert_eq!(
        saved["data"]["updateInvoiceSettings"]["stripeAccount"], "acct_1Val",
        "{saved}"
    );
    let quote = signed_quote(&app, &shop).await;

    let linked = app
        .graphql_as(
            &shop.token,
            LINK,
            json!({ "id": quote, "purpose": "DEPOSIT" }),
        )
        .await;
    let link = &linked["data"]["createPaymentLink"]["paymentLinks"][0];
    assert_eq!(link["amount"], "60.01", "{linked}");
    let url = link["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&stub.url), "{url}");
    // What went to Stripe: 6 001 cents in euros, our ids in the metadata, the client's email.
    let sent = &stub.requests()[0];
    assert_eq!(sent.stripe_account.as_deref(), Some("acct_1Val"));
    for (field, expected) in [
        ("mode", "payment"),
        ("locale", "fr"),
        ("line_items[0][price_data][unit_amount]", "6001"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][quantity]", "1"),
        ("metadata[quote_id]", quote.as_str()),
        ("metadata[purpose]", "deposit"),
        ("customer_email", "paul@exemple.fr"),
    ] {
        assert_eq!(
            sent.form.get(field).map(String::as_str),
            Some(expected),
            "{field}: {:?}",
            sent.form
        );
    }
    let workspace_id = sent.form["metadata[workspace_id]"].clone();
    let mut mail = Vec::new();
    for _ in 0..500 {
        mail = app.mail.to("paul@exemple.fr");
        if mail
            .iter()
            .any(|message| message.data.contains("cs_test_0001"))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let message = mail
        .iter()
        .find(|message| message.data.contains("cs_test_0001"))
        .expect("the payment link emailed");
    assert!(
        message.header("subject").unwrap().contains("60,01"),
        "{:?}",
        message.header("subject")
    );

    // The webhook, signed: the payment and its deposit invoice, once.
    let body = completed("evt_1", &workspace_id, &quote, 6001);
    let now = chrono::Utc::now().timestamp();
    let header = format!("t={now},v1={}", signature(WEBHOOK_SECRET, now, &body));
    let (status, _) = post_webhook(&app, &body, &header).await;
    assert_eq!(status, 200);
    let billing = app
        .graphql_as(&shop.token, BILLING, json!({ "id": quote }))
        .await;
    let billing = &billing["data"]["billing"];
    assert_eq!(billing["status"], "DEPOSIT_PAID", "{billing}");
    assert_eq!(
        billing["payments"],
        json!([{ "method": "stripe", "amount": "60.01", "reference": "pi_evt_1" }])
    );
    assert_eq!(billing["invoices"][0]["kind"], "DEPOSIT");

    let events = billing_events(&app).await;
    // Stripe retries: the same event, signed again later, writes nothing.
    let later = now + 5;
    let again = format!("t={later},v1={}", signature(WEBHOOK_SECRET, later, &body));
    assert_eq!(post_webhook(&app, &body, &again).await.0, 200);
    // Forged, old, or unsigned: refused with the reason.
    let forged = format!("t={now},v1={}", signature("whsec_other", now, &body));
    let old = now - 600;
    let stale = format!("t={old},v1={}", signature(WEBHOOK_SECRET, old, &body));
    let other = completed("evt_9", &workspace_id, &quote, 100);
    for (body, header, reason) in [
        (&other, forged.clone(), "STRIPE_SIGNATURE_INVALID"),
        (&other, stale, "STRIPE_SIGNATURE_EXPIRED"),
        (&other, String::new(), "STRIPE_SIGNATURE_MISSING"),
        // A signature of another body does not vouch for this one.
        (&other, header.clone(), "STRIPE_SIGNATURE_INVALID"),
    ] {
        let (status, response) = post_webhook(&app, body, &header).await;
        assert_eq!(
            (status, response["reason"].as_str()),
            (422, Some(reason)),
            "{response}"
        );
    }
    assert_eq!(
        billing_events(&app).await,
        events,
        "nothing written by replays and forgeries"
    );

    // While a secret rolls, Stripe signs with both: any valid v1 is enough.
    let balance = completed("evt_2", &workspace_id, &quote, 14003);
    let header = format!(
        "t={now},v1={},v1={}",
        signature("whsec_old", now, &balance),
        signature(WEBHOOK_SECRET, now, &balance)
    );
    assert_eq!(post_webhook(&app, &balance, &header).await.0, 200);
    let billing = app
        .graphql_as(&shop.token, BILLING, json!({ "id": quote }))
        .await;
    assert_eq!(billing["data"]["billing"]["status"], "PAID", "{billing}");
    let nothing = app
        .graphql_as(
            &shop.token,
            LINK,
            json!({ "id": quote, "purpose": "BALANCE" }),
        )
        .await;
    assert_eq!(
        nothing["errors"][0]["extensions"]["reason"], "NOTHING_DUE",
        "{nothing}"
    );
    assert!(nothing["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("soldé"));

    // Another workshop neither links nor reads this quote.
    let (_, other) = crate::quotes::shop(&app, "Atelier B", "b@atelier-b.fr").await;
    for query in [LINK, BILLING] {
        let theirs = app
            .graphql_as(
                &other.token,
                query,
                json!({ "id": quote, "purpose": "DEPOSIT" }),
            )
            .await;
        assert_eq!(error_code(&theirs), Some("NOT_FOUND"), "{theirs}");
    }
    assert_eq!(stub.requests().len(), 1, "no session opened for B");
    app.stop().await;
}

#[tokio::test]
async fn without_stripe_keys_there_is_no_link_and_the_webhook_refuses_everything() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    app.graphql_as(&shop.token, SETTINGS, seller_settings())
        .await;
    let quote = signed_quote(&app, &shop).await;
    let refused = app
        .graphql_as(
            &shop.token,
            LINK,
            json!({ "id": quote, "purpose": "DEPOSIT" }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"], "STRIPE_NOT_CONFIGURED",
        "{refused}"
    );
    // The webhook without a configured secret refuses everything.
    let (status, _) = post_webhook(&app, "{}", "t=1,v1=00").await;
    assert_eq!(status, 409);
    app.stop().await;
}

async fn save_account(app: &TestApp, shop: &Shop, account: Option<&str>) -> Value {
    let mut settings = seller_settings();
    settings["input"]["stripeAccount"] = json!(account);
    app.graphql_as(&shop.token, SETTINGS, settings).await
}

/// What the billing side of the log holds: its events (billing, invoice numbers) and the
/// last one's position.
async fn written(app: &TestApp) -> (i64, Option<i64>) {
    sqlx::query_as(
        "select count(*), max(global_position) from events
         where aggregate_type in ('billing', 'counter', 'invoice_settings')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_connected_account_belongs_to_one_workshop_at_a_time() {
    let app = spawn_app().await;
    let (a_owner, a) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let (b_owner, b) = shop(&app, "Atelier B", "b@atelier-b.fr").await;
    let ok = |saved: Value| assert!(saved["errors"].is_null(), "{saved}");
    ok(save_account(&app, &a, Some("acct_1Shared")).await);
    ok(save_account(&app, &b, None).await);

    let before = written(&app).await;
    for attempt in ["acct_1Shared", "  acct_1Shared "] {
        let taken = save_account(&app, &b, Some(attempt)).await;
        let error = &taken["errors"][0];
        assert_eq!(error["extensions"]["code"], "CONFLICT", "{taken}");
        assert_eq!(error["extensions"]["reason"], "STRIPE_ACCOUNT_TAKEN");
        assert_eq!(error["extensions"]["field"], "input.stripeAccount");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("compte Stripe connecté") && message.contains("autre atelier"),
            "{message}"
        );
    }
    assert_eq!(
        written(&app).await,
        before,
        "the refused saves wrote nothing"
    );
    let read = "query { invoiceSettings { stripeAccount } }";
    let theirs = app.graphql_as(&b.token, read, json!({})).await;
    assert_eq!(
        theirs["data"]["invoiceSettings"]["stripeAccount"],
        Value::Null,
        "{theirs}"
    );

    // Saving it again keeps it; changing it releases the old one.
    ok(save_account(&app, &a, Some("acct_1Shared")).await);
    ok(save_account(&app, &a, Some("acct_1A")).await);
    ok(save_account(&app, &b, Some("acct_1Shared")).await);
    let back = save_account(&app, &a, Some("acct_1Shared")).await;
    assert_eq!(error_code(&back), Some("CONFLICT"), "{back}");
    // Clearing it releases it too.
    ok(save_account(&app, &b, None).await);
    ok(save_account(&app, &a, Some("acct_1Shared")).await);

    let registry: Vec<(String, uuid::Uuid)> = sqlx::query_as(
        "select stripe_account, workspace_id from stripe_connected_account order by 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        registry,
        vec![("acct_1Shared".to_owned(), a_owner.workspace_id)],
        "A holds what its settings name, B nothing (B is {})",
        b_owner.workspace_id
    );
    let ours = app.graphql_as(&a.token, read, json!({})).await;
    assert_eq!(
        ours["data"]["invoiceSettings"]["stripeAccount"],
        "acct_1Shared"
    );
    // Tenant reads never reach the registry: the tenant role has no grant on it.
    let mut as_b = projections::tenant::begin(&app.db.pool, b_owner.workspace_id)
        .await
        .unwrap();
    let denied = sqlx::query("select 1 from stripe_connected_account")
        .execute(&mut *as_b)
        .await
        .unwrap_err();
    assert!(denied.to_string().contains("permission denied"), "{denied}");
    drop(as_b);
    app.stop().await;
}
