//! Segregation of duties (issue 17 item 12): the payment methods each role records, set by
//! the workshop (operators: cash and card until it chooses); an operator's payment still
//! issues its deposit invoice and waits on accounting's review list; each workshop's rules
//! and payments stay its own.

use domain::Role;
use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::invoices::{seller_settings, signed_quote};
use crate::quotes::{shop, Shop};

const RECORD: &str = "mutation($id: ID!, $input: PaymentInput!) {
    recordPayment(quoteId: $id, input: $input) { paid invoices { number kind } } }";
const RULES: &str = "{ paymentMethodRules { role methods } }";
const SET: &str = "mutation($role: Role!, $methods: [PaymentMethodValue!]!) {
    setPaymentMethods(role: $role, methods: $methods) { role methods } }";
const TO_REVIEW: &str = "{ paymentsToReview(first: 50) { id amount method recordedBy
    recordedByRole reviewDue reviewedBy reviewedAt } }";
const REVIEW: &str = "mutation($id: ID!) { markPaymentReviewed(paymentId: $id) {
    id reviewDue reviewedBy reviewedAt } }";

/// A workshop that invoices, with a signed quote: its owner, shop and quote.
async fn invoicing(app: &TestApp, name: &str, email: &str) -> (tests::Owner, Shop, String) {
    let (owner, shop) = shop(app, name, email).await;
    let settings = app
        .graphql_as(
            &shop.token,
            "mutation($input: InvoiceSettingsInput!) { updateInvoiceSettings(input: $input) { paymentDays } }",
            seller_settings(),
        )
        .await;
    assert!(settings["errors"].is_null(), "{settings}");
    let quote = signed_quote(app, &shop).await;
    (owner, shop, quote)
}

async fn pay(app: &TestApp, token: &str, quote: &str, amount: &str, method: &str) -> Value {
    app.graphql_as(
        token,
        RECORD,
        json!({ "id": quote, "input": { "amount": amount, "method": method } }),
    )
    .await
}

fn reason(response: &Value) -> &str {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no error: {response}"))
}

fn methods_of(rules: &Value, role: &str) -> Value {
    rules["data"]["paymentMethodRules"]
        .as_array()
        .unwrap_or_else(|| panic!("{rules}"))
        .iter()
        .find(|rule| rule["role"] == role)
        .unwrap_or_else(|| panic!("{role}: {rules}"))["methods"]
        .clone()
}

