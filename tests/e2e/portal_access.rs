//! Portal access (issue 17 item 5): an invitation opens the one client record it was sent
//! for; a new address, an archive, a merge or the workshop's revocation close it; the portal
//! shows only what was sent, without the workshop's breakdown.

use serde_json::{json, Value};
use tests::{error_code, node_strings, spawn_app, TestApp};

use crate::quote_signatures::SEND;
use crate::quotes::{shop, workshop_quote, Shop, CREATE};

const ACCEPT: &str = "mutation($token: String!, $password: String!) {
    acceptInvitation(token: $token, password: $password) { role accessToken } }";
const PASSWORD: &str = "Portail-Client-2026!";
const UPDATE: &str = "mutation($id: ID!, $input: ClientInput!, $reason: String) {
    updateClient(id: $id, input: $input, duplicateOverrideReason: $reason) { id } }";
const REVOKE: &str = "mutation($id: ID!) { revokePortalAccess(clientId: $id) {
    portalStatus portalActivatedAt portalRevokedAt } }";
const ACCESSES: &str = "{ clients(portalStatus: ACTIVE) { edges { node { id displayName } } } }";
const MY_QUOTES: &str = "{ quotes { edges { node { id } } } }";
const ONE_QUOTE: &str = "query($id: ID!) { quote(id: $id) { id status
    lines { description powderKg steps { label } } } }";

fn paul(email: &str) -> Value {
    crate::clients::private("Paul", "Bernard", email)
}

/// A quote for `client`, sent: its id.
async fn sent_quote(app: &TestApp, shop: &Shop, client: &str) -> String {
    let id = draft_quote(app, shop, client).await;
    let sent = app.graphql_as(&shop.token, SEND, json!({ "id": id })).await;
    assert_eq!(sent["data"]["sendQuote"]["status"], "SENT", "{sent}");
    id
}

async fn draft_quote(app: &TestApp, shop: &Shop, client: &str) -> String {
    let created = app
        .graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(client, &shop.gate, &shop.rims),
        )
        .await;
    created["data"]["createQuote"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned()
}

/// The invitation link of the `nth` email (from 1) to `recipient`.
async fn nth_link(app: &TestApp, recipient: &str, nth: usize) -> String {
    app.mail.wait_for_count_to(recipient, nth).await[nth - 1]
        .token()
        .expect("an invitation link")
}

async fn accept(app: &TestApp, token: &str) -> Value {
    app.graphql(ACCEPT, json!({ "token": token, "password": PASSWORD }))
        .await
}

async fn quote_ids(app: &TestApp, token: &str) -> Vec<String> {
    let listed = app.graphql_as(token, MY_QUOTES, json!({})).await;
    node_strings(&listed, "quotes", "id")
}

async fn can_read(app: &TestApp, token: &str, quote: &str) -> bool {
    let read = app
        .graphql_as(token, ONE_QUOTE, json!({ "id": quote }))
        .await;
    match error_code(&read) {
        None => true,
        Some("NOT_FOUND") => false,
        Some(other) => panic!("{other}: {read}"),
    }
}

async fn pdf_status(app: &TestApp, token: &str, quote: &str) -> u16 {
    crate::quotes::pdf(app, token, quote)
        .await
        .status()
        .as_u16()
}

