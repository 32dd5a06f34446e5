//! Email templates per workshop, and the delivery log.

use serde_json::json;
use tests::{error_code, spawn_app};

const TEMPLATES: &str = "{ emailTemplates { kind subject isDefault updatedAt } }";
const SAVE: &str = "mutation($kind: String!, $subject: String!, $mjml: String!) {
    saveEmailTemplate(kind: $kind, subject: $subject, mjml: $mjml) { kind subject isDefault } }";
const PREVIEW: &str = "mutation($kind: String!, $subject: String, $mjml: String) {
    previewEmailTemplate(kind: $kind, subject: $subject, mjml: $mjml) { subject html text } }";
const DELIVERIES: &str =
    "query($status: EmailStatus) { emailDeliveries(status: $status, first: 20) {
    edges { node { recipient kind status attempts lastError messageId } } } }";

fn mjml(text: &str) -> String {
    format!("<mjml><mj-body><mj-section><mj-column><mj-text>{text}</mj-text></mj-column></mj-section></mj-body></mjml>")
}

#[tokio::test]
async fn a_workshop_edits_previews_and_resets_its_templates() {
    let app = spawn_app().await;
    let owner = app
        .sign_up("Thermolaquage Martin", "gerant@martin.fr")
        .await;
    let listed = app
        .graphql_as(&owner.access_token, TEMPLATES, json!({}))
        .await;
    let templates = listed["data"]["emailTemplates"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(templates.len(), 15);
    assert!(templates
        .iter()
        .all(|template| template["isDefault"] == true));

    let saved = app
        .graphql_as(
            &owner.access_token,
            SAVE,
            json!({ "kind": "ready_for_pickup", "subject": "C'est prêt, {nom_client} !",
                    "mjml": mjml("Vos pièces du projet {numero_projet} sont prêtes chez {nom_atelier}.") }),
        )
        .await;
    assert_eq!(
        saved["data"]["saveEmailTemplate"]["isDefault"], false,
        "{saved}"
    );
    let listed = app
        .graphql_as(&owner.access_token, TEMPLATES, json!({}))
        .await;
    let ready = listed["data"]["emailTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|template| template["kind"] == "ready_for_pickup")
        .unwrap()
        .clone();
    assert_eq!(ready["subject"], "C'est prêt, {nom_client} !");
    assert!(ready["updatedAt"].is_string());

    let preview = app
        .graphql_as(
            &owner.access_token,
            PREVIEW,
            json!({ "kind": "ready_for_pickup" }),
        )
        .await;
    let rendered = &preview["data"]["previewEmailTemplate"];
    assert_eq!(
        rendered["subject"], "C'est prêt, Jean Dupont !",
        "{preview}"
    );
    assert!(rendered["html"]
        .as_str()
        .unwrap()
        .contains("Thermolaquage Martin"));
    assert!(rendered["text"]
        .as_str()
        .unwrap()
        .contains("projet P-2026-0017 sont prêtes chez Thermolaquage Martin"));
    // A draft is previewed without being saved.
    let draft = app
        .graphql_as(
            &owner.access_token,
            PREVIEW,
            json!({ "kind": "invoice", "subject": "Brouillon {numero_facture}", "mjml": mjml("Montant : {montant}") }),
        )
        .await;
    assert_eq!(
        draft["data"]["previewEmailTemplate"]["subject"], "Brouillon F-2026-0108",
        "{draft}"
    );

    let reset = app
        .graphql_as(
            &owner.access_token,
            "mutation { resetEmailTemplate(kind: \"ready_for_pickup\") { isDefault subject } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reset["data"]["resetEmailTemplate"]["isDefault"], true,
        "{reset}"
    );
    let types: Vec<String> = sqlx::query_scalar(
        "select event_type from events where aggregate_type = 'email_templates' order by global_position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        types,
        ["EmailTemplateSaved", "EmailTemplateReset"],
        "the audit log keeps both"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_templates_are_refused_with_the_reason_and_write_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let events = app.db.event_count().await;
    for (kind, subject, body, reason, french) in [
        (
            "devis_inconnu",
            "Objet",
            mjml("x"),
            "TEMPLATE_KIND_UNKNOWN",
            "modèle inconnu",
        ),
        (
            "invoice",
            "Facture {numero}",
            mjml("x"),
            "TEMPLATE_UNKNOWN_VARIABLE",
            "{numero}",
        ),
        (
            "invoice",
            "Facture",
            "<mjml><mj-body><mj-section>".to_owned(),
            "TEMPLATE_INVALID_MJML",
            "MJML invalide",
        ),
        (
            "invoice",
            "  ",
            mjml("x"),
            "TEMPLATE_SUBJECT_EMPTY",
            "objet",
        ),
    ] {
        let response = app
            .graphql_as(
                &owner.access_token,
                SAVE,
                json!({ "kind": kind, "subject": subject, "mjml": body }),
            )
            .await;
        assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
        assert_eq!(response["errors"][0]["extensions"]["reason"], reason);
        assert!(
            response["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(french),
            "{response}"
        );
    }
    assert_eq!(app.db.event_count().await, events);
    app.stop().await;
}

#[tokio::test]
async fn the_delivery_log_shows_what_left_and_what_failed() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    for email in ["paul@atelier.fr", "refus@atelier.fr"] {
        app.graphql_as(
            &owner.access_token,
            "mutation($email: String!) { inviteMember(email: $email, role: OPERATOR) }",
            json!({ "email": email }),
        )
        .await;
    }
    let failed = tests::eventually("a failed delivery in the log", || async {
        let failed = app
            .graphql_as(
                &owner.access_token,
                DELIVERIES,
                json!({ "status": "FAILED" }),
            )
            .await;
        failed["data"]["emailDeliveries"]["edges"]
            .as_array()
            .is_some_and(|edges| !edges.is_empty())
            .then_some(failed)
    })
    .await;
    let failure = &failed["data"]["emailDeliveries"]["edges"][0]["node"];
    assert_eq!(failure["recipient"], "refus@atelier.fr", "{failed}");
    assert!(failure["lastError"].as_str().unwrap().contains("550"));
    app.mail.wait_for(2).await;
    let all = app
        .graphql_as(&owner.access_token, DELIVERIES, json!({}))
        .await;
    let kinds: Vec<&str> = all["data"]["emailDeliveries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["kind"].as_str().unwrap())
        .collect();
    // The trial reminders scheduled at sign-up wait for their day; the address verification
    // is the platform's, not the workshop's.
    assert_eq!(
        kinds,
        [
            "invitation",
            "invitation",
            "trial_day25",
            "trial_day15",
            "trial_day7"
        ],
        "{all}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_trial_schedules_its_three_reminders_once() {
    let app = spawn_app().await;
    app.sign_up("Thermolaquage Martin", "gerant@martin.fr")
        .await;
    let rows = tests::eventually("the three trial reminders queued", || async {
        let rows: Vec<(String, String, String, f64)> = sqlx::query_as(
            "select kind, recipient, subject,
                    extract(epoch from next_attempt_at - created_at)::float8 / 86400
             from email_outbox where kind like 'trial_%' order by next_attempt_at",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        (rows.len() == 3).then_some(rows)
    })
    .await;
    let kinds: Vec<&str> = rows.iter().map(|row| row.0.as_str()).collect();
    assert_eq!(kinds, ["trial_day7", "trial_day15", "trial_day25"]);
    for ((_, recipient, _, days), expected) in rows.iter().zip([7.0, 15.0, 25.0]) {
        assert_eq!(recipient, "gerant@martin.fr");
        assert!((days - expected).abs() < 0.01, "{days} days");
    }
    assert!(rows[2].2.contains("se termine"), "{}", rows[2].2);
    // Its day comes: the mailer sends it, with the workshop's name and the days left.
    sqlx::query("update email_outbox set next_attempt_at = now() where kind = 'trial_day25'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // The J+25 reminder.
    let sent = app.mail.wait_for_to("gerant@martin.fr", "5 jours").await;
    assert!(
        sent.body().contains("Thermolaquage Martin"),
        "{}",
        sent.body()
    );
    app.stop().await;
}