async fn billing_events(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from events where aggregate_type in ('billing', 'counter', 'payment_policy')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_operator_records_only_the_methods_the_workshop_allows_and_a_refusal_writes_nothing() {
    let app = spawn_app().await;
    let (owner, shop, quote) = invoicing(&app, "Atelier A", "a@atelier-a.fr").await;
    let operator = app.add_member(owner.workspace_id, Role::Operator).await;
    let accountant = app.add_member(owner.workspace_id, Role::Accounting).await;

    // The defaults, before the workshop chose.
    let rules = app
        .graphql_as(&operator.access_token, RULES, json!({}))
        .await;
    assert_eq!(methods_of(&rules, "OPERATOR"), json!(["CARD", "CASH"]));
    assert_eq!(
        methods_of(&rules, "ACCOUNTING"),
        json!(["CARD", "CASH", "TRANSFER", "CHEQUE"])
    );
    assert_eq!(
        methods_of(&rules, "OWNER"),
        json!(["CARD", "CASH", "TRANSFER", "CHEQUE"])
    );

    let events = billing_events(&app).await;
    let refused = pay(&app, &operator.access_token, &quote, "50", "CHEQUE").await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    assert_eq!(reason(&refused), "PAYMENT_METHOD_NOT_ALLOWED");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "input.method");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("moyen de paiement (input.method)")
            && message.contains("chèque")
            && message.contains("carte bancaire, espèces"),
        "{message}"
    );
    assert!(refused["data"].is_null(), "{refused}");
    assert_eq!(
        billing_events(&app).await,
        events,
        "no payment, no invoice, no number taken"
    );

    // Cash at the counter: the deposit invoice is issued at once (CGI art. 289).
    let cash = pay(&app, &operator.access_token, &quote, "50", "CASH").await;
    assert!(cash["errors"].is_null(), "{cash}");
    assert_eq!(
        cash["data"]["recordPayment"]["invoices"][0]["kind"],
        "DEPOSIT"
    );
    // Accounting takes the cheque.
    let cheque = pay(&app, &accountant.access_token, &quote, "20", "CHEQUE").await;
    assert!(cheque["errors"].is_null(), "{cheque}");

    // The workshop changes its rule: operators take cheques only.
    let refused = app
        .graphql_as(
            &operator.access_token,
            SET,
            json!({ "role": "OPERATOR", "methods": ["CHEQUE"] }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let set = app
        .graphql_as(
            &shop.token,
            SET,
            json!({ "role": "OPERATOR", "methods": ["CHEQUE"] }),
        )
        .await;
    assert!(set["errors"].is_null(), "{set}");
    let rules = json!({ "data": { "paymentMethodRules": set["data"]["setPaymentMethods"] } });
    assert_eq!(methods_of(&rules, "OPERATOR"), json!(["CHEQUE"]));
    let cheque = pay(&app, &operator.access_token, &quote, "10", "CHEQUE").await;
    assert!(cheque["errors"].is_null(), "{cheque}");
    let cash = pay(&app, &operator.access_token, &quote, "10", "CASH").await;
    assert_eq!(reason(&cash), "PAYMENT_METHOD_NOT_ALLOWED", "{cash}");

    // Owners and admins keep every method; Stripe is never typed in.
    let events = billing_events(&app).await;
    for (role, methods, field, why) in [
        (
            "OWNER",
            json!(["CASH"]),
            "role",
            "PAYMENT_POLICY_ROLE_INVALID",
        ),
        (
            "ACCOUNTING",
            json!(["STRIPE"]),
            "methods",
            "PAYMENT_METHOD_INVALID",
        ),
    ] {
        let refused = app
            .graphql_as(
                &shop.token,
                SET,
                json!({ "role": role, "methods": methods }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
        assert_eq!(reason(&refused), why);
        assert_eq!(refused["errors"][0]["extensions"]["field"], field);
    }
    assert_eq!(billing_events(&app).await, events, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn payments_an_operator_records_wait_for_accounting_to_review_them() {
    let app = spawn_app().await;
    let (owner, shop, quote) = invoicing(&app, "Atelier A", "a@atelier-a.fr").await;
    let operator = app.add_member(owner.workspace_id, Role::Operator).await;
    let accountant = app.add_member(owner.workspace_id, Role::Accounting).await;

    let by_operator = pay(&app, &operator.access_token, &quote, "30", "CARD").await;
    assert!(by_operator["errors"].is_null(), "{by_operator}");
    let by_owner = pay(&app, &shop.token, &quote, "40", "TRANSFER").await;
    assert!(by_owner["errors"].is_null(), "{by_owner}");

    let listed = app
        .graphql_as(&accountant.access_token, TO_REVIEW, json!({}))
        .await;
    let to_review = listed["data"]["paymentsToReview"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .clone();
    assert_eq!(to_review.len(), 1, "the operator's only: {listed}");
    let payment = &to_review[0];
    assert_eq!(payment["amount"], "30");
    assert_eq!(payment["recordedBy"], operator.account_id.to_string());
    assert_eq!(payment["recordedByRole"], "OPERATOR");
    assert_eq!(payment["reviewDue"], true);
    assert!(payment["reviewedAt"].is_null());
    let payment_id = payment["id"].as_str().unwrap().to_owned();

    // The shop floor neither reads the list nor reviews.
    let theirs = app
        .graphql_as(&operator.access_token, TO_REVIEW, json!({}))
        .await;
    assert_eq!(error_code(&theirs), Some("FORBIDDEN"), "{theirs}");

    // The owner's own payment never needed a review.
    let all = app
        .graphql_as(
            &shop.token,
            "{ payments { id method reviewDue recordedByRole } }",
            json!({}),
        )
        .await;
    let owners = all["data"]["payments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|payment| payment["method"] == "transfer")
        .unwrap_or_else(|| panic!("{all}"))
        .clone();
    assert_eq!(owners["reviewDue"], false, "{all}");
    assert_eq!(owners["recordedByRole"], "OWNER", "{all}");
    let events = app.db.event_count().await;
    let refused = app
        .graphql_as(
            &accountant.access_token,
            REVIEW,
            json!({ "id": owners["id"] }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert_eq!(reason(&refused), "PAYMENT_NOT_UNDER_REVIEW");
    assert_eq!(app.db.event_count().await, events);

    let reviewed = app
        .graphql_as(
            &accountant.access_token,
            REVIEW,
            json!({ "id": payment_id }),
        )
        .await;
    assert!(reviewed["errors"].is_null(), "{reviewed}");
    let node = &reviewed["data"]["markPaymentReviewed"];
    assert_eq!(node["reviewedBy"], accountant.account_id.to_string());
    assert!(node["reviewedAt"].is_string(), "{reviewed}");
    let listed = app
        .graphql_as(&accountant.access_token, TO_REVIEW, json!({}))
        .await;
    assert_eq!(listed["data"]["paymentsToReview"], json!([]), "{listed}");
    let events = app.db.event_count().await;
    let again = app
        .graphql_as(&shop.token, REVIEW, json!({ "id": payment_id }))
        .await;
    assert!(again["errors"].is_null(), "{again}");
    assert_eq!(
        again["data"]["markPaymentReviewed"]["reviewedBy"],
        accountant.account_id.to_string(),
        "the first reviewer stays"
    );
    assert_eq!(app.db.event_count().await, events, "twice is once");

    // The review is in the audit log, in French, with the accountant as actor.
    let audit = app
        .graphql_as(
            &shop.token,
            "{ auditLog(first: 50, filter: { eventType: \"PaymentReviewed\" }) { edges { node {
               actorId actorRole label } } } }",
            json!({}),
        )
        .await;
    let entry = &audit["data"]["auditLog"]["edges"][0]["node"];
    assert_eq!(
        entry["actorId"],
        accountant.account_id.to_string(),
        "{audit}"
    );
    assert_eq!(
        entry["label"],
        "Paiement saisi par un opérateur vérifié par la compta"
    );

    // An operator made accountant still never reviews what they recorded themselves.
    let second = pay(&app, &operator.access_token, &quote, "5", "CASH").await;
    assert!(second["errors"].is_null(), "{second}");
    let listed = app
        .graphql_as(&accountant.access_token, TO_REVIEW, json!({}))
        .await;
    let second_id = listed["data"]["paymentsToReview"][0]["id"].clone();
    let promoted = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!) { changeMemberRole(accountId: $id, role: ACCOUNTING) { role } }",
            json!({ "id": operator.account_id.to_string() }),
        )
        .await;
    assert!(promoted["errors"].is_null(), "{promoted}");
    let events = app.db.event_count().await;
    let own = app
        .graphql_as(&operator.access_token, REVIEW, json!({ "id": second_id }))
        .await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"), "{own}");
    assert_eq!(reason(&own), "PAYMENT_REVIEW_BY_RECORDER");
    assert_eq!(app.db.event_count().await, events);
    app.stop().await;
}

#[tokio::test]
async fn workshop_b_neither_sees_nor_reviews_the_payments_of_a_nor_follows_its_rules() {
    let app = spawn_app().await;
    let (owner_a, shop_a, quote_a) = invoicing(&app, "Atelier A", "a@atelier-a.fr").await;
    let operator_a = app.add_member(owner_a.workspace_id, Role::Operator).await;
    let set = app
        .graphql_as(
            &shop_a.token,
            SET,
            json!({ "role": "OPERATOR", "methods": ["CHEQUE"] }),
        )
        .await;
    assert!(set["errors"].is_null(), "{set}");
    let paid = pay(&app, &operator_a.access_token, &quote_a, "25", "CHEQUE").await;
    assert!(paid["errors"].is_null(), "{paid}");
    let listed = app.graphql_as(&shop_a.token, TO_REVIEW, json!({})).await;
    let payment_a = listed["data"]["paymentsToReview"][0]["id"].clone();
    assert!(payment_a.is_string(), "{listed}");

    let (owner_b, shop_b, quote_b) = invoicing(&app, "Atelier B", "b@atelier-b.fr").await;
    let operator_b = app.add_member(owner_b.workspace_id, Role::Operator).await;
    // B's list is empty, A's payment unknown there.
    let theirs = app.graphql_as(&shop_b.token, TO_REVIEW, json!({})).await;
    assert_eq!(theirs["data"]["paymentsToReview"], json!([]), "{theirs}");
    let events = app.db.event_count().await;
    for id in [payment_a.clone(), json!("not-an-id")] {
        let refused = app
            .graphql_as(&shop_b.token, REVIEW, json!({ "id": id }))
            .await;
        assert_eq!(error_code(&refused), Some("NOT_FOUND"), "{refused}");
        assert_eq!(reason(&refused), "PAYMENT_NOT_FOUND");
        assert!(refused["data"].is_null(), "{refused}");
    }
    assert_eq!(app.db.event_count().await, events, "nothing written for B");
    // A's rule is A's: B's operators still take cash and card, not cheques.
    let rules = app
        .graphql_as(&operator_b.access_token, RULES, json!({}))
        .await;
    assert_eq!(methods_of(&rules, "OPERATOR"), json!(["CARD", "CASH"]));
    let cheque = pay(&app, &operator_b.access_token, &quote_b, "10", "CHEQUE").await;
    assert_eq!(reason(&cheque), "PAYMENT_METHOD_NOT_ALLOWED", "{cheque}");
    let cash = pay(&app, &operator_b.access_token, &quote_b, "10", "CASH").await;
    assert!(cash["errors"].is_null(), "{cash}");
    // A still reviews its own, and only its own.
    let listed = app.graphql_as(&shop_a.token, TO_REVIEW, json!({})).await;
    assert_eq!(
        listed["data"]["paymentsToReview"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    let reviewed = app
        .graphql_as(&shop_a.token, REVIEW, json!({ "id": payment_a }))
        .await;
    assert!(reviewed["errors"].is_null(), "{reviewed}");
    app.stop().await;
}
