//! Invitations (security issue, item 6): listed and revoked by those who may invite, dead
//! with their inviter's rights, granted with the role the workshop recorded and re-checked at
//! acceptance, never for a client, and in the audit log. Each attack is tried and must fail
//! to do harm: no membership, no event, no account.

use std::time::Duration;

use domain::Role;
use serde_json::{json, Value};
use tests::{error_code, spawn_app, Owner, TestApp, PASSWORD};
use uuid::Uuid;

const INVITE: &str =
    "mutation($email: String!, $role: Role!) { inviteMember(email: $email, role: $role) }";
const ACCEPT: &str = "mutation($token: String!, $password: String!) {
    acceptInvitation(token: $token, password: $password) { accessToken role } }";
const INVITATIONS: &str = "{ invitations(first: 50) { edges { node {
    id email role invitedBy invitedByEmail invitedAt expiresAt status revocationReason } } } }";
const REVOKE: &str = "mutation($id: ID!) { revokeInvitation(id: $id) {
    id email status revocationReason closedAt } }";
const DEACTIVATE: &str = "mutation($id: ID!) { deactivateMember(accountId: $id) { active } }";
const CHANGE_ROLE: &str =
    "mutation($id: ID!, $role: Role!) { changeMemberRole(accountId: $id, role: $role) { role } }";

fn reason(response: &Value) -> &str {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default()
}

/// `token` invites `email` as `role`; returns the link's token.
async fn invite(app: &TestApp, token: &str, email: &str, role: &str) -> String {
    let invited = app
        .graphql_as(token, INVITE, json!({ "email": email, "role": role }))
        .await;
    assert_eq!(invited["data"]["inviteMember"], true, "{invited}");
    app.mail.wait_for_token_to(email).await
}

