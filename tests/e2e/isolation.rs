//! Tenant isolation: the query filter is the first lock, row-level security the second,
//! and no answer given to workspace B holds anything of workspace A.

use commands::Commands;
use domain::workspace::WorkspaceCommand;
use domain::Role;
use projections::engine;
use projections::{tenant, workspace, Subscriptions};
use serde_json::json;
use tests::{register, spawn_app, workspace_command, Probe, TestDb};
use uuid::Uuid;

#[tokio::test]
async fn no_answer_to_workspace_b_holds_anything_of_workspace_a() {
    let app = spawn_app().await;
    let pair = app.two_workspaces().await;
    let a_member = pair.a_member.account_id.to_string();
    let mut probes = vec![
        Probe {
            query: "{ workspace { id name } }",
            variables: json!({}),
            targets_a: false,
        },
        Probe {
            query: "{ me { accountId workspaceId } }",
            variables: json!({}),
            targets_a: false,
        },
        Probe {
            query: "{ members(first: 100) { edges { node { accountId email } } } }",
            variables: json!({}),
            targets_a: false,
        },
        Probe {
            query:
                "mutation($id: ID!) { changeMemberRole(accountId: $id, role: ADMIN) { accountId } }",
            variables: json!({ "id": a_member }),
            targets_a: true,
        },
        Probe {
            query: "mutation($id: ID!) { deactivateMember(accountId: $id) { accountId } }",
            variables: json!({ "id": a_member }),
            targets_a: true,
        },
    ];
    // A customises a template (with its name in it) and sends an invitation.
    let secret_subject = format!("Offre {}", pair.a_name);
    let saved = app
        .graphql_as(
            &pair.a.access_token,
            "mutation($subject: String!) { saveEmailTemplate(kind: \"invoice\", subject: $subject,
               mjml: \"<mjml><mj-body></mj-body></mjml>\") { isDefault } }",
            json!({ "subject": secret_subject }),
        )
        .await;
    assert_eq!(
        saved["data"]["saveEmailTemplate"]["isDefault"], false,
        "{saved}"
    );
    app.graphql_as(
        &pair.a.access_token,
        "mutation { inviteMember(email: \"invite-a@atelier-a.fr\", role: OPERATOR) }",
        json!({}),
    )
    .await;
    let a_invitations = app
        .graphql_as(
            &pair.a.access_token,
            "{ invitations { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let a_invitation = a_invitations["data"]["invitations"]["edges"][0]["node"]["id"].clone();
    assert!(a_invitation.is_string(), "{a_invitations}");
    probes.extend([
        Probe {
            query: "{ invitations(first: 100) { edges { node { id email invitedBy } } } }",
            variables: json!({}),
            targets_a: false,
        },
        Probe {
            query: "mutation($id: ID!) { revokeInvitation(id: $id) { id email } }",
            variables: json!({ "id": a_invitation }),
            targets_a: true,
        },
    ]);
    let mut a_powder = crate::powder::powder("TP 7016 B", "GLOSS");
    a_powder["name"] = json!(pair.a_name.clone());
    let registered = app
        .graphql_as(
            &pair.a.access_token,
            "mutation($input: PowderInput!) { registerPowder(input: $input) { id } }",
            json!({ "input": a_powder }),
        )
        .await;
    assert!(registered["errors"].is_null(), "{registered}");
    let a_settings = app
        .graphql_as(
            &pair.a.access_token,
            "mutation($from: String!) { saveEmailSettings(input: { host: \"smtp.atelier-a.fr\", port: 465,
               security: TLS, fromAddress: $from }) { host } }",
            json!({ "from": pair.a_member.email }),
        )
        .await;
    assert_eq!(
        a_settings["data"]["saveEmailSettings"]["host"], "smtp.atelier-a.fr",
        "{a_settings}"
    );
    // A lets its operators take cheques only; B's rules stay the defaults.
    let a_rules = app
        .graphql_as(
            &pair.a.access_token,
            "mutation { setPaymentMethods(role: OPERATOR, methods: [CHEQUE]) { role } }",
            json!({}),
        )
        .await;
    assert!(a_rules["errors"].is_null(), "{a_rules}");
    probes.extend([
        Probe {
            query: "{ paymentMethodRules { role methods } }",
            variables: json!({}),
            targets_a: false,
        },
        Probe {
            query: "{ paymentsToReview(first: 100) { id recordedBy } }",
            variables: json!({}),
            targets_a: false,
        },
    ]);
    pair.assert_isolated(&app, &probes).await;
    let b_rules = app
        .graphql_as(
            &pair.b.access_token,
            "{ paymentMethodRules { role methods } }",
            json!({}),
        )
        .await;
    assert_eq!(
        b_rules["data"]["paymentMethodRules"][2],
        json!({ "role": "OPERATOR", "methods": ["CARD", "CASH"] }),
        "{b_rules}"
    );
    let b_deliveries = app
        .graphql_as(
            &pair.b.access_token,
            "{ emailDeliveries { edges { node { recipient } } } }",
            json!({}),
        )
        .await;
    assert!(
        !b_deliveries.to_string().contains("invite-a@atelier-a.fr"),
        "{b_deliveries}"
    );
    let b_invitations = app
        .graphql_as(
            &pair.b.access_token,
            "{ invitations { edges { node { id email } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        b_invitations["data"]["invitations"]["edges"],
        json!([]),
        "{b_invitations}"
    );
    // And A's invitation is still pending.
    let status: String = sqlx::query_scalar("select status from invitation")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    // And A's member is untouched.
    let role: String = sqlx::query_scalar("select role from member where account_id = $1")
        .bind(pair.a_member.account_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(role, "operator");
    // A's member asking to enter B is told B does not exist for them, not that it is forbidden.
    let login = app
        .login(&pair.a_member.email, Some(pair.b.workspace_id))
        .await;
    assert_eq!(tests::error_code(&login), Some("NOT_FOUND"), "{login}");
    app.stop().await;
}

