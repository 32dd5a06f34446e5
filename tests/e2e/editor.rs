//! The editor's back office (issue 21, ADR 0014): the catalogue changed with notice and
//! its history, bad figures refused with nothing written, and the doors between the back
//! office and the workshops closed both ways.

use serde_json::{json, Value};
use tests::{error_code, spawn_app};

const CHANGE_PRICE: &str =
    "mutation($item: PricedInput!, $prices: PricesInput!, $from: NaiveDate) {
    changePrice(item: $item, prices: $prices, appliesFrom: $from) {
      day prices { key monthlyHt yearlyHt appliesFrom announced } } }";

const HISTORY: &str =
    "{ catalogueHistory { kind label before after editorId changedAt appliesFrom } }";

/// Announces `prices` for `plan` (`applies_from` when given) and checks it was taken.
async fn announce(
    app: &tests::TestApp,
    token: &str,
    plan: &str,
    prices: Value,
    from: Option<&str>,
) {
    let announced = app
        .editor_graphql(
            token,
            CHANGE_PRICE,
            json!({ "item": { "plan": plan }, "prices": prices, "from": from }),
        )
        .await;
    assert!(announced["errors"].is_null(), "{announced}");
}

fn reason(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["reason"].as_str()
}

async fn platform_events(app: &tests::TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events where aggregate_type = 'plan_catalogue'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_editor_announces_a_price_and_the_history_says_who_when_and_what() {
    let app = spawn_app().await;
    let editor = app.editor().await;
    let changed = app
        .editor_graphql(
            &editor.access_token,
            CHANGE_PRICE,
            json!({ "item": { "plan": "PRO" }, "prices": { "monthlyHt": "109", "yearlyHt": "1090" } }),
        )
        .await;
    let prices = changed["data"]["changePrice"]["prices"]
        .as_array()
        .unwrap_or_else(|| panic!("{changed}"));
    let pro: Vec<&Value> = prices
        .iter()
        .filter(|price| price["key"] == "plan:pro")
        .collect();
    // Today's price stays; the new one is announced for 30 days on at least.
    assert_eq!(pro.len(), 2, "{changed}");
    assert_eq!(pro[0]["monthlyHt"], "99.00");
    assert_eq!(pro[0]["announced"], false);
    assert_eq!(pro[1]["monthlyHt"], "109.00");
    assert_eq!(pro[1]["announced"], true);
    let day = chrono::NaiveDate::parse_from_str(
        changed["data"]["changePrice"]["day"].as_str().unwrap(),
        "%Y-%m-%d",
    )
    .unwrap();
    let from =
        chrono::NaiveDate::parse_from_str(pro[1]["appliesFrom"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    assert!((from - day).num_days() >= 30, "{day} → {from}");

    let history = app
        .editor_graphql(&editor.access_token, HISTORY, json!({}))
        .await;
    let change = &history["data"]["catalogueHistory"][0];
    assert_eq!(change["kind"], "price", "{history}");
    assert_eq!(change["label"], "prix : formule Pro");
    assert_eq!(change["before"]["monthly_ht"], "99");
    assert_eq!(change["after"]["monthly_ht"], "109");
    assert_eq!(change["editorId"], editor.account_id.to_string());
    app.stop().await;
}

#[tokio::test]
async fn absurd_figures_and_short_notice_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let editor = app.editor().await;
    let before = platform_events(&app).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .to_string();
    for (prices, from, code, label) in [
        (
            json!({ "monthlyHt": "-5", "yearlyHt": "0" }),
            None,
            "MONTHLY_PRICE_OUT_OF_RANGE",
            Some("prix mensuel HT"),
        ),
        (
            json!({ "monthlyHt": "99", "yearlyHt": "1000000" }),
            None,
            "YEARLY_PRICE_OUT_OF_RANGE",
            Some("prix annuel HT"),
        ),
        (
            json!({ "monthlyHt": "99", "yearlyHt": "1200" }),
            None,
            "YEARLY_PRICE_ABOVE_TWELVE_MONTHS",
            None,
        ),
        (
            json!({ "monthlyHt": "99.999", "yearlyHt": "990" }),
            None,
            "PRICE_BELOW_CENT",
            None,
        ),
        (
            json!({ "monthlyHt": "109", "yearlyHt": "1090" }),
            Some(tomorrow.clone()),
            "PRICE_CHANGE_NOTICE_TOO_SHORT",
            None,
        ),
    ] {
        let refused = app
            .editor_graphql(
                &editor.access_token,
                CHANGE_PRICE,
                json!({ "item": { "addOn": "JANTES" }, "prices": prices, "from": from }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
        assert_eq!(reason(&refused), Some(code), "{refused}");
        if let Some(label) = label {
            let message = refused["errors"][0]["message"].as_str().unwrap();
            assert!(message.starts_with(label), "{message}");
        }
        assert!(refused["data"].is_null(), "{refused}");
    }
    for (mutation, code) in [
        (
            "mutation { setTrialLength(days: 0) { trialDays } }",
            "TRIAL_DAYS_OUT_OF_RANGE",
        ),
        (
            "mutation { setTrialLength(days: -3) { trialDays } }",
            "TRIAL_DAYS_OUT_OF_RANGE",
        ),
        (
            "mutation { setFeatureRollout(feature: JANTES, percent: 150) { day } }",
            "ROLLOUT_PERCENT_OUT_OF_RANGE",
        ),
    ] {
        let refused = app
            .editor_graphql(&editor.access_token, mutation, json!({}))
            .await;
        assert_eq!(reason(&refused), Some(code), "{refused}");
    }
    let unknown = app
        .editor_graphql(
            &editor.access_token,
            "mutation { moveFeature(feature: TELEPORTATION, to: PRO) { day } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("VALIDATION"), "{unknown}");
    assert_eq!(platform_events(&app).await, before, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn members_stay_out_of_the_back_office_and_editors_out_of_workshops() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let catalogue = app
        .editor_graphql(
            &owner.access_token,
            "{ catalogue { trialDays } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&catalogue), Some("FORBIDDEN"), "{catalogue}");
    assert!(catalogue["data"].is_null());

    // A member cannot be made an editor, nor an editor a member.
    let refused = commands::editor::add(&app.db.pool, "gerant@atelier.fr")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "EDITOR_IS_A_MEMBER");
    let editor = app.editor().await;
    let clients = app
        .graphql_as(
            &editor.access_token,
            "{ clients { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&clients), Some("FORBIDDEN"), "{clients}");

    // Without the second factor, the back office stays closed.
    let fresh = "nouvel-editeur@thermogestion.fr";
    let added = commands::editor::add(&app.db.pool, fresh).await.unwrap();
    let password = added.password.expect("a new account gets a password");
    let login = app
        .graphql(
            tests::LOGIN,
            json!({ "input": { "email": fresh, "password": password } }),
        )
        .await;
    let token = login["data"]["login"]["session"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"));
    let closed = app
        .editor_graphql(token, "{ catalogue { trialDays } }", json!({}))
        .await;
    assert_eq!(
        reason(&closed),
        Some("TWO_FACTOR_ENROLMENT_REQUIRED"),
        "{closed}"
    );
    app.stop().await;
}

const WORKSPACES: &str = "query($search: String, $standing: WorkspaceStanding) {
    workspaces(search: $search, standing: $standing) {
      edges { node { id name standing standingLabel trialEndsAt lastActivityAt events } } } }";

fn listed(response: &Value) -> Vec<String> {
    response["data"]["workspaces"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|edge| edge["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_editor_lists_workshops_from_the_log_and_sees_none_of_their_business() {
    let app = spawn_app().await;
    let a = app.sign_up("Thermolaquage Alpha", "a@alpha.fr").await;
    let b = app.sign_up("Poudrage Beta", "b@beta.fr").await;
    crate::clients::create(
        &app,
        &a.access_token,
        crate::clients::private("Zéphyrin", "Secretnom", "zephyrin@client.fr"),
    )
    .await;
    let editor = app.editor().await;
    // What a mutation of a workshop wrote reaches the editor's list once projected.
    let list = tests::eventually("both workshops listed", || async {
        let list = app
            .editor_graphql(&editor.access_token, WORKSPACES, json!({}))
            .await;
        (listed(&list).len() == 2).then_some(list)
    })
    .await;
    assert_eq!(listed(&list), ["Poudrage Beta", "Thermolaquage Alpha"]);
    let alpha = &list["data"]["workspaces"]["edges"][1]["node"];
    assert_eq!(alpha["id"], a.workspace_id.to_string());
    assert_eq!(alpha["standing"], "TRIAL");
    assert_eq!(alpha["standingLabel"], "en essai");
    let searched = app
        .editor_graphql(
            &editor.access_token,
            WORKSPACES,
            json!({ "search": "ALPHA" }),
        )
        .await;
    assert_eq!(listed(&searched), ["Thermolaquage Alpha"]);
    let wildcard = app
        .editor_graphql(&editor.access_token, WORKSPACES, json!({ "search": "%" }))
        .await;
    assert_eq!(
        listed(&wildcard),
        Vec::<String>::new(),
        "a % is a character, not a wildcard"
    );

    app.state
        .limits
        .clock()
        .advance(std::time::Duration::from_secs(31 * 24 * 3600));
    let ended = app
        .editor_graphql(
            &editor.access_token,
            WORKSPACES,
            json!({ "standing": "TRIAL_ENDED" }),
        )
        .await;
    assert_eq!(listed(&ended).len(), 2, "{ended}");
    assert_eq!(
        ended["data"]["workspaces"]["edges"][0]["node"]["standingLabel"],
        "essai terminé (lecture seule)"
    );

    // Its rows hold no end customer's data, and no workshop reads them.
    let rows: Vec<String> =
        sqlx::query_scalar("select row_to_json(w)::text from platform_workspace w")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert!(
            !row.contains("Secretnom") && !row.contains("zephyrin"),
            "{row}"
        );
        assert!(!row.contains("a@alpha.fr"), "{row}");
    }
    let request = app.db.pool_as(projections::tenant::REQUEST_ROLE).await;
    for workspace in [a.workspace_id, b.workspace_id] {
        let mut tx = projections::tenant::begin(&request, workspace)
            .await
            .unwrap();
        let seen: i64 = sqlx::query_scalar("select count(*) from platform_workspace")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, 0, "a workshop reads the editor's list");
    }
    app.stop().await;
}

async fn plan_change_emails(app: &tests::TestApp) -> Vec<(uuid::Uuid, String, String)> {
    sqlx::query_as(
        "select workspace_id, recipient, body_text from email_outbox where kind = 'plan_change'
         order by recipient",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_price_change_notifies_each_workshop_it_concerns_once_and_in_advance() {
    let app = spawn_app().await;
    let a = app.sign_up("Atelier A", "a@atelier.fr").await;
    let b = app.sign_up("Atelier B", "b@atelier.fr").await;
    let editor = app.editor().await;
    // Lite concerns its subscribers, none yet: nobody is written to.
    let lite = json!({ "monthlyHt": "59", "yearlyHt": "590" });
    announce(&app, &editor.access_token, "LITE", lite, None).await;
    // Pro is the plan both workshops are trying.
    let pro = json!({ "monthlyHt": "109", "yearlyHt": "1090" });
    announce(&app, &editor.access_token, "PRO", pro, Some("2027-03-01")).await;
    // The reactor reads the log in order: once Pro's notices are queued, Lite's change was
    // read before them, and queued none.
    let emails = tests::eventually("one notice per workshop trying Pro", || async {
        let emails = plan_change_emails(&app).await;
        (emails.len() == 2).then_some(emails)
    })
    .await;
    assert_eq!(
        emails
            .iter()
            .map(|(workspace, recipient, _)| (*workspace, recipient.as_str()))
            .collect::<Vec<_>>(),
        [
            (a.workspace_id, "a@atelier.fr"),
            (b.workspace_id, "b@atelier.fr")
        ]
    );
    for (_, _, body) in &emails {
        assert!(
            body.contains(
                "formule Pro : 99 € HT par mois et 990 € HT par an deviennent 109 € et 1"
            ),
            "{body}"
        );
        assert!(body.contains("01/03/2027"), "{body}");
        assert!(!body.contains('{'), "a variable left unrendered: {body}");
    }
    let sent = app.mail.wait_for_to("a@atelier.fr", "01/03/2027").await;
    assert!(sent
        .header("subject")
        .unwrap_or_default()
        .contains("abonnement"));
    app.stop().await;
}

#[tokio::test]
async fn the_editor_words_the_notice_and_no_workshop_can() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier A", "a@atelier.fr").await;
    let editor = app.editor().await;
    let saved = app
        .editor_graphql(
            &editor.access_token,
            "mutation($subject: String!, $mjml: String!) { saveNoticeTemplate(subject: $subject, mjml: $mjml) { subject isDefault } }",
            json!({
                "subject": "Nos prix au {date}",
                "mjml": "<mjml><mj-body><mj-section><mj-column><mj-text>Chers amis de {nom_atelier} : {liste}, dès le {date}.</mj-text></mj-column></mj-section></mj-body></mjml>",
            }),
        )
        .await;
    assert_eq!(
        saved["data"]["saveNoticeTemplate"]["isDefault"], false,
        "{saved}"
    );
    let pro = json!({ "monthlyHt": "109", "yearlyHt": "1090" });
    announce(&app, &editor.access_token, "PRO", pro, Some("2027-03-01")).await;
    let emails = tests::eventually("the notice queued", || async {
        let emails = plan_change_emails(&app).await;
        (!emails.is_empty()).then_some(emails)
    })
    .await;
    assert!(
        emails[0]
            .2
            .contains("Chers amis de Atelier A : formule Pro"),
        "{}",
        emails[0].2
    );

    // A workshop neither lists nor words it.
    let refused = app
        .graphql_as(
            &owner.access_token,
            "mutation { saveEmailTemplate(kind: \"plan_change\", subject: \"x\", mjml: \"<mjml><mj-body></mj-body></mjml>\") { kind } }",
            json!({}),
        )
        .await;
    assert_eq!(reason(&refused), Some("TEMPLATE_KIND_UNKNOWN"), "{refused}");
    let listed = app
        .graphql_as(
            &owner.access_token,
            "{ emailTemplates { kind } }",
            json!({}),
        )
        .await;
    assert!(!listed.to_string().contains("plan_change"), "{listed}");
    let reset = app
        .editor_graphql(
            &editor.access_token,
            "mutation { resetNoticeTemplate { isDefault } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reset["data"]["resetNoticeTemplate"]["isDefault"], true,
        "{reset}"
    );
    app.stop().await;
}
