//! Online payment: a Stripe Checkout link for the deposit, emailed to the client, created
//! against a local stand-in of Stripe's API; the signed webhook recording the payment once
//! (its deposit invoice with it), refusing bad, old or replayed signatures, and ignoring
//! correctly signed events that are not for a session we opened, on the workshop's account,
//! in euros, for the link's amount. A connected account belongs to one workshop at a time.

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

fn completed(
    event_id: &str,
    session_id: &str,
    workspace_id: &str,
    quote_id: &str,
    cents: i64,
) -> String {
    json!({
        "id": event_id, "object": "event", "type": "checkout.session.completed",
        "account": "acct_1Val",
        "created": chrono::Utc::now().timestamp(),
        "data": { "object": {
            "id": session_id, "object": "checkout.session", "payment_status": "paid",
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
    let message = tests::eventually("the payment link emailed", || async {
        app.mail
            .to("paul@exemple.fr")
            .into_iter()
            .find(|message| message.data.contains("cs_test_0001"))
    })
    .await;
    assert!(
        message.header("subject").unwrap().contains("60,01"),
        "{:?}",
        message.header("subject")
    );

    // The webhook, signed: the payment and its deposit invoice, once.
    let body = completed("evt_1", "cs_test_0001", &workspace_id, &quote, 6001);
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
    let other = completed("evt_9", "cs_test_0001", &workspace_id, &quote, 100);
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

    // The balance through its own link, paid by a deferred method: while a secret rolls,
    // Stripe signs with both, and any valid v1 is enough.
    let linked = app
        .graphql_as(
            &shop.token,
            LINK,
            json!({ "id": quote, "purpose": "BALANCE" }),
        )
        .await;
    // Newest first.
    let link = &linked["data"]["createPaymentLink"]["paymentLinks"][0];
    assert!(
        link["url"].as_str().unwrap().ends_with("/cs_test_0002"),
        "{linked}"
    );
    assert_eq!(link["amount"], "140.03", "{linked}");
    let mut balance: Value = serde_json::from_str(&completed(
        "evt_2",
        "cs_test_0002",
        &workspace_id,
        &quote,
        14003,
    ))
    .unwrap();
    balance["type"] = json!("checkout.session.async_payment_succeeded");
    let balance = balance.to_string();
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
    assert_eq!(stub.requests().len(), 2, "no session opened for B");
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

/// A workshop with its seller (and connected account, if any), a signed quote and the
/// deposit link (60,01 €) opened for it.
struct Linked {
    shop: Shop,
    workspace_id: String,
    quote: String,
    session_id: String,
    account: Option<&'static str>,
}

impl Linked {
    /// The event Stripe signs when the client pays the deposit link: `account` only for a
    /// connected account, as Stripe does.
    fn paid_event(&self, event_id: &str) -> Value {
        let mut event = json!({
            "id": event_id, "object": "event", "type": "checkout.session.completed",
            "account": self.account,
            "created": chrono::Utc::now().timestamp(),
            "data": { "object": {
                "id": self.session_id, "object": "checkout.session", "payment_status": "paid",
                "amount_total": 6001, "currency": "eur", "payment_intent": format!("pi_{event_id}"),
                "metadata": { "workspace_id": self.workspace_id, "quote_id": self.quote,
                    "purpose": "deposit" },
            } },
        });
        if self.account.is_none() {
            event.as_object_mut().unwrap().remove("account");
        }
        event
    }
}

async fn stripe_app() -> (StripeStub, TestApp) {
    let stub = StripeStub::start(SECRET_KEY).await;
    let app = spawn_app_with(&[
        ("STRIPE_API_BASE", stub.url.clone()),
        ("STRIPE_SECRET_KEY", SECRET_KEY.to_owned()),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
    ])
    .await;
    (stub, app)
}

async fn save_account(app: &TestApp, shop: &Shop, account: Option<&str>) -> Value {
    let mut settings = seller_settings();
    settings["input"]["stripeAccount"] = json!(account);
    app.graphql_as(&shop.token, SETTINGS, settings).await
}

async fn linked(app: &TestApp, name: &str, email: &str, account: Option<&'static str>) -> Linked {
    let (owner, shop) = shop(app, name, email).await;
    let saved = save_account(app, &shop, account).await;
    assert!(saved["errors"].is_null(), "{saved}");
    let quote = signed_quote(app, &shop).await;
    let created = app
        .graphql_as(
            &shop.token,
            LINK,
            json!({ "id": quote, "purpose": "DEPOSIT" }),
        )
        .await;
    let url = created["data"]["createPaymentLink"]["paymentLinks"][0]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"));
    let session_id = url.rsplit('/').next().unwrap().to_owned();
    Linked {
        shop,
        workspace_id: owner.workspace_id.to_string(),
        quote,
        session_id,
        account,
    }
}

/// Posts `event` with a valid signature of now; the status.
async fn post_signed(app: &TestApp, event: &Value) -> u16 {
    let body = event.to_string();
    let now = chrono::Utc::now().timestamp();
    let header = format!("t={now},v1={}", signature(WEBHOOK_SECRET, now, &body));
    let (status, response) = post_webhook(app, &body, &header).await;
    if status == 200 {
        assert_eq!(response, json!({ "received": true }));
    }
    status
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

/// The quote's billing as the workshop reads it.
async fn billing(app: &TestApp, linked: &Linked) -> Value {
    let read = app
        .graphql_as(&linked.shop.token, BILLING, json!({ "id": linked.quote }))
        .await;
    assert!(read["errors"].is_null(), "{read}");
    read["data"]["billing"].clone()
}

#[tokio::test]
async fn a_signed_event_for_a_session_we_never_opened_is_ignored_and_writes_nothing() {
    let (_stub, app) = stripe_app().await;
    let val = linked(
        &app,
        "Thermolaquage du Val",
        "gerant@val.fr",
        Some("acct_1Val"),
    )
    .await;
    let before = (written(&app).await, billing(&app, &val).await);

    // A session someone opened on their own (with our metadata copied in), a quote we do not
    // have, no metadata at all: each signed by Stripe, each ignored.
    let mut foreign = val.paid_event("evt_foreign");
    foreign["data"]["object"]["id"] = json!("cs_live_opened_elsewhere");
    let mut unknown_quote = val.paid_event("evt_unknown_quote");
    unknown_quote["data"]["object"]["metadata"]["quote_id"] =
        json!(uuid::Uuid::new_v4().to_string());
    let mut no_metadata = val.paid_event("evt_no_metadata");
    no_metadata["data"]["object"]["metadata"] = json!({});
    for event in [&foreign, &unknown_quote, &no_metadata] {
        assert_eq!(post_signed(&app, event).await, 200, "{event}");
    }
    assert_eq!(
        (written(&app).await, billing(&app, &val).await),
        before,
        "nothing written, the billing read model unchanged"
    );

    // Ours still pays: the foreign events did not spend its event id nor its session.
    assert_eq!(post_signed(&app, &val.paid_event("evt_ours")).await, 200);
    let paid = billing(&app, &val).await;
    assert_eq!(paid["status"], "DEPOSIT_PAID", "{paid}");
    app.stop().await;
}

#[tokio::test]
async fn a_signed_event_from_another_account_than_the_workshops_is_ignored() {
    let (_stub, app) = stripe_app().await;
    let val = linked(
        &app,
        "Thermolaquage du Val",
        "gerant@val.fr",
        Some("acct_1Val"),
    )
    .await;
    let _other = linked(&app, "Atelier B", "b@atelier-b.fr", Some("acct_1B")).await;
    // Without a connected account, a workshop is paid on the platform's (no `account`).
    let platform = linked(&app, "Atelier C", "c@atelier-c.fr", None).await;
    let before = (
        written(&app).await,
        billing(&app, &val).await,
        billing(&app, &platform).await,
    );

    for (index, (workshop, account)) in [
        (&val, Some("acct_1B")),
        (&val, Some("acct_1Stranger")),
        (&val, None),
        (&platform, Some("acct_1Val")),
        (&platform, Some("acct_1Stranger")),
    ]
    .into_iter()
    .enumerate()
    {
        let mut event = workshop.paid_event(&format!("evt_account_{index}"));
        match account {
            Some(account) => event["account"] = json!(account),
            None => {
                event.as_object_mut().unwrap().remove("account");
            }
        }
        assert_eq!(post_signed(&app, &event).await, 200, "{event}");
    }
    assert_eq!(
        (
            written(&app).await,
            billing(&app, &val).await,
            billing(&app, &platform).await,
        ),
        before,
        "nothing written, the billing read models unchanged"
    );

    // From the right account, each is recorded.
    for workshop in [&val, &platform] {
        assert_eq!(
            post_signed(&app, &workshop.paid_event("evt_right")).await,
            200
        );
        let paid = billing(&app, workshop).await;
        assert_eq!(paid["status"], "DEPOSIT_PAID", "{paid}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_signed_event_in_another_currency_or_for_another_amount_is_ignored_and_the_right_one_counts_once(
) {
    let (_stub, app) = stripe_app().await;
    let val = linked(
        &app,
        "Thermolaquage du Val",
        "gerant@val.fr",
        Some("acct_1Val"),
    )
    .await;
    let before = (written(&app).await, billing(&app, &val).await);

    let mut usd = val.paid_event("evt_usd");
    usd["data"]["object"]["currency"] = json!("usd");
    let mut refused = vec![usd];
    // Short by a cent, over by a cent, the balance, a cent, nothing, negative.
    for cents in [6000, 6002, 20004, 1, 0, -6001] {
        let mut event = val.paid_event(&format!("evt_amount_{cents}"));
        event["data"]["object"]["amount_total"] = json!(cents);
        refused.push(event);
    }
    for event in &refused {
        assert_eq!(post_signed(&app, event).await, 200, "{event}");
    }
    assert_eq!(
        (written(&app).await, billing(&app, &val).await),
        before,
        "nothing written, the billing read model unchanged"
    );

    // The right one records the payment and its deposit invoice, once: its retry, and
    // another event about the same session, add nothing.
    let right = val.paid_event("evt_right");
    assert_eq!(post_signed(&app, &right).await, 200);
    let paid = billing(&app, &val).await;
    assert_eq!(paid["status"], "DEPOSIT_PAID", "{paid}");
    assert_eq!(
        paid["payments"],
        json!([{ "method": "stripe", "amount": "60.01", "reference": "pi_evt_right" }])
    );
    assert_eq!(paid["invoices"].as_array().unwrap().len(), 1, "{paid}");
    let after = written(&app).await;
    let mut again = val.paid_event("evt_again");
    again["type"] = json!("checkout.session.async_payment_succeeded");
    for event in [&right, &again] {
        assert_eq!(post_signed(&app, event).await, 200);
    }
    assert_eq!(written(&app).await, after);
    assert_eq!(billing(&app, &val).await, paid);
    app.stop().await;
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

#[tokio::test]
async fn a_workshops_stripe_event_never_touches_another_workshop() {
    let (_stub, app) = stripe_app().await;
    let a = linked(
        &app,
        "Thermolaquage du Val",
        "gerant@val.fr",
        Some("acct_1Val"),
    )
    .await;
    let b = linked(&app, "Atelier B", "b@atelier-b.fr", Some("acct_1B")).await;
    let before = (
        written(&app).await,
        billing(&app, &a).await,
        billing(&app, &b).await,
    );

    // A's real session and account, with B's quote (or only B's workspace) in the metadata;
    // B's session on A's account; B's session under A's metadata.
    let mut to_b_quote = a.paid_event("evt_to_b_quote");
    to_b_quote["data"]["object"]["metadata"] =
        json!({ "workspace_id": b.workspace_id, "quote_id": b.quote, "purpose": "deposit" });
    let mut to_b_workspace = a.paid_event("evt_to_b_workspace");
    to_b_workspace["data"]["object"]["metadata"]["workspace_id"] = json!(b.workspace_id);
    let mut b_on_a_account = b.paid_event("evt_b_on_a_account");
    b_on_a_account["account"] = json!("acct_1Val");
    let mut b_session_as_a = a.paid_event("evt_b_session_as_a");
    b_session_as_a["data"]["object"]["id"] = json!(b.session_id);
    for event in [
        &to_b_quote,
        &to_b_workspace,
        &b_on_a_account,
        &b_session_as_a,
    ] {
        assert_eq!(post_signed(&app, event).await, 200, "{event}");
    }
    assert_eq!(
        (
            written(&app).await,
            billing(&app, &a).await,
            billing(&app, &b).await,
        ),
        before,
        "nothing written, neither read model changed"
    );

    // A's own event pays A, and only A.
    assert_eq!(post_signed(&app, &a.paid_event("evt_a")).await, 200);
    let paid = billing(&app, &a).await;
    assert_eq!(paid["status"], "DEPOSIT_PAID", "{paid}");
    assert_eq!(billing(&app, &b).await, before.2);
    app.stop().await;
}