#[tokio::test]
async fn row_level_security_hides_other_tenants_and_everything_without_a_tenant() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    workspace_command(&commands, a, register("Atelier A")).await;
    workspace_command(&commands, b, register("Atelier B")).await;
    // Each with a member who sent an invitation, so every table below has rows of both.
    for workspace_id in [a, b] {
        let owner = Uuid::new_v4();
        for command in [
            WorkspaceCommand::AddMember {
                account_id: owner,
                role: Role::Owner,
            },
            WorkspaceCommand::Invite {
                invitation_id: Uuid::new_v4(),
                role: Role::Operator,
                by: owner,
            },
        ] {
            workspace_command(&commands, workspace_id, command).await;
        }
        commands
            .payment_policy
            .execute(
                &commands::CommandMeta::system(workspace_id, "test-rls"),
                domain::invoice::payment_policy::AGGREGATE_LOCAL_ID,
                domain::invoice::payment_policy::PaymentPolicyCommand::SetMethods {
                    role: Role::Operator,
                    methods: Default::default(),
                },
            )
            .await
            .unwrap();
    }
    for projection in projections::all() {
        engine::catch_up(&db.pool, &*projection, &Subscriptions::default(), 100)
            .await
            .unwrap();
    }

    // As the request role, which owns nothing: the superuser `postgres` bypasses row-level
    // security and would prove nothing (ADR 0013; escapes in `database_roles.rs`).
    let request = db.pool_as(tenant::REQUEST_ROLE).await;
    let mut as_a = tenant::begin(&request, a).await.unwrap();
    assert_eq!(
        workspace::find(&mut *as_a, a).await.unwrap().unwrap().name,
        "Atelier A"
    );
    assert_eq!(
        workspace::find(&mut *as_a, b).await.unwrap(),
        None,
        "B is invisible to A"
    );
    // Even queries that forget their filter see only A's rows.
    for table in ["workspace", "member", "invitation", "payment_policy"] {
        let workspaces: Vec<Uuid> =
            sqlx::query_scalar(&format!("select distinct workspace_id from {table}"))
                .fetch_all(&mut *as_a)
                .await
                .unwrap();
        assert_eq!(workspaces, vec![a], "{table}");
    }
    // The tenant role cannot write read models.
    let error = sqlx::query("delete from workspace")
        .execute(&mut *as_a)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("permission denied"), "{error}");
    drop(as_a);

    // Without the workspace setting, the tenant role sees nothing at all.
    let mut unset = request.begin().await.unwrap();
    sqlx::query("set local role thermogestion_tenant")
        .execute(&mut *unset)
        .await
        .unwrap();
    for table in ["workspace", "member", "invitation", "payment_policy"] {
        let count: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&mut *unset)
            .await
            .unwrap();
        assert_eq!(count, 0, "{table}");
    }
}
