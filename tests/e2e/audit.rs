//! The audit log: who did what, when, from where — for the caller's workspace only.

use serde_json::json;
use tests::{error_code, spawn_app};

const AUDIT: &str = "query($filter: AuditFilterInput, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { eventType actorId actorEmail actorRole ip aggregateType aggregateId summary recordedAt } } } }";

#[tokio::test]
async fn the_audit_log_tells_who_did_what_when_and_from_where() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Audit", "gerant@audit.fr").await;
    app.graphql_as(
        &owner.access_token,
        "mutation { renameWorkspace(name: \"Atelier Audité\") { name } }",
        json!({}),
    )
    .await;
    let everything = app.graphql_as(&owner.access_token, AUDIT, json!({})).await;
    let edges = everything["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{everything}"));
    let types: Vec<&str> = edges
        .iter()
        .map(|edge| edge["node"]["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "WorkspaceRenamed",
            "WorkspaceMemberJoined",
            "WorkspaceTrialStarted",
            "WorkspaceConsentRecorded",
            "WorkspaceRegistered"
        ],
        "newest first"
    );
    let renamed = &edges[0]["node"];
    assert_eq!(renamed["actorEmail"], "gerant@audit.fr");
    assert_eq!(renamed["actorRole"], "owner");
    assert_eq!(renamed["ip"], "127.0.0.1");
    assert_eq!(renamed["aggregateType"], "workspace");
    assert_eq!(renamed["aggregateId"], "workspace");
    assert!(
        renamed["summary"]
            .as_str()
            .unwrap()
            .contains("Atelier Audité"),
        "{renamed}"
    );

    // Filters narrow; pages follow each other without overlap.
    let only_renames = app
        .graphql_as(
            &owner.access_token,
            AUDIT,
            json!({ "filter": { "eventType": "WorkspaceRenamed" } }),
        )
        .await;
    assert_eq!(
        only_renames["data"]["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let owner_id = renamed["actorId"].as_str().unwrap();
    let by_actor = app
        .graphql_as(
            &owner.access_token,
            AUDIT,
            json!({ "filter": { "actorId": owner_id } }),
        )
        .await;
    assert_eq!(
        by_actor["data"]["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        5,
        "{by_actor}"
    );
    let future = app
        .graphql_as(
            &owner.access_token,
            AUDIT,
            json!({ "filter": { "from": "2100-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(future["data"]["auditLog"]["edges"], json!([]));
    let first = app
        .graphql_as(&owner.access_token, AUDIT, json!({ "first": 2 }))
        .await;
    let page = &first["data"]["auditLog"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let second = app
        .graphql_as(
            &owner.access_token,
            AUDIT,
            json!({ "first": 10, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let rest: Vec<&str> = second["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        rest,
        [
            "WorkspaceTrialStarted",
            "WorkspaceConsentRecorded",
            "WorkspaceRegistered"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_filters_and_other_roles_are_refused() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    for (variables, reason) in [
        (
            json!({ "filter": { "actorId": "pas-un-id" } }),
            "ACTOR_ID_INVALID",
        ),
        (
            json!({ "filter": { "from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z" } }),
            "PERIOD_INVALID",
        ),
        (json!({ "after": "abc" }), "CURSOR_INVALID"),
    ] {
        let response = app.graphql_as(&owner.access_token, AUDIT, variables).await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert_eq!(response["errors"][0]["extensions"]["reason"], reason);
    }
    for role in [
        domain::Role::Operator,
        domain::Role::Accounting,
        domain::Role::Client,
    ] {
        let member = app.add_member(owner.workspace_id, role).await;
        let response = app.graphql_as(&member.access_token, AUDIT, json!({})).await;
        assert_eq!(
            error_code(&response),
            Some("FORBIDDEN"),
            "{role:?}: {response}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_exports_as_a_french_spreadsheet() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier CSV", "gerant@csv.fr").await;
    let url = format!(
        "{}/api/v1/audit-log.csv?eventType=WorkspaceRegistered",
        app.address
    );
    let response = app
        .client
        .get(&url)
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(
        &bytes[..3],
        &[0xEF, 0xBB, 0xBF],
        "byte-order mark for spreadsheets"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("date (Europe/Paris);date_utc;auteur;auteur_email"),
        "{text}"
    );
    assert!(
        lines[1].contains(";gerant@csv.fr;owner;127.0.0.1;"),
        "{text}"
    );
    assert!(
        lines[1].contains(";workspace;workspace;WorkspaceRegistered;"),
        "{text}"
    );

    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: serde_json::Value = anonymous.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHENTICATED");
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let forbidden = app
        .client
        .get(&url)
        .bearer_auth(&operator.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    let bad = app
        .client
        .get(format!("{}/api/v1/audit-log.csv?actorId=x", app.address))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn invitations_sent_revoked_and_accepted_read_in_french_in_the_audit_log() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Invitations", "gerant@invit.fr").await;
    let invite =
        "mutation($email: String!, $role: Role!) { inviteMember(email: $email, role: $role) }";
    for (email, role) in [("paul@invit.fr", "OPERATOR"), ("jeanne@invit.fr", "ADMIN")] {
        let invited = app
            .graphql_as(
                &owner.access_token,
                invite,
                json!({ "email": email, "role": role }),
            )
            .await;
        assert_eq!(invited["data"]["inviteMember"], true, "{invited}");
    }
    let listed = app
        .graphql_as(
            &owner.access_token,
            "{ invitations { edges { node { id email } } } }",
            json!({}),
        )
        .await;
    let jeanne = listed["data"]["invitations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|edge| edge["node"]["email"] == "jeanne@invit.fr")
        .unwrap_or_else(|| panic!("{listed}"))["node"]["id"]
        .clone();
    let revoked = app
        .graphql_as(
            &owner.access_token,
            "mutation($id: ID!) { revokeInvitation(id: $id) { status } }",
            json!({ "id": jeanne }),
        )
        .await;
    assert_eq!(
        revoked["data"]["revokeInvitation"]["status"], "REVOKED",
        "{revoked}"
    );
    let token = app.mail.wait_for_token_to("paul@invit.fr").await;
    let accepted = app
        .graphql(
            "mutation($token: String!, $password: String!) {
               acceptInvitation(token: $token, password: $password) { role } }",
            json!({ "token": token, "password": tests::PASSWORD }),
        )
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "OPERATOR",
        "{accepted}"
    );

    let log = app
        .graphql_as(
            &owner.access_token,
            // The mailer's `EmailSent` lines (aggregate `email`) have no label yet.
            "{ auditLog(first: 4, filter: { aggregateType: \"workspace\" }) {
                 edges { node { eventType label actorEmail summary } } } }",
            json!({}),
        )
        .await;
    let lines: Vec<(&str, &str)> = log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .map(|edge| {
            (
                edge["node"]["eventType"].as_str().unwrap(),
                edge["node"]["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines[0],
        (
            "WorkspaceMemberJoined",
            "Invitation acceptée : membre ajouté en tant qu'opérateur"
        )
    );
    assert_eq!(
        lines[1],
        (
            "WorkspaceInvitationRevoked",
            "Invitation retirée : par un gérant ou un administrateur"
        )
    );
    assert_eq!(lines[2].0, "WorkspaceMemberInvited");
    assert!(
        lines[2]
            .1
            .starts_with("Invitation envoyée en tant qu'administrateur, valable jusqu'au "),
        "{lines:?}"
    );
    assert!(
        lines[3]
            .1
            .starts_with("Invitation envoyée en tant qu'opérateur"),
        "{lines:?}"
    );
    // Every line is the inviter's (the acceptance is granted by them), and no line names the
    // address invited: it is not in the log.
    for edge in log["data"]["auditLog"]["edges"].as_array().unwrap() {
        assert_eq!(edge["node"]["actorEmail"], "gerant@invit.fr", "{edge}");
    }
    assert!(
        !log.to_string().contains("paul@") && !log.to_string().contains("jeanne@"),
        "{log}"
    );

    // The export carries the label in its last column.
    let csv = app
        .client
        .get(format!(
            "{}/api/v1/audit-log.csv?eventType=WorkspaceInvitationRevoked",
            app.address
        ))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].ends_with(";evenement_id;libelle"), "{csv}");
    assert!(
        lines[1].ends_with(";Invitation retirée : par un gérant ou un administrateur"),
        "{csv}"
    );
    app.stop().await;
}
