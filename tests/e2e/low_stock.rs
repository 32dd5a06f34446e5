//! Low-stock alerts: the review finds powders that run out before a delivery, owners and
//! administrators get one email per newly low powder set, never twice, never another
//! workshop's powders.

use chrono::Utc;
use serde_json::json;
use tests::TestApp;
use uuid::Uuid;

use crate::powder::register;

/// Receives `received` kg then consumes `consumed` kg of a new powder `reference`.
async fn powder_with_stock(
    app: &TestApp,
    token: &str,
    reference: &str,
    received: &str,
    consumed: &str,
) {
    let id = register(app, token, reference).await;
    let receive = app
        .graphql_as(
            token,
            "mutation($id: ID!, $kg: Decimal!) { receivePowder(powderId: $id, kg: $kg) }",
            json!({ "id": id, "kg": received }),
        )
        .await;
    assert_eq!(receive["data"]["receivePowder"], true, "{receive}");
    let consume = app
        .graphql_as(
            token,
            "mutation($id: ID!, $kg: Decimal!) { consumePowder(powderId: $id, kg: $kg, note: \"série\") }",
            json!({ "id": id, "kg": consumed }),
        )
        .await;
    assert_eq!(consume["data"]["consumePowder"], true, "{consume}");
}

async fn review(app: &TestApp, workspace_id: Uuid) {
    workers::low_stock::review(&app.db.pool, &app.state.commands, workspace_id, Utc::now())
        .await
        .expect("review");
}

async fn alert_events(app: &TestApp, workspace_id: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "select event_type from events where workspace_id = $1 and event_type like 'LowStock%'
         order by global_position",
    )
    .bind(workspace_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

/// The low-stock emails queued for a workshop, once the reactor queued `count` of them.
async fn alert_emails(app: &TestApp, workspace_id: Uuid, count: usize) -> Vec<(String, String)> {
    tests::eventually(format!("{count} low-stock emails"), || async {
        let emails: Vec<(String, String)> = sqlx::query_as(
            "select recipient, body_text from email_outbox
             where workspace_id = $1 and kind = 'low_stock' order by recipient, created_at",
        )
        .bind(workspace_id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        (emails.len() >= count).then_some(emails)
    })
    .await
}

#[tokio::test]
async fn owners_and_admins_are_alerted_once_until_the_powder_recovers() {
    let app = tests::spawn_app().await;
    let owner = app.sign_up("Atelier du Val", "gerant@val.fr").await;
    let admin = app
        .add_member(owner.workspace_id, domain::Role::Admin)
        .await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    // 9 kg used in the window (0.3 kg a day): 1 kg left lasts 3 days, less than the 7 days
    // the supplier needs. 40 kg left lasts long enough.
    powder_with_stock(&app, &owner.access_token, "TP 7016 B", "10", "9").await;
    powder_with_stock(&app, &owner.access_token, "TP 9010", "50", "10").await;

    review(&app, owner.workspace_id).await;
    assert_eq!(
        alert_events(&app, owner.workspace_id).await,
        ["LowStockAlertRaised"]
    );
    let emails = alert_emails(&app, owner.workspace_id, 2).await;
    let mut recipients: Vec<&str> = emails.iter().map(|(to, _)| to.as_str()).collect();
    recipients.sort_unstable();
    let mut expected = vec![owner.email.as_str(), admin.email.as_str()];
    expected.sort_unstable();
    assert_eq!(recipients, expected, "not the operator {}", operator.email);
    let body = &emails[0].1;
    assert!(
        body.contains("TP 7016 B : 1 kg, 3 jours restants, commander 25 kg"),
        "{body}"
    );
    assert!(!body.contains("TP 9010"), "{body}");
    let delivered = app.mail.wait_for(1).await;
    assert!(delivered
        .iter()
        .any(|mail| mail.to.iter().any(|to| to == &owner.email)));

    // The next review finds the same powder low: no new alert, no new email.
    review(&app, owner.workspace_id).await;
    assert_eq!(alert_events(&app, owner.workspace_id).await.len(), 1);

    // A delivery clears the alert; running low again alerts again.
    let stock = "{ reorderSuggestions(lowStockOnly: true) { edges { node { reference } } } }";
    let id = register_id(&app, &owner.access_token, "TP 7016 B").await;
    app.graphql_as(
        &owner.access_token,
        "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"25\") }",
        json!({ "id": id }),
    )
    .await;
    review(&app, owner.workspace_id).await;
    assert_eq!(
        alert_events(&app, owner.workspace_id).await,
        ["LowStockAlertRaised", "LowStockAlertCleared"]
    );
    let suggestions = app.graphql_as(&owner.access_token, stock, json!({})).await;
    assert!(
        tests::node_strings(&suggestions, "reorderSuggestions", "reference").is_empty(),
        "{suggestions}"
    );
    app.stop().await;
}

async fn register_id(app: &TestApp, token: &str, reference: &str) -> String {
    let found = app
        .graphql_as(
            token,
            "query($search: String) { powders(search: $search) { edges { node { id } } } }",
            json!({ "search": reference }),
        )
        .await;
    found["data"]["powders"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{found}"))
        .to_owned()
}

#[tokio::test]
async fn alerts_can_be_turned_off() {
    let app = tests::spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    powder_with_stock(&app, &owner.access_token, "TP 7016 B", "10", "9").await;
    let off = app
        .graphql_as(
            &owner.access_token,
            "mutation { updateStockSettings(input: { dailyListSize: 3, windowDays: 30,
               leadTimeDays: 7, coverDays: 30, lowStockAlerts: false }) { lowStockAlerts } }",
            json!({}),
        )
        .await;
    assert_eq!(
        off["data"]["updateStockSettings"]["lowStockAlerts"], false,
        "{off}"
    );
    review(&app, owner.workspace_id).await;
    assert!(alert_events(&app, owner.workspace_id).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_workshop_is_only_alerted_about_its_own_powders() {
    let app = tests::spawn_app().await;
    let both = app.two_workspaces().await;
    powder_with_stock(&app, &both.a.access_token, "SECRET A 7016", "10", "9").await;
    powder_with_stock(&app, &both.b.access_token, "PUBLIC B 9005", "10", "9").await;
    workers::low_stock::review_all(&app.db.pool, &app.state.commands, Utc::now())
        .await
        .expect("reviews");
    let a = alert_emails(&app, both.a.workspace_id, 1).await;
    let b = alert_emails(&app, both.b.workspace_id, 1).await;
    assert_eq!(a.len(), 1);
    assert_eq!(b, vec![(both.b.email.clone(), b[0].1.clone())]);
    assert!(a[0].1.contains("SECRET A 7016") && !a[0].1.contains("PUBLIC B"));
    assert!(b[0].1.contains("PUBLIC B 9005") && !b[0].1.contains("SECRET A"));
    app.stop().await;
}