/// The pending invitations `token`'s workshop lists.
async fn pending(app: &TestApp, token: &str) -> Vec<Value> {
    let listed = app.graphql_as(token, INVITATIONS, json!({})).await;
    listed["data"]["invitations"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

async fn id_of(app: &TestApp, token: &str, email: &str) -> String {
    pending(app, token)
        .await
        .into_iter()
        .find(|node| node["email"] == email)
        .unwrap_or_else(|| panic!("{email} is not pending"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn has_account(app: &TestApp, email: &str) -> bool {
    sqlx::query_scalar::<_, i64>("select count(*) from account where email_normalized = $1")
        .bind(email.to_lowercase())
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        == 1
}

/// Accepting `link` as a newcomer is refused with `expected`, and nothing is written: no
/// event, no account, the link itself left as it was.
async fn refused_without_harm(app: &TestApp, link: &str, email: &str, expected: &str) {
    let events = app.db.event_count().await;
    let accepted = app
        .graphql(ACCEPT, json!({ "token": link, "password": PASSWORD }))
        .await;
    assert_eq!(reason(&accepted), expected, "{accepted}");
    assert_eq!(error_code(&accepted), Some("VALIDATION"), "{accepted}");
    assert!(accepted["data"].is_null(), "{accepted}");
    assert_eq!(
        app.db.event_count().await,
        events,
        "a refusal writes nothing"
    );
    assert!(!has_account(app, email).await, "no account for {email}");
}

async fn owner_id(app: &TestApp, owner: &Owner) -> String {
    app.graphql_as(&owner.access_token, "{ me { accountId } }", json!({}))
        .await["data"]["me"]["accountId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn pending_invitations_are_listed_and_a_revoked_one_lets_nobody_in() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Liste", "gerant@liste.fr").await;
    let link = invite(&app, &owner.access_token, "Paul@Liste.fr", "OPERATOR").await;
    invite(&app, &owner.access_token, "jeanne@liste.fr", "ACCOUNTING").await;

    let listed = pending(&app, &owner.access_token).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let paul = &listed[0];
    assert_eq!(paul["email"], "Paul@Liste.fr");
    assert_eq!(paul["role"], "OPERATOR");
    assert_eq!(paul["invitedBy"], owner_id(&app, &owner).await);
    assert_eq!(paul["invitedByEmail"], "gerant@liste.fr");
    assert_eq!(paul["status"], "PENDING");
    let at =
        |field: &str| chrono::DateTime::parse_from_rfc3339(paul[field].as_str().unwrap()).unwrap();
    assert_eq!(at("expiresAt") - at("invitedAt"), chrono::Duration::days(7));
    // The log holds the invitation, not the address it went to (ADR 0003).
    let logged = count(
        &app,
        "select count(*) from events where event_type = 'WorkspaceMemberInvited'
         and payload::text not ilike '%liste.fr%'",
    )
    .await;
    assert_eq!(logged, 2);

    let id = paul["id"].as_str().unwrap();
    let revoked = app
        .graphql_as(&owner.access_token, REVOKE, json!({ "id": id }))
        .await;
    let node = &revoked["data"]["revokeInvitation"];
    assert_eq!(node["status"], "REVOKED", "{revoked}");
    assert_eq!(node["revocationReason"], "WITHDRAWN");
    assert!(node["closedAt"].is_string());
    let left: Vec<Value> = pending(&app, &owner.access_token).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["email"], "jeanne@liste.fr");

    // The attack: the link still in Paul's inbox.
    refused_without_harm(&app, &link, "paul@liste.fr", "INVITATION_REVOKED").await;
    let unused = count(
        &app,
        "select count(*) from email_token where purpose = 'invitation' and used_at is null",
    )
    .await;
    assert_eq!(unused, 2, "a refused acceptance does not use the link up");

    // Twice is once: no second line in the log.
    let events = app.db.event_count().await;
    let again = app
        .graphql_as(&owner.access_token, REVOKE, json!({ "id": id }))
        .await;
    assert_eq!(
        again["data"]["revokeInvitation"]["status"], "REVOKED",
        "{again}"
    );
    assert_eq!(app.db.event_count().await, events);
    app.stop().await;
}

#[tokio::test]
async fn revoking_what_is_not_a_pending_invitation_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Refus", "gerant@refus.fr").await;
    let admin = app.add_member(owner.workspace_id, Role::Admin).await;
    invite(&app, &owner.access_token, "associe@refus.fr", "OWNER").await;
    let owner_invitation = id_of(&app, &owner.access_token, "associe@refus.fr").await;
    let link = invite(&app, &admin.access_token, "paul@refus.fr", "OPERATOR").await;
    let accepted = app
        .graphql(ACCEPT, json!({ "token": link, "password": PASSWORD }))
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "OPERATOR",
        "{accepted}"
    );
    let accepted_id: String =
        sqlx::query_scalar("select invitation_id::text from invitation where status = 'accepted'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();

    for (token, id, code, expected) in [
        (
            &owner.access_token,
            Uuid::new_v4().to_string(),
            "NOT_FOUND",
            "INVITATION_NOT_FOUND",
        ),
        (
            &owner.access_token,
            "pas-un-id".to_owned(),
            "NOT_FOUND",
            "INVITATION_NOT_FOUND",
        ),
        (
            &owner.access_token,
            accepted_id,
            "VALIDATION",
            "INVITATION_ACCEPTED",
        ),
        // Only an owner withdraws what only an owner could send.
        (
            &admin.access_token,
            owner_invitation.clone(),
            "FORBIDDEN",
            "OWNER_ONLY",
        ),
    ] {
        let events = app.db.event_count().await;
        let response = app.graphql_as(token, REVOKE, json!({ "id": id })).await;
        assert_eq!(error_code(&response), Some(code), "{response}");
        assert_eq!(reason(&response), expected, "{response}");
        assert!(
            response["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("invitation"),
            "a French message: {response}"
        );
        assert_eq!(app.db.event_count().await, events, "{id}: wrote an event");
    }
    let still = pending(&app, &owner.access_token).await;
    assert_eq!(still.len(), 1);
    assert_eq!(still[0]["id"], owner_invitation);
    app.stop().await;
}

#[tokio::test]
async fn a_client_is_not_invited_as_a_member() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Client", "gerant@client.fr").await;
    app.mail.wait_for(1).await;
    let events = app.db.event_count().await;
    let refused = app
        .graphql_as(
            &owner.access_token,
            INVITE,
            json!({ "email": "client@exemple.fr", "role": "CLIENT" }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
    assert_eq!(reason(&refused), "INVITATION_ROLE_CLIENT");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fiche client"),
        "{refused}"
    );
    assert_eq!(app.db.event_count().await, events);
    assert_eq!(
        count(
            &app,
            "select count(*) from email_token where purpose = 'invitation'"
        )
        .await,
        0,
        "no link"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(app.mail.to("client@exemple.fr").is_empty(), "no email");
    app.stop().await;
}

#[tokio::test]
async fn a_deactivated_inviters_invitations_die_with_them() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Départ", "gerant@depart.fr").await;
    let admin = app.add_member(owner.workspace_id, Role::Admin).await;
    // The attack: an admin about to leave invites an accomplice as admin.
    let link = invite(&app, &admin.access_token, "complice@ailleurs.fr", "ADMIN").await;
    let kept = invite(&app, &owner.access_token, "paul@depart.fr", "OPERATOR").await;
    let deactivated = app
        .graphql_as(
            &owner.access_token,
            DEACTIVATE,
            json!({ "id": admin.account_id.to_string() }),
        )
        .await;
    assert_eq!(
        deactivated["data"]["deactivateMember"]["active"], false,
        "{deactivated}"
    );
    let left = pending(&app, &owner.access_token).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["email"], "paul@depart.fr");
    let reasons: Vec<String> = sqlx::query_scalar(
        "select payload -> 'InvitationRevoked' ->> 'reason' from events
         where event_type = 'WorkspaceInvitationRevoked'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(reasons, ["InviterDeactivated"]);

    refused_without_harm(&app, &link, "complice@ailleurs.fr", "INVITATION_REVOKED").await;
    // The owner's invitation is not the admin's: it still works.
    let accepted = app
        .graphql(ACCEPT, json!({ "token": kept, "password": PASSWORD }))
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "OPERATOR",
        "{accepted}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_demoted_inviter_keeps_only_the_invitations_their_new_role_could_send() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Rôles", "gerant@roles-inv.fr").await;
    let admin = app.add_member(owner.workspace_id, Role::Admin).await;
    let second_owner = app.add_member(owner.workspace_id, Role::Owner).await;
    // An admin made operator: none of theirs survives.
    let admins_link = invite(
        &app,
        &admin.access_token,
        "compta@ailleurs.fr",
        "ACCOUNTING",
    )
    .await;
    // An owner made admin: their owner invitation goes, their operator invitation stays.
    let owners_link = invite(
        &app,
        &second_owner.access_token,
        "associe@ailleurs.fr",
        "OWNER",
    )
    .await;
    let operators_link = invite(
        &app,
        &second_owner.access_token,
        "paul@ailleurs.fr",
        "OPERATOR",
    )
    .await;
    for (member, role) in [(&admin, "OPERATOR"), (&second_owner, "ADMIN")] {
        let changed = app
            .graphql_as(
                &owner.access_token,
                CHANGE_ROLE,
                json!({ "id": member.account_id.to_string(), "role": role }),
            )
            .await;
        assert_eq!(
            changed["data"]["changeMemberRole"]["role"], role,
            "{changed}"
        );
    }
    let left = pending(&app, &owner.access_token).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["email"], "paul@ailleurs.fr");

    refused_without_harm(
        &app,
        &admins_link,
        "compta@ailleurs.fr",
        "INVITATION_REVOKED",
    )
    .await;
    refused_without_harm(
        &app,
        &owners_link,
        "associe@ailleurs.fr",
        "INVITATION_REVOKED",
    )
    .await;
    let accepted = app
        .graphql(
            ACCEPT,
            json!({ "token": operators_link, "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "OPERATOR",
        "{accepted}"
    );
    let reasons: Vec<String> = sqlx::query_scalar(
        "select payload -> 'InvitationRevoked' ->> 'reason' from events
         where event_type = 'WorkspaceInvitationRevoked'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(reasons, ["InviterDemoted", "InviterDemoted"]);
    app.stop().await;
}

#[tokio::test]
async fn the_role_granted_is_the_one_the_workshop_recorded_not_the_links() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Jeton", "gerant@jeton.fr").await;
    let link = invite(&app, &owner.access_token, "paul@jeton.fr", "OPERATOR").await;
    // The attack: the link's row says owner (a copy of the database, a bug elsewhere).
    sqlx::query("update email_token set role = 'owner', invited_by_role = 'owner' where purpose = 'invitation'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let accepted = app
        .graphql(ACCEPT, json!({ "token": link, "password": PASSWORD }))
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "OPERATOR",
        "{accepted}"
    );
    let role: String = sqlx::query_scalar("select role from member where role <> 'owner'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(role, "operator");
    // Accepted: the invitation leaves the pending list, its link is used.
    assert!(pending(&app, &owner.access_token).await.is_empty());
    let again = app
        .graphql(ACCEPT, json!({ "token": link, "password": PASSWORD }))
        .await;
    assert_eq!(reason(&again), "TOKEN_USED", "{again}");

    // A member invitation's link without its event (sent before invitations were events:
    // migration 0028 expired those) lets nobody in.
    let legacy = "lien-d-avant-les-evenements";
    sqlx::query(
        "insert into email_token (token_hash, purpose, workspace_id, email, role, expires_at,
                                  invited_by, invited_by_role)
         values (sha256($1::bytea), 'invitation', $2, 'ancien@jeton.fr', 'admin',
                 now() + interval '1 day', null, null)",
    )
    .bind(legacy.as_bytes())
    .bind(owner.workspace_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let events = app.db.event_count().await;
    let old = app
        .graphql(ACCEPT, json!({ "token": legacy, "password": PASSWORD }))
        .await;
    assert_eq!(reason(&old), "TOKEN_INVALID", "{old}");
    assert_eq!(app.db.event_count().await, events);
    assert!(!has_account(&app, "ancien@jeton.fr").await);
    app.stop().await;
}

#[tokio::test]
async fn workshop_b_can_neither_list_nor_revoke_the_invitations_of_a() {
    let app = spawn_app().await;
    let pair = app.two_workspaces().await;
    let link = invite(&app, &pair.a.access_token, "invite-a@atelier-a.fr", "ADMIN").await;
    let a_invitation = id_of(&app, &pair.a.access_token, "invite-a@atelier-a.fr").await;
    let b_list = app
        .graphql_as(&pair.b.access_token, INVITATIONS, json!({}))
        .await;
    assert_eq!(
        b_list["data"]["invitations"]["edges"],
        json!([]),
        "{b_list}"
    );
    let events = app.db.event_count().await;
    let revoked = app
        .graphql_as(&pair.b.access_token, REVOKE, json!({ "id": a_invitation }))
        .await;
    assert_eq!(error_code(&revoked), Some("NOT_FOUND"), "{revoked}");
    assert_eq!(reason(&revoked), "INVITATION_NOT_FOUND");
    assert!(revoked["data"].is_null());
    assert!(!revoked.to_string().contains("invite-a@atelier-a.fr"));
    assert_eq!(app.db.event_count().await, events);
    // A's invitation is untouched and still lets its guest in.
    assert_eq!(pending(&app, &pair.a.access_token).await.len(), 1);
    let accepted = app
        .graphql(ACCEPT, json!({ "token": link, "password": PASSWORD }))
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "ADMIN",
        "{accepted}"
    );
    app.stop().await;
}
