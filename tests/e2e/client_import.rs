//! Client CSV import and export: files as French users produce them, a preview per line,
//! an atomic and once-only confirmation, an export that re-imports unchanged.

use base64::Engine;
use serde_json::{json, Value};
use tests::{error_code, node_strings, spawn_app, TestApp};

use crate::clients::{client_events, create, private};

const PREVIEW: &str = "mutation($file: String!) { previewClientImport(fileBase64: $file) {
    fileSha256 encoding delimiter total ok invalid duplicates alreadyImported issuesTruncated
    columns { header field }
    issues { line status displayName reason message matches { clientId line criterion label } } } }";
const CONFIRM: &str = "mutation($file: String!, $choices: [ImportLineChoice!], $duplicates: ImportChoice, $skip: Boolean, $invite: Boolean) {
    confirmClientImport(fileBase64: $file, choices: $choices, duplicates: $duplicates, skipInvalidLines: $skip, invite: $invite) {
      lines created updated skipped invalid invited alreadyImported } }";

fn encoded(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A Windows-1252 Excel export: 3 new clients, a bad phone (line 4), a client the workshop
/// has (line 6, same email), the same person as line 2 again (line 7).
fn excel_file() -> Vec<u8> {
    let text = "Société;Nom;Prénom;Téléphone;E-mail;Adresse;Code postal;Ville;Etiquettes;Colonne perso\r\n\
                Carrosserie Lemaire;Lemaire;Hugo;02 41 00 00 00;hugo@lemaire.fr;3 rue Haute;49100;Angers;pro|jantes;x\r\n\
                ;Fontaine;Amélie;06 11 22 33 44;amelie@exemple.fr;;;;;\r\n\
                ;Girard;Noé;06 12;noe@exemple.fr;;;;;\r\n\
                ;Rousseau;Chloé;07 81 23 45 67;chloe@exemple.fr;\"8 allée des Tilleuls\nBâtiment B\";44000;Nantes;;\r\n\
                ;Bernard;Paul;06 99 88 77 66;paul@exemple.fr;;;;;\r\n\
                Carrosserie Lemaire SARL;LEMAIRE;hugo;;compta@lemaire.fr;;;;;\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

async fn preview(app: &TestApp, token: &str, bytes: &[u8]) -> Value {
    let response = app
        .graphql_as(token, PREVIEW, json!({ "file": encoded(bytes) }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["previewClientImport"].clone()
}

#[tokio::test]
async fn an_excel_file_is_previewed_line_by_line_then_imported_once() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let paul = create(&app, token, private("Paul", "Bernard", "paul@exemple.fr")).await;
    let file = excel_file();

    let events = client_events(&app).await;
    let seen = preview(&app, token, &file).await;
    assert_eq!(
        client_events(&app).await,
        events,
        "a preview writes nothing"
    );
    assert_eq!(seen["encoding"], "windows-1252");
    assert_eq!(seen["delimiter"], ";");
    assert_eq!(
        (
            &seen["total"],
            &seen["ok"],
            &seen["invalid"],
            &seen["duplicates"]
        ),
        (&json!(6), &json!(3), &json!(1), &json!(2)),
        "{seen}"
    );
    assert_eq!(
        seen["columns"][9],
        json!({ "header": "Colonne perso", "field": null })
    );
    assert_eq!(
        seen["columns"][1],
        json!({ "header": "Nom", "field": "nom" })
    );
    let issues = seen["issues"].as_array().unwrap();
    assert_eq!(issues[0]["line"], 4);
    assert_eq!(issues[0]["status"], "INVALID");
    assert_eq!(issues[0]["reason"], "CLIENT_PHONE_INVALID");
    assert!(issues[0]["message"].as_str().unwrap().contains("06 12"));
    assert_eq!(
        issues[1]["line"], 7,
        "line numbers count the quoted line break"
    );
    assert_eq!(
        issues[1]["matches"],
        json!([
            { "clientId": paul, "line": null, "criterion": "EMAIL", "label": "même email" },
            { "clientId": paul, "line": null, "criterion": "NAME", "label": "même nom et prénom" },
        ])
    );
    assert_eq!(issues[2]["line"], 8);
    assert_eq!(
        issues[2]["matches"],
        json!([{ "clientId": null, "line": 2, "criterion": "NAME", "label": "même nom et prénom" }])
    );

    // With an invalid line, the file is refused unless told to leave it out.
    let refused = app
        .graphql_as(token, CONFIRM, json!({ "file": encoded(&file) }))
        .await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"],
        "IMPORT_LINES_INVALID"
    );
    assert!(refused["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains('4'));
    // Updating "another line" makes no sense: refused, nothing written.
    let nonsense = app
        .graphql_as(
            token,
            CONFIRM,
            json!({ "file": encoded(&file), "skip": true, "choices": [{ "line": 8, "choice": "UPDATE" }] }),
        )
        .await;
    assert_eq!(
        nonsense["errors"][0]["extensions"]["reason"], "IMPORT_CHOICE_INVALID",
        "{nonsense}"
    );
    assert_eq!(client_events(&app).await, events);

    let confirmed = app
        .graphql_as(
            token,
            CONFIRM,
            json!({
                "file": encoded(&file), "skip": true,
                "choices": [{ "line": 7, "choice": "UPDATE" }, { "line": 8, "choice": "CREATE" }],
            }),
        )
        .await;
    assert_eq!(
        confirmed["data"]["confirmClientImport"],
        json!({ "lines": 6, "created": 4, "updated": 1, "skipped": 0, "invalid": 1, "invited": 0, "alreadyImported": false }),
        "{confirmed}"
    );
    let events_after = client_events(&app).await;
    assert_eq!(
        events_after,
        events + 4 + 1 + 1,
        "four clients, one update, the record"
    );
    let one_commit: i64 = sqlx::query_scalar(
        "select count(*) from events where transaction_id =
           (select transaction_id from events where event_type = 'ClientImportConfirmed')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(one_commit, 6, "the whole import is one transaction");
    let sheet = app
        .graphql_as(
            token,
            "query($id: ID!) { client(id: $id) { phones } }",
            json!({ "id": paul }),
        )
        .await;
    assert_eq!(
        sheet["data"]["client"]["phones"],
        json!(["+33699887766"]),
        "completed"
    );
    let found = app
        .graphql_as(
            token,
            "{ clients(search: \"nantes\") { edges { node { displayName billingAddress { line1 } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["data"]["clients"]["edges"][0]["node"]["billingAddress"]["line1"],
        "8 allée des Tilleuls Bâtiment B",
        "{found}"
    );

    // The same file again: nothing more, and the preview says so.
    let again = app
        .graphql_as(
            token,
            CONFIRM,
            json!({ "file": encoded(&file), "skip": true, "duplicates": "CREATE" }),
        )
        .await;
    assert_eq!(
        again["data"]["confirmClientImport"]["alreadyImported"], true,
        "{again}"
    );
    assert_eq!(again["data"]["confirmClientImport"]["created"], 4);
    assert_eq!(client_events(&app).await, events_after);
    assert_eq!(preview(&app, token, &file).await["alreadyImported"], true);
    app.stop().await;
}

#[tokio::test]
async fn files_that_cannot_be_imported_say_why_and_write_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let events = client_events(&app).await;
    for (file, reason) in [
        (json!("pas du base64 !"), "IMPORT_FILE_NOT_BASE64"),
        (
            json!(encoded(b"ville;email\nAngers;a@b.fr\n")),
            "IMPORT_COLUMNS_MISSING",
        ),
        (
            json!(encoded(b"PK\x03\x04\x14\x00\x06\x00")),
            "IMPORT_ENCODING_UNKNOWN",
        ),
        (
            json!(encoded(b"nom;notes\nMartin;\"jamais ferme\nDurand;ok\n")),
            "IMPORT_CSV_MALFORMED",
        ),
        (json!(encoded(b"")), "IMPORT_FILE_EMPTY"),
        // Just past the file limit, within what a signed-in request may carry.
        (
            json!("A".repeat(commands::client_import::MAX_FILE_BYTES / 3 * 4 + 8)),
            "IMPORT_FILE_TOO_LARGE",
        ),
    ] {
        for query in [PREVIEW, CONFIRM] {
            let refused = app.graphql_as(token, query, json!({ "file": file })).await;
            assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
            assert_eq!(
                refused["errors"][0]["extensions"]["reason"], reason,
                "{refused}"
            );
        }
    }
    let malformed = app
        .graphql_as(
            token,
            PREVIEW,
            json!({ "file": encoded(b"nom;notes\nMartin;\"jamais ferme\nDurand;ok\n") }),
        )
        .await;
    assert!(malformed["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("ligne 2"));
    let forbidden = app
        .graphql_as(
            &operator.access_token,
            CONFIRM,
            json!({ "file": encoded(b"nom\nMartin\n") }),
        )
        .await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"));
    assert_eq!(client_events(&app).await, events);
    app.stop().await;
}

async fn export(app: &TestApp, token: &str) -> Vec<u8> {
    let response = app
        .client
        .get(format!("{}/api/v1/clients.csv", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_export_reimports_unchanged_and_stays_in_its_workshop() {
    let app = spawn_app().await;
    let both = app.two_workspaces().await;
    let a = &both.a.access_token;
    create(&app, a, crate::clients::garage()).await;
    let mut foreign = private("Anna", "Schmidt", "anna@beispiel.de");
    foreign["phones"] = json!(["+49 30 901820"]);
    foreign["notes"] = json!("=SOMME(A1) n'est pas une formule ; « guillemets »");
    create(&app, a, foreign).await;
    let exported = export(&app, a).await;
    assert!(exported.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Excel");
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(text.contains("06 12 34 56 78"), "{text}");
    assert!(
        text.contains("'=SOMME"),
        "formula cells are neutralised: {text}"
    );

    // Into another workshop: the same clients, field for field.
    let b = &both.b.access_token;
    let imported = app
        .graphql_as(b, CONFIRM, json!({ "file": encoded(&exported) }))
        .await;
    assert_eq!(
        imported["data"]["confirmClientImport"]["created"], 2,
        "{imported}"
    );
    let reexported = export(&app, b).await;
    assert_eq!(String::from_utf8(reexported).unwrap(), text, "round trip");
    let sheet = app
        .graphql_as(
            b,
            "{ clients(search: \"schmidt\") { edges { node { phones notes } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        sheet["data"]["clients"]["edges"][0]["node"],
        json!({ "phones": ["+4930901820"], "notes": "=SOMME(A1) n'est pas une formule ; « guillemets »" })
    );

    // Back into A: everyone is already there, nothing changes.
    let events = client_events(&app).await;
    let again = app
        .graphql_as(
            a,
            CONFIRM,
            json!({ "file": encoded(&[exported.as_slice(), b"\n"].concat()) }),
        )
        .await;
    assert_eq!(
        again["data"]["confirmClientImport"]["skipped"], 2,
        "{again}"
    );
    assert_eq!(again["data"]["confirmClientImport"]["created"], 0);
    assert_eq!(
        client_events(&app).await,
        events + 1,
        "only the import's record"
    );

    // Each workshop's export holds its own clients only; an operator of A may export.
    let only_b = String::from_utf8(export(&app, b).await).unwrap();
    assert_eq!(only_b.lines().count(), 3);
    let operator_export = export(&app, &both.a_member.access_token).await;
    assert_eq!(String::from_utf8(operator_export).unwrap(), text);
    let found = app
        .graphql_as(b, "{ clients { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(node_strings(&found, "clients", "id").len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn imported_clients_can_be_invited_to_their_portal() {
    let app = spawn_app().await;
    let owner = app.sign_up("Thermolaquage du Val", "gerant@val.fr").await;
    let token = &owner.access_token;
    let file = b"nom;prenom;email\nFontaine;Am\xc3\xa9lie;amelie@exemple.fr\nSansmail;Jean;\n";
    let confirmed = app
        .graphql_as(
            token,
            CONFIRM,
            json!({ "file": encoded(file), "invite": true }),
        )
        .await;
    assert_eq!(
        confirmed["data"]["confirmClientImport"]["invited"], 1,
        "{confirmed}"
    );
    let mail = app
        .mail
        .wait_for_count_to("amelie@exemple.fr", 1)
        .await
        .remove(0);
    let body = mail.body();
    assert!(body.contains("nouveau syst"), "{body}");
    let token_in_link = mail.token().expect("an account-creation link");
    let status = app
        .graphql_as(
            token,
            "{ clients(search: \"fontaine\") { edges { node { portalStatus } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        status["data"]["clients"]["edges"][0]["node"]["portalStatus"],
        "invited"
    );
    // The link creates the client's account, in this workshop, with the client role.
    let accepted = app
        .graphql(
            "mutation($token: String!) { acceptInvitation(token: $token, password: \"Portail-Client-2026!\") { role workspaceId } }",
            json!({ "token": token_in_link }),
        )
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"],
        json!({ "role": "CLIENT", "workspaceId": owner.workspace_id.to_string() }),
        "{accepted}"
    );
    let status = app
        .graphql_as(
            token,
            "{ clients(search: \"fontaine\") { edges { node { portalStatus } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        status["data"]["clients"]["edges"][0]["node"]["portalStatus"], "active",
        "invited, then accepted: {status}"
    );
    app.stop().await;
}
