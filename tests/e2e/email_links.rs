//! Emails with single-use links: address verification, password reset, invitations.

use serde_json::json;
use tests::{error_code, spawn_app, totp_code, LOGIN, PASSWORD};

const VERIFY: &str = "mutation($token: String!) { verifyEmail(token: $token) }";
const REQUEST_RESET: &str = "mutation($email: String!) { requestPasswordReset(email: $email) }";
const RESET: &str = "mutation($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }";
const INVITE: &str =
    "mutation($email: String!, $role: Role!) { inviteMember(email: $email, role: $role) }";
const ACCEPT_WITH_CODE: &str = "mutation($token: String!, $password: String!, $code: String) {
    acceptInvitation(token: $token, password: $password, totpCode: $code) { role } }";
const ACCEPT: &str = "mutation($token: String!, $password: String!) {
    acceptInvitation(token: $token, password: $password) { accessToken workspaceId role } }";

fn reason(response: &serde_json::Value) -> &str {
    response["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn sign_up_sends_a_verification_link_that_works_once() {
    let app = spawn_app().await;
    let signed_up = app
        .graphql(
            tests::SIGN_UP,
            json!({ "input": tests::sign_up_input("Atelier", "gerant@atelier.fr") }),
        )
        .await;
    assert!(signed_up["errors"].is_null(), "{signed_up}");
    let mail = app.mail.wait_for(1).await.remove(0);
    assert_eq!(mail.to, ["gerant@atelier.fr"]);
    assert_eq!(mail.from, "no-reply@thermogestion.local");
    assert!(
        mail.header("Subject").unwrap().contains("=?utf-8?")
            || mail.header("Subject").unwrap().contains("Confirmez")
    );
    let message_id = mail.header("Message-ID").unwrap();
    assert!(
        message_id.ends_with("@thermogestion.local>"),
        "{message_id}"
    );
    assert!(
        mail.body()
            .contains("https://app.thermogestion.test/verifier-email?jeton="),
        "{}",
        mail.body()
    );
    let token = mail.token().unwrap();

    let verified = app.graphql(VERIFY, json!({ "token": token })).await;
    assert_eq!(verified["data"]["verifyEmail"], true, "{verified}");
    let at: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select email_verified_at from account")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(at.is_some());
    let again = app.graphql(VERIFY, json!({ "token": token })).await;
    assert_eq!(reason(&again), "TOKEN_USED", "{again}");
    let forged = app
        .graphql(VERIFY, json!({ "token": "pas-un-jeton" }))
        .await;
    assert_eq!(reason(&forged), "TOKEN_INVALID");
    assert_eq!(error_code(&forged), Some("VALIDATION"));
    assert!(forged["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("lien"));
    app.stop().await;
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let app = spawn_app().await;
    let signed_up = app
        .graphql(
            tests::SIGN_UP,
            json!({ "input": tests::sign_up_input("Atelier", "gerant@atelier.fr") }),
        )
        .await;
    assert!(signed_up["errors"].is_null(), "{signed_up}");
    let token = app.mail.wait_for(1).await[0].token().unwrap();
    sqlx::query("update email_token set expires_at = now() - interval '1 minute'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let expired = app.graphql(VERIFY, json!({ "token": token })).await;
    assert_eq!(reason(&expired), "TOKEN_EXPIRED", "{expired}");
    app.stop().await;
}

#[tokio::test]
async fn a_password_reset_link_sets_a_new_password_and_ends_every_session() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    app.mail.wait_for(1).await;
    // Unknown addresses get the same answer, and no email.
    let unknown = app
        .graphql(REQUEST_RESET, json!({ "email": "personne@atelier.fr" }))
        .await;
    assert_eq!(unknown["data"]["requestPasswordReset"], true);
    let known = app
        .graphql(REQUEST_RESET, json!({ "email": "Gerant@atelier.fr" }))
        .await;
    assert_eq!(known["data"]["requestPasswordReset"], true);
    let mails = app.mail.wait_for(2).await;
    assert_eq!(mails.len(), 2, "one reset email only");
    assert!(app.mail.to("personne@atelier.fr").is_empty());
    let token = mails[1].token().unwrap();
    assert!(mails[1].body().contains("/nouveau-mot-de-passe?jeton="));

    // A weak password is refused without burning the link.
    let weak = app
        .graphql(RESET, json!({ "token": token, "password": "123456789012" }))
        .await;
    assert_eq!(reason(&weak), "PASSWORD_TOO_COMMON", "{weak}");
    let reset = app
        .graphql(
            RESET,
            json!({ "token": token, "password": "Nouvelle-Poudre-9005!" }),
        )
        .await;
    assert_eq!(reset["data"]["resetPassword"], true, "{reset}");
    let reused = app
        .graphql(
            RESET,
            json!({ "token": token, "password": "Encore-Autre-9010!" }),
        )
        .await;
    assert_eq!(reason(&reused), "TOKEN_USED");

    let refresh = app
        .graphql(
            "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
            json!({ "t": owner.refresh_token }),
        )
        .await;
    assert_eq!(
        error_code(&refresh),
        Some("UNAUTHENTICATED"),
        "old sessions end: {refresh}"
    );
    let access = app
        .graphql_as(&owner.access_token, "{ me { role } }", json!({}))
        .await;
    assert_eq!(
        error_code(&access),
        Some("UNAUTHENTICATED"),
        "the access tokens already handed out end too: {access}"
    );
    let old = app.login("gerant@atelier.fr", None).await;
    assert_eq!(reason(&old), "BAD_CREDENTIALS");
    let new = app
        .graphql(
            LOGIN,
            json!({ "input": { "email": "gerant@atelier.fr", "password": "Nouvelle-Poudre-9005!",
                               "totpCode": totp_code(&owner.totp_secret, 1) } }),
        )
        .await;
    assert_eq!(new["data"]["login"]["session"]["role"], "OWNER", "{new}");
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_brings_a_new_person_in_with_the_role_chosen() {
    let app = spawn_app().await;
    let owner = app
        .sign_up("Thermolaquage Martin", "gerant@martin.fr")
        .await;
    app.mail.wait_for(1).await;
    let invited = app
        .graphql_as(
            &owner.access_token,
            INVITE,
            json!({ "email": "Paul@Martin.fr", "role": "OPERATOR" }),
        )
        .await;
    assert_eq!(invited["data"]["inviteMember"], true, "{invited}");
    let mail = app.mail.wait_for(2).await.remove(1);
    assert_eq!(mail.to, ["Paul@Martin.fr"]);
    assert!(
        mail.body().contains("Thermolaquage Martin vous invite"),
        "{}",
        mail.body()
    );
    let token = mail.token().unwrap();

    let weak = app
        .graphql(ACCEPT, json!({ "token": token, "password": "court" }))
        .await;
    assert_eq!(reason(&weak), "PASSWORD_TOO_SHORT", "{weak}");
    let accepted = app
        .graphql(ACCEPT, json!({ "token": token, "password": PASSWORD }))
        .await;
    let session = &accepted["data"]["acceptInvitation"];
    assert_eq!(session["role"], "OPERATOR", "{accepted}");
    assert_eq!(session["workspaceId"], owner.workspace_id.to_string());
    let me = app
        .graphql_as(
            session["accessToken"].as_str().unwrap(),
            "{ me { email role } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["email"], "Paul@Martin.fr");
    let reused = app
        .graphql(ACCEPT, json!({ "token": token, "password": PASSWORD }))
        .await;
    assert_eq!(reason(&reused), "TOKEN_USED");

    // Inviting someone already in is refused; nothing is sent.
    let twice = app
        .graphql_as(
            &owner.access_token,
            INVITE,
            json!({ "email": "paul@martin.fr", "role": "ADMIN" }),
        )
        .await;
    assert_eq!(reason(&twice), "ALREADY_MEMBER", "{twice}");
    let bad = app
        .graphql_as(
            &owner.access_token,
            INVITE,
            json!({ "email": "paul-at-martin", "role": "ADMIN" }),
        )
        .await;
    assert_eq!(reason(&bad), "EMAIL_MALFORMED");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(app.mail.received().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_to_an_existing_account_needs_its_password() {
    let app = spawn_app().await;
    let first = app.sign_up("Atelier Un", "un@atelier.fr").await;
    let second = app.sign_up("Atelier Deux", "deux@atelier.fr").await;
    app.graphql_as(
        &second.access_token,
        INVITE,
        json!({ "email": "un@atelier.fr", "role": "ACCOUNTING" }),
    )
    .await;
    let mails = app.mail.wait_for(3).await;
    let token = mails
        .iter()
        .find(|mail| mail.body().contains("/invitation?"))
        .unwrap()
        .token()
        .unwrap();
    let wrong = app
        .graphql(
            ACCEPT,
            json!({ "token": token, "password": "pas-le-bon-mot" }),
        )
        .await;
    assert_eq!(reason(&wrong), "BAD_CREDENTIALS", "{wrong}");
    // The account has a second factor: the password alone does not do.
    let no_code = app
        .graphql(ACCEPT, json!({ "token": token, "password": PASSWORD }))
        .await;
    assert_eq!(reason(&no_code), "TWO_FACTOR_REQUIRED", "{no_code}");
    let accepted = app
        .graphql(
            ACCEPT_WITH_CODE,
            json!({ "token": token, "password": PASSWORD, "code": totp_code(&first.totp_secret, 1) }),
        )
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "ACCOUNTING",
        "{accepted}"
    );
    // The membership is granted by the inviter, as the audit log shows.
    let actor: String = sqlx::query_scalar(
        "select metadata ->> 'actor_role' from events where event_type = 'WorkspaceMemberJoined'
         and workspace_id = $1 order by global_position desc limit 1",
    )
    .bind(second.workspace_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(actor, "owner");
    // Now the account chooses between its two workshops.
    let login = app
        .graphql(
            LOGIN,
            json!({ "input": { "email": "un@atelier.fr", "password": PASSWORD, "recoveryCode": first.recovery_codes[0] } }),
        )
        .await;
    assert!(login["data"]["login"]["session"].is_null(), "{login}");
    let names: Vec<&str> = login["data"]["login"]["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Atelier Deux", "Atelier Un"]);
    app.stop().await;
}

#[tokio::test]
async fn links_are_not_kept_in_clear_once_sent() {
    let app = spawn_app().await;
    app.sign_up("Atelier", "gerant@atelier.fr").await;
    app.mail.wait_for(1).await;
    let body: String = tests::eventually("the verification email recorded as sent", || async {
        sqlx::query_scalar(
            "select body_text from email_outbox where kind = 'verify_email' and status = 'sent'",
        )
        .fetch_optional(&app.db.pool)
        .await
        .unwrap()
        .filter(|body: &String| !body.is_empty())
    })
    .await;
    assert!(!body.is_empty() && !body.contains("jeton="), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn deactivating_a_member_withdraws_their_pending_invitations() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    // An invitation to the operator's own address, still pending when they are deactivated
    // (sent before they joined by another link: an invitation to a member is refused).
    app.graphql_as(
        &owner.access_token,
        INVITE,
        json!({ "email": "autre@atelier.fr", "role": "OPERATOR" }),
    )
    .await;
    sqlx::query("update email_token set email = $1 where purpose = 'invitation'")
        .bind(&operator.email)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let token = app.mail.wait_for(2).await[1].token().unwrap();
    let deactivated = app
        .graphql_as(
            &owner.access_token,
            "mutation($id: ID!) { deactivateMember(accountId: $id) { active } }",
            json!({ "id": operator.account_id.to_string() }),
        )
        .await;
    assert_eq!(
        deactivated["data"]["deactivateMember"]["active"], false,
        "{deactivated}"
    );
    let events = app.db.event_count().await;
    let back = app
        .graphql(ACCEPT, json!({ "token": token, "password": PASSWORD }))
        .await;
    assert_eq!(reason(&back), "INVITATION_REVOKED", "{back}");
    assert_eq!(app.db.event_count().await, events, "nothing written");
    // The revocation is an event of the workshop, with its reason.
    let revoked: String = sqlx::query_scalar(
        "select payload -> 'InvitationRevoked' ->> 'reason' from events
         where event_type = 'WorkspaceInvitationRevoked'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(revoked, "InviteeDeactivated");
    app.stop().await;
}