async fn accounts_named(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("select count(*) from account where email_normalized = $1")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_link_opens_its_own_record_only_and_a_new_address_closes_it() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    // Two records with the same address: Paul's, and his company's (a duplicate kept on
    // purpose). Before, accepting one link opened both.
    let company = app
        .graphql_as(
            &shop.token,
            crate::clients::CREATE,
            json!({ "input": paul("paul@exemple.fr"), "reason": "sa société, même adresse" }),
        )
        .await;
    let company = company["data"]["createClient"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{company}"))
        .to_owned();
    let theirs = sent_quote(&app, &shop, &company).await;
    let company_link = nth_link(&app, "paul@exemple.fr", 1).await;
    let mine = sent_quote(&app, &shop, &shop.client).await;
    let my_link = nth_link(&app, "paul@exemple.fr", 2).await;

    let accepted = accept(&app, &my_link).await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "CLIENT",
        "{accepted}"
    );
    let client = accepted["data"]["acceptInvitation"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(quote_ids(&app, &client).await, [mine.as_str()]);
    assert!(!can_read(&app, &client, &theirs).await);
    assert_eq!(pdf_status(&app, &client, &theirs).await, 404);

    // The company's own link, accepted with the same login, opens the company's record too.
    let again = app
        .graphql(
            ACCEPT,
            json!({ "token": company_link, "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        again["data"]["acceptInvitation"]["role"], "CLIENT",
        "{again}"
    );
    let mut both = quote_ids(&app, &client).await;
    both.sort();
    let mut expected = vec![mine.clone(), theirs.clone()];
    expected.sort();
    assert_eq!(both, expected);

    // The workshop gives the company another address: that login no longer reads it.
    let moved = app
        .graphql_as(
            &shop.token,
            UPDATE,
            json!({ "id": company, "input": paul("compta@bernard-sarl.fr"), "reason": "sa société" }),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    assert_eq!(quote_ids(&app, &client).await, [mine.as_str()]);
    assert!(!can_read(&app, &client, &theirs).await);
    assert_eq!(pdf_status(&app, &client, &theirs).await, 404);
    let sheet = app
        .graphql_as(
            &shop.token,
            "query($id: ID!) { client(id: $id) { portalStatus portalRevokedAt } }",
            json!({ "id": company }),
        )
        .await;
    assert_eq!(sheet["data"]["client"]["portalStatus"], "none", "{sheet}");
    assert!(sheet["data"]["client"]["portalRevokedAt"].is_string());

    // The auditor reads why.
    let audit = app
        .graphql_as(
            &shop.token,
            "{ auditLog(filter: { eventType: \"ClientPortalRevoked\" }) { edges { node { label } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        node_strings(&audit, "auditLog", "label"),
        ["Accès à l'espace client retiré : l'adresse email du client a changé"]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_link_whose_record_changed_or_was_revoked_opens_nothing_and_creates_no_account() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    sent_quote(&app, &shop, &shop.client).await;
    let link = nth_link(&app, "paul@exemple.fr", 1).await;
    // Paul's address was a typo: the workshop corrects it before Paul (or whoever reads the
    // mistyped inbox) clicks.
    app.graphql_as(
        &shop.token,
        UPDATE,
        json!({ "id": shop.client, "input": paul("paul.bernard@exemple.fr") }),
    )
    .await;
    let events = app.db.event_count().await;
    let refused = accept(&app, &link).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"], "PORTAL_INVITATION_WITHDRAWN",
        "{refused}"
    );
    assert!(refused["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("n'est plus valable"));
    assert_eq!(accounts_named(&app, "paul@exemple.fr").await, 0);
    assert_eq!(app.db.event_count().await, events);

    // A link sent before the workshop took the access back is dead too, even with no login.
    let jeanne = crate::clients::create(
        &app,
        &shop.token,
        crate::clients::private("Jeanne", "Martin", "jeanne@exemple.fr"),
    )
    .await;
    sent_quote(&app, &shop, &jeanne).await;
    let link = nth_link(&app, "jeanne@exemple.fr", 1).await;
    let revoked = app
        .graphql_as(&shop.token, REVOKE, json!({ "id": jeanne }))
        .await;
    assert_eq!(
        revoked["data"]["revokePortalAccess"]["portalStatus"], "none",
        "{revoked}"
    );
    let refused = accept(&app, &link).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"], "PORTAL_INVITATION_WITHDRAWN",
        "{refused}"
    );
    assert_eq!(accounts_named(&app, "jeanne@exemple.fr").await, 0);
    // The next email carries a new link, which works.
    sent_quote(&app, &shop, &jeanne).await;
    let link = nth_link(&app, "jeanne@exemple.fr", 2).await;
    let accepted = accept(&app, &link).await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "CLIENT",
        "{accepted}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_workshop_lists_and_revokes_access_and_the_portal_shows_only_what_was_sent() {
    let app = spawn_app().await;
    let (owner, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let sent = sent_quote(&app, &shop, &shop.client).await;
    let link = nth_link(&app, "paul@exemple.fr", 1).await;
    let accepted = accept(&app, &link).await;
    let client = accepted["data"]["acceptInvitation"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{accepted}"))
        .to_owned();
    let draft = draft_quote(&app, &shop, &shop.client).await;

    // Only the sent quote, without the breakdown the workshop priced it with.
    assert_eq!(quote_ids(&app, &client).await, [sent.as_str()]);
    assert!(!can_read(&app, &client, &draft).await);
    assert_eq!(pdf_status(&app, &client, &draft).await, 404);
    let seen = app
        .graphql_as(&client, ONE_QUOTE, json!({ "id": sent }))
        .await;
    for line in seen["data"]["quote"]["lines"].as_array().unwrap() {
        assert_eq!(line["steps"], json!([]), "{seen}");
        assert!(line["powderKg"].is_null(), "{seen}");
    }
    let staff = app
        .graphql_as(&shop.token, ONE_QUOTE, json!({ "id": sent }))
        .await;
    let labels: Vec<&str> = staff["data"]["quote"]["lines"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Marge main d'œuvre"), "{labels:?}");
    // Photos of the shop floor are the workshop's.
    let photos = app
        .graphql_as(
            &client,
            "query($id: ID!) { projectPhotos(projectId: $id) { id } }",
            json!({ "id": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(error_code(&photos), Some("FORBIDDEN"), "{photos}");

    // The access list, and who may take an access back.
    let listed = app.graphql_as(&shop.token, ACCESSES, json!({})).await;
    assert_eq!(
        node_strings(&listed, "clients", "id"),
        [shop.client.as_str()]
    );
    for role in [
        domain::Role::Operator,
        domain::Role::Accounting,
        domain::Role::Client,
    ] {
        let member = app.add_member(owner.workspace_id, role).await;
        let events = app.db.event_count().await;
        let refused = app
            .graphql_as(&member.access_token, REVOKE, json!({ "id": shop.client }))
            .await;
        assert_eq!(
            error_code(&refused),
            Some("FORBIDDEN"),
            "{role:?}: {refused}"
        );
        assert_eq!(app.db.event_count().await, events);
    }
    let revoked = app
        .graphql_as(&shop.token, REVOKE, json!({ "id": shop.client }))
        .await;
    assert_eq!(
        revoked["data"]["revokePortalAccess"]["portalStatus"], "none",
        "{revoked}"
    );
    assert!(revoked["data"]["revokePortalAccess"]["portalActivatedAt"].is_null());
    let listed = app.graphql_as(&shop.token, ACCESSES, json!({})).await;
    assert_eq!(node_strings(&listed, "clients", "id"), Vec::<String>::new());
    assert_eq!(quote_ids(&app, &client).await, Vec::<String>::new());
    assert!(!can_read(&app, &client, &sent).await);
    assert_eq!(pdf_status(&app, &client, &sent).await, 404);
    app.stop().await;
}

#[tokio::test]
async fn archiving_closes_the_access_and_another_workshop_neither_lists_nor_revokes_it() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let sent = sent_quote(&app, &shop, &shop.client).await;
    let link = nth_link(&app, "paul@exemple.fr", 1).await;
    let client = accept(&app, &link).await["data"]["acceptInvitation"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(quote_ids(&app, &client).await, [sent.as_str()]);

    let other = app.sign_up("Atelier B", "gerant@atelier-b.fr").await;
    let events = app.db.event_count().await;
    let refused = app
        .graphql_as(&other.access_token, REVOKE, json!({ "id": shop.client }))
        .await;
    assert_eq!(error_code(&refused), Some("NOT_FOUND"), "{refused}");
    assert_eq!(app.db.event_count().await, events);
    let listed = app
        .graphql_as(&other.access_token, ACCESSES, json!({}))
        .await;
    assert_eq!(node_strings(&listed, "clients", "id"), Vec::<String>::new());
    assert_eq!(quote_ids(&app, &client).await, [sent.as_str()]);

    let archived = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!) { archiveClient(id: $id) { portalStatus } }",
            json!({ "id": shop.client }),
        )
        .await;
    assert_eq!(
        archived["data"]["archiveClient"]["portalStatus"], "none",
        "{archived}"
    );
    assert_eq!(quote_ids(&app, &client).await, Vec::<String>::new());
    assert!(!can_read(&app, &client, &sent).await);
    app.stop().await;
}
