//! Every operation with every role: allowed ones work, the others are `FORBIDDEN` and write
//! nothing.

use domain::Role;
use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};
use uuid::Uuid;

const ALL: [Role; 5] = [
    Role::Owner,
    Role::Admin,
    Role::Operator,
    Role::Accounting,
    Role::Client,
];
const MANAGERS: &[Role] = &[Role::Owner, Role::Admin];
const STAFF: &[Role] = &[Role::Owner, Role::Admin, Role::Operator, Role::Accounting];
/// The bench: those who move parts through the shop.
const SHOP: &[Role] = &[Role::Owner, Role::Admin, Role::Operator];
/// The books: those who review what the shop floor cashed.
const ACCOUNTANTS: &[Role] = &[Role::Owner, Role::Admin, Role::Accounting];

struct Operation {
    name: &'static str,
    allowed: &'static [Role],
    /// The query and its variables; `target` is a member the operation may act upon.
    request: fn(target: Uuid) -> (&'static str, Value),
}

const OPERATIONS: &[Operation] = &[
    Operation {
        name: "workspace",
        allowed: &ALL,
        request: |_| ("{ workspace { id } }", json!({})),
    },
    Operation {
        name: "me",
        allowed: &ALL,
        request: |_| ("{ me { role } }", json!({})),
    },
    Operation {
        name: "members",
        allowed: MANAGERS,
        request: |_| {
            (
                "{ members(first: 10) { edges { node { accountId } } } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "renameWorkspace",
        allowed: MANAGERS,
        request: |target| {
            (
                "mutation($name: String!) { renameWorkspace(name: $name) { name } }",
                json!({ "name": format!("Atelier {target}") }),
            )
        },
    },
    Operation {
        name: "setModule",
        allowed: MANAGERS,
        request: |target| {
            let enabled = target.as_u128() % 2 == 0;
            ("mutation($on: Boolean!) { setModule(module: JANTES, enabled: $on) { jantesEnabled } }", json!({ "on": enabled }))
        },
    },
    Operation {
        name: "changeMemberRole",
        allowed: MANAGERS,
        request: |target| {
            ("mutation($id: ID!) { changeMemberRole(accountId: $id, role: ACCOUNTING) { role } }", json!({ "id": target.to_string() }))
        },
    },
    Operation {
        name: "inviteMember",
        allowed: MANAGERS,
        request: |target| {
            (
                "mutation($email: String!) { inviteMember(email: $email, role: OPERATOR) }",
                json!({ "email": format!("invite-{}@atelier.fr", target.simple()) }),
            )
        },
    },
    Operation {
        name: "invitations",
        allowed: MANAGERS,
        request: |_| {
            (
                "{ invitations(first: 10) { edges { node { id email } } } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "auditLog",
        allowed: MANAGERS,
        request: |_| {
            (
                "{ auditLog(first: 5) { edges { node { eventType } } } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "emailTemplates",
        allowed: MANAGERS,
        request: |_| ("{ emailTemplates { kind } }", json!({})),
    },
    Operation {
        name: "emailDeliveries",
        allowed: MANAGERS,
        request: |_| {
            (
                "{ emailDeliveries { edges { node { status } } } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "saveEmailTemplate",
        allowed: MANAGERS,
        request: |target| {
            (
                "mutation($subject: String!) { saveEmailTemplate(kind: \"invoice\", subject: $subject, mjml: \"<mjml><mj-body></mj-body></mjml>\") { kind } }",
                json!({ "subject": format!("Facture {}", target.simple()) }),
            )
        },
    },
    Operation {
        name: "previewEmailTemplate",
        allowed: MANAGERS,
        request: |_| {
            (
                "mutation { previewEmailTemplate(kind: \"invoice\") { subject } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "emailSettings",
        allowed: MANAGERS,
        request: |_| ("{ emailSettings { host } }", json!({})),
    },
    Operation {
        name: "saveEmailSettings",
        allowed: MANAGERS,
        request: |_| {
            (
                "mutation { saveEmailSettings(input: { host: \"smtp.atelier.fr\", port: 465, security: TLS, fromAddress: \"contact@atelier.fr\" }) { host } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "powders",
        allowed: STAFF,
        request: |_| ("{ powders { edges { node { reference } } } }", json!({})),
    },
    Operation {
        name: "registerPowder",
        allowed: MANAGERS,
        request: |target| {
            let mut input = crate::powder::powder(&format!("REF {}", target.simple()), "GLOSS");
            input["name"] = json!("Poudre du test des rôles");
            (
                "mutation($input: PowderInput!) { registerPowder(input: $input) { id } }",
                json!({ "input": input }),
            )
        },
    },
    Operation {
        name: "powderStock",
        allowed: STAFF,
        request: |_| {
            (
                "{ powderStock { edges { node { reference } } } toWeighToday { reference } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "archivePowder",
        allowed: MANAGERS,
        request: |target| {
            let reference = format!("ARCH {}", target.simple());
            (
                "mutation($input: PowderInput!, $id: ID!) {
                   registerPowder(input: $input) { id } archivePowder(powderId: $id) { archivedAt } }",
                json!({
                    "input": crate::powder::powder(&reference, "GLOSS"),
                    "id": format!("powder/{}/polyester/gloss", reference.to_lowercase()),
                }),
            )
        },
    },
    Operation {
        name: "clients",
        allowed: STAFF,
        request: |_| {
            (
                "{ clients { edges { node { id } } } crmSettings { duplicateCriteria } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "createClient",
        allowed: &[Role::Owner, Role::Admin, Role::Operator],
        request: |target| {
            (
                "mutation($input: ClientInput!) { createClient(input: $input) { id } }",
                json!({ "input": crate::clients::private(
                    "Rôle",
                    &format!("Client {}", target.simple()),
                    &format!("{}@roles.fr", target.simple()),
                ) }),
            )
        },
    },
    Operation {
        name: "quotes",
        allowed: &ALL,
        request: |_| ("{ quotes { edges { node { number } } } }", json!({})),
    },
    Operation {
        name: "batchRecommendations",
        allowed: &[Role::Owner, Role::Admin, Role::Operator],
        request: |_| ("{ batchRecommendations { powderReference } }", json!({})),
    },
    Operation {
        name: "projects",
        allowed: STAFF,
        request: |_| ("{ projects { edges { node { number } } } }", json!({})),
    },
    Operation {
        name: "workshopQueue",
        allowed: STAFF,
        request: |_| ("{ workshopQueue { number } }", json!({})),
    },
    Operation {
        name: "workflow",
        allowed: STAFF,
        request: |_| ("{ workflow { qcChecklist } }", json!({})),
    },
    Operation {
        name: "nonConformityStats",
        allowed: STAFF,
        request: |_| {
            (
                "{ nonConformityStats(from: \"2026-01-01T00:00:00Z\", to: \"2027-01-01T00:00:00Z\") { projects } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "quoteSignatures",
        allowed: STAFF,
        request: |_| {
            (
                "{ quoteSignatures { edges { node { number } } } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "quoteTemplate",
        allowed: STAFF,
        request: |_| ("{ quoteTemplate { preset } }", json!({})),
    },
    Operation {
        name: "chooseQuoteTemplate",
        allowed: MANAGERS,
        request: |_| {
            (
                "mutation { chooseQuoteTemplate(preset: CLASSIC) { preset } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "setDuplicateCriteria",
        allowed: MANAGERS,
        request: |_| {
            (
                "mutation { setDuplicateCriteria(criteria: [EMAIL, PHONE]) { duplicateCriteria } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "stockSettings",
        allowed: STAFF,
        request: |_| ("{ stockSettings { dailyListSize } }", json!({})),
    },
    Operation {
        name: "updateStockSettings",
        allowed: MANAGERS,
        request: |_| {
            (
                "mutation { updateStockSettings(input: { dailyListSize: 4, windowDays: 30,
                   leadTimeDays: 7, coverDays: 30, lowStockAlerts: true }) { dailyListSize } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "oven",
        allowed: SHOP,
        request: |_| {
            (
                "{ oven { widthMm } batches { id } cureOrder { temperatureChanges } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "updateOven",
        allowed: MANAGERS,
        request: |_| {
            (
                "mutation { updateOven(input: { lengthMm: 5000, widthMm: 2000, heightMm: 2200,
                   barSpacingMm: 500, gapMm: 50, marginMm: 100, hookMm: 60 }) { bars } }",
                json!({}),
            )
        },
    },
    Operation {
        name: "paymentMethodRules",
        allowed: STAFF,
        request: |_| ("{ paymentMethodRules { role methods } }", json!({})),
    },
    Operation {
        name: "setPaymentMethods",
        allowed: MANAGERS,
        request: |target| {
            // Alternates, so that most allowed calls write an event.
            let methods = if target.as_u128() % 2 == 0 {
                json!(["CASH"])
            } else {
                json!(["CASH", "CHEQUE"])
            };
            (
                "mutation($methods: [PaymentMethodValue!]!) {
                   setPaymentMethods(role: OPERATOR, methods: $methods) { role methods } }",
                json!({ "methods": methods }),
            )
        },
    },
    Operation {
        name: "paymentsToReview",
        allowed: ACCOUNTANTS,
        request: |_| ("{ paymentsToReview(first: 10) { id amount } }", json!({})),
    },
    Operation {
        name: "deactivateMember",
        allowed: MANAGERS,
        request: |target| {
            (
                "mutation($id: ID!) { deactivateMember(accountId: $id) { active } }",
                json!({ "id": target.to_string() }),
            )
        },
    },
];

async fn outbox_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from email_outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn call(app: &TestApp, token: &str, operation: &Operation, target: Uuid) -> Value {
    let (query, variables) = (operation.request)(target);
    app.graphql_as(token, query, variables).await
}

#[tokio::test]
async fn every_operation_with_every_role() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier des rôles", "gerant@roles.fr").await;
    for role in ALL {
        let caller = match role {
            Role::Owner => owner.access_token.clone(),
            role => app.add_member(owner.workspace_id, role).await.access_token,
        };
        for operation in OPERATIONS {
            // A fresh operator to act upon, so that deactivations do not collide.
            let (target, _) = app.join(owner.workspace_id, Role::Operator).await;
            let events = app.db.event_count().await;
            let emails = outbox_count(&app).await;
            let response = call(&app, &caller, operation, target).await;
            if operation.allowed.contains(&role) {
                assert!(
                    response["errors"].is_null(),
                    "{} as {role:?} must work: {response}",
                    operation.name
                );
            } else {
                assert_eq!(
                    error_code(&response),
                    Some("FORBIDDEN"),
                    "{} as {role:?}: {response}",
                    operation.name
                );
                assert!(
                    response["data"].is_null(),
                    "{} as {role:?} returned data",
                    operation.name
                );
                assert_eq!(
                    outbox_count(&app).await,
                    emails,
                    "{} as {role:?} queued an email",
                    operation.name
                );
                assert_eq!(
                    app.db.event_count().await,
                    events,
                    "{} as {role:?} wrote an event",
                    operation.name
                );
            }
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn an_admin_cannot_make_or_touch_owners() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let admin = app.add_member(owner.workspace_id, Role::Admin).await;
    let owner_id = app
        .graphql_as(&owner.access_token, "{ me { accountId } }", json!({}))
        .await["data"]["me"]["accountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let attempts = [
        (
            "mutation($id: ID!) { changeMemberRole(accountId: $id, role: OWNER) { role } }",
            admin.account_id.to_string(),
        ),
        (
            "mutation($id: ID!) { changeMemberRole(accountId: $id, role: OPERATOR) { role } }",
            owner_id.clone(),
        ),
        (
            "mutation($id: ID!) { deactivateMember(accountId: $id) { active } }",
            owner_id,
        ),
    ];
    for (query, id) in attempts {
        let events = app.db.event_count().await;
        let response = app
            .graphql_as(&admin.access_token, query, json!({ "id": id }))
            .await;
        assert_eq!(error_code(&response), Some("FORBIDDEN"), "{response}");
        assert_eq!(response["errors"][0]["extensions"]["reason"], "OWNER_ONLY");
        assert_eq!(app.db.event_count().await, events);
    }
    let invite = app
        .graphql_as(
            &admin.access_token,
            "mutation { inviteMember(email: \"nouveau@atelier.fr\", role: OWNER) }",
            json!({}),
        )
        .await;
    assert_eq!(
        invite["errors"][0]["extensions"]["reason"], "OWNER_ONLY",
        "{invite}"
    );
    // The owner can.
    let promoted = app
        .graphql_as(
            &owner.access_token,
            "mutation($id: ID!) { changeMemberRole(accountId: $id, role: OWNER) { role } }",
            json!({ "id": admin.account_id.to_string() }),
        )
        .await;
    assert_eq!(
        promoted["data"]["changeMemberRole"]["role"], "OWNER",
        "{promoted}"
    );
    app.stop().await;
}

/// `revokeInvitation` needs an invitation of its own per call, which the matrix's targets
/// (a fresh operator) are not: the same rule, role by role, here.
#[tokio::test]
async fn only_those_who_may_invite_revoke_an_invitation() {
    let app = spawn_app().await;
    let owner = app
        .sign_up("Atelier des invitations", "gerant@roles-inv.fr")
        .await;
    for role in ALL {
        let caller = match role {
            Role::Owner => owner.access_token.clone(),
            role => app.add_member(owner.workspace_id, role).await.access_token,
        };
        let email = format!("invite-{}@roles-inv.fr", Uuid::new_v4().simple());
        let invited = app
            .graphql_as(
                &owner.access_token,
                "mutation($email: String!) { inviteMember(email: $email, role: OPERATOR) }",
                json!({ "email": email }),
            )
            .await;
        assert!(invited["errors"].is_null(), "{invited}");
        let listed = app
            .graphql_as(
                &owner.access_token,
                "{ invitations(first: 100) { edges { node { id email } } } }",
                json!({}),
            )
            .await;
        let id = listed["data"]["invitations"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|edge| edge["node"]["email"] == email.as_str())
            .unwrap_or_else(|| panic!("{listed}"))["node"]["id"]
            .clone();
        let events = app.db.event_count().await;
        let response = app
            .graphql_as(
                &caller,
                "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await;
        if MANAGERS.contains(&role) {
            assert_eq!(
                response["data"]["revokeInvitation"]["status"], "REVOKED",
                "{role:?}: {response}"
            );
        } else {
            assert_eq!(
                error_code(&response),
                Some("FORBIDDEN"),
                "{role:?}: {response}"
            );
            assert!(response["data"].is_null(), "{role:?}: {response}");
            assert_eq!(
                app.db.event_count().await,
                events,
                "{role:?} wrote an event"
            );
        }
    }
    app.stop().await;
}

/// `markPaymentReviewed` needs a payment an operator recorded per call: the same rule, role
/// by role, here. The operator who recorded them never reviews, nor does any shop-floor role.
#[tokio::test]
async fn only_accounting_the_owner_and_admins_review_a_shop_floor_payment() {
    let app = spawn_app().await;
    let (owner, shop) =
        crate::quotes::shop(&app, "Atelier des vérifications", "gerant@roles-pay.fr").await;
    let settings = app
        .graphql_as(
            &shop.token,
            "mutation($input: InvoiceSettingsInput!) { updateInvoiceSettings(input: $input) { paymentDays } }",
            crate::invoices::seller_settings(),
        )
        .await;
    assert!(settings["errors"].is_null(), "{settings}");
    let quote = crate::invoices::signed_quote(&app, &shop).await;
    let cashier = app.add_member(owner.workspace_id, Role::Operator).await;
    for role in ALL {
        let caller = match role {
            Role::Owner => owner.access_token.clone(),
            role => app.add_member(owner.workspace_id, role).await.access_token,
        };
        let paid = app
            .graphql_as(
                &cashier.access_token,
                "mutation($id: ID!) { recordPayment(quoteId: $id, input: { amount: \"1\", method: CASH }) { paid } }",
                json!({ "id": quote }),
            )
            .await;
        assert!(paid["errors"].is_null(), "{paid}");
        let listed = app
            .graphql_as(
                &owner.access_token,
                "{ paymentsToReview(first: 1) { id } }",
                json!({}),
            )
            .await;
        let id = listed["data"]["paymentsToReview"][0]["id"].clone();
        assert!(id.is_string(), "{listed}");
        let events = app.db.event_count().await;
        let response = app
            .graphql_as(
                &caller,
                "mutation($id: ID!) { markPaymentReviewed(paymentId: $id) { reviewDue reviewedAt } }",
                json!({ "id": id }),
            )
            .await;
        if ACCOUNTANTS.contains(&role) {
            assert!(
                response["data"]["markPaymentReviewed"]["reviewedAt"].is_string(),
                "{role:?}: {response}"
            );
            assert_eq!(app.db.event_count().await, events + 1, "{role:?}");
        } else {
            assert_eq!(
                error_code(&response),
                Some("FORBIDDEN"),
                "{role:?}: {response}"
            );
            assert!(response["data"].is_null(), "{role:?}: {response}");
            assert_eq!(
                app.db.event_count().await,
                events,
                "{role:?} wrote an event"
            );
            // Taken off the list by the owner before the next role's turn.
            let reviewed = app
                .graphql_as(
                    &owner.access_token,
                    "mutation($id: ID!) { markPaymentReviewed(paymentId: $id) { reviewedAt } }",
                    json!({ "id": id }),
                )
                .await;
            assert!(reviewed["errors"].is_null(), "{reviewed}");
        }
    }
    app.stop().await;
}
