//! Sending and signing quotes: the exact PDF sent is frozen, emailed and signed; the signed
//! copy carries the image and its time stamp; the journal says who signed, when, from where;
//! reminders stop once signed. Each workshop and each client sees only its own.

use base64::Engine;
use domain::digest::sha256_hex;
use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::quotes::{new_quote, pdf, pdf_text, shop, workshop_quote, Shop, CREATE};

pub(crate) const SEND: &str =
    "mutation($id: ID!) { sendQuote(id: $id) { status version sentPdfSha256 pdfUrl } }";
pub const SIGN: &str = "mutation($input: SignQuoteInput!) { signQuote(input: $input) {
    quoteId number version signer accountId signedAt ip userAgent termsAccepted pdfSha256 imageSha256 signedPdfUrl } }";
const JOURNAL: &str = "query($quoteId: ID) { quoteSignatures(quoteId: $quoteId) { edges { node {
    number version signer termsAccepted pdfSha256 ip userAgent } } } }";
/// The workshop's tablet, as its browser names itself.
const TABLET: &str =
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1";

/// A drawn signature as a canvas gives it: transparent PNG with a black stroke.
pub fn drawn_signature() -> String {
    let mut canvas = image::RgbaImage::new(300, 100);
    for x in 20..280 {
        let y = 50 + ((x as f32 / 20.0).sin() * 20.0) as u32;
        canvas.put_pixel(x, y, image::Rgba([0, 0, 0, 255]));
    }
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(canvas)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

pub async fn create_and_send(app: &TestApp, shop: &Shop) -> (String, String) {
    let id = new_quote(app, shop).await;
    let sent = app.graphql_as(&shop.token, SEND, json!({ "id": id })).await;
    let sha = sent["data"]["sendQuote"]["sentPdfSha256"]
        .as_str()
        .unwrap_or_else(|| panic!("{sent}"))
        .to_owned();
    (id, sha)
}

pub fn sign_input(id: &str, sha: &str, image: &str) -> Value {
    json!({ "input": { "quoteId": id, "version": 1, "pdfSha256": sha, "termsAccepted": true, "image": image } })
}

async fn events_and_images(app: &TestApp) -> (i64, i64) {
    let images = sqlx::query_scalar("select count(*) from signature_image")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    (app.db.event_count().await, images)
}

#[tokio::test]
async fn sending_freezes_the_exact_pdf_and_emails_it_with_an_invitation() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let id = new_quote(&app, &shop).await;
    // A draft is drawn live, byte for byte the same each time: it can be hashed.
    let first = pdf(&app, &shop.token, &id).await.bytes().await.unwrap();
    let second = pdf(&app, &shop.token, &id).await;
    let header = second.headers()["x-content-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    let second = second.bytes().await.unwrap();
    assert_eq!(first, second, "same quote, same bytes");
    assert_eq!(header, sha256_hex(&second));

    let sent = app.graphql_as(&shop.token, SEND, json!({ "id": id })).await;
    let sha = sent["data"]["sendQuote"]["sentPdfSha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(sent["data"]["sendQuote"]["status"], "SENT");
    let served = pdf(&app, &shop.token, &id).await.bytes().await.unwrap();
    assert_eq!(sha256_hex(&served), sha, "the sent PDF is the one served");

    // Paul has no portal yet: his quote comes with an invitation and the PDF attached.
    let mail = app
        .mail
        .wait_for_count_to("paul@exemple.fr", 1)
        .await
        .remove(0);
    assert!(
        mail.header("subject").unwrap().contains("DEV-"),
        "{:?}",
        mail.header("subject")
    );
    assert!(mail.token().is_some(), "an account-creation link");
    assert!(mail.data.contains("application/pdf"), "the PDF is attached");
    let attached: Vec<u8> = sqlx::query_scalar(
        "select a.content from email_attachment a join email_outbox e using (email_id)
         where e.recipient = 'paul@exemple.fr' and e.kind = 'quote_new_client'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        sha256_hex(&attached),
        sha,
        "the client receives the frozen PDF"
    );

    // Sending again sends nothing more and keeps the PDF.
    let again = app.graphql_as(&shop.token, SEND, json!({ "id": id })).await;
    assert_eq!(
        again["data"]["sendQuote"]["sentPdfSha256"],
        sha.as_str(),
        "{again}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_workshop_signs_for_the_client_with_a_scan_once_and_only_the_pdf_sent() {
    let app = spawn_app().await;
    let (owner, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let (id, sha) = create_and_send(&app, &shop).await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let before = events_and_images(&app).await;

    // Every bad signature is refused with its reason, and writes nothing.
    let not_an_image = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7 scan");
    let huge = "A".repeat(2 * 1024 * 1024);
    let cases = [
        (
            sign_input(&id, &sha, &not_an_image),
            "SIGNATURE_IMAGE_INVALID",
        ),
        (sign_input(&id, &sha, &huge), "SIGNATURE_IMAGE_TOO_LARGE"),
        (
            sign_input(&id, &"0".repeat(64), &drawn_signature()),
            "QUOTE_DOCUMENT_CHANGED",
        ),
        (
            sign_input(&id, "abc", &drawn_signature()),
            "SIGNATURE_INCOMPLETE",
        ),
        (
            json!({ "input": { "quoteId": id, "version": 2, "pdfSha256": sha, "termsAccepted": true, "image": drawn_signature() } }),
            "QUOTE_VERSION_CHANGED",
        ),
        (
            json!({ "input": { "quoteId": id, "version": 1, "pdfSha256": sha, "termsAccepted": false, "image": drawn_signature() } }),
            "TERMS_NOT_ACCEPTED",
        ),
    ];
    for (input, reason) in cases {
        let refused = app.graphql_as(&operator.access_token, SIGN, input).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"], reason,
            "{refused}"
        );
        assert!(refused["errors"][0]["message"].as_str().unwrap().len() > 10);
        assert_eq!(
            events_and_images(&app).await,
            before,
            "{reason}: nothing written"
        );
    }

    // The journal keeps the browser the signature came from, as it sent it.
    let bearer = format!("Bearer {}", operator.access_token);
    let signed = app
        .graphql_with_headers(
            SIGN,
            sign_input(&id, &sha.to_uppercase(), &drawn_signature()),
            &[("authorization", &bearer), ("user-agent", TABLET)],
        )
        .await;
    let entry = &signed["data"]["signQuote"];
    assert_eq!(entry["signer"], "STAFF_ON_BEHALF", "{signed}");
    assert_eq!(entry["accountId"], operator.account_id.to_string());
    assert_eq!(entry["pdfSha256"], sha.as_str());
    assert_eq!(entry["termsAccepted"], true);
    assert_eq!(entry["ip"], "127.0.0.1");
    assert_eq!(entry["userAgent"], TABLET, "{signed}");
    let status = app
        .graphql_as(
            &shop.token,
            "query($id: ID!) { quote(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(status["data"]["quote"]["status"], "ACCEPTED");
    let accepted: i64 =
        sqlx::query_scalar("select count(*) from events where event_type = 'QuoteAccepted'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(accepted, 1, "the project is made from QuoteAccepted");

    // The signed copy: the quote, the image, the time stamp; drawn again identically.
    let response = pdf(&app, &shop.token, &id).await;
    let signed_sha = response.headers()["x-content-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    let signed_pdf = response.bytes().await.unwrap();
    assert_ne!(signed_sha, sha);
    let text = pdf_text(&signed_pdf);
    for expected in [
        "Bon pour accord",
        "Signé électroniquement le",
        "(heure de Paris)",
        "signature manuscrite numérisée",
        sha.as_str(),
        "200,04 €",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // The PDF sent stays available byte for byte, by its digest.
    let original = app
        .client
        .get(format!(
            "{}/api/v1/quotes/{id}/documents/{sha}.pdf",
            app.address
        ))
        .bearer_auth(&shop.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha256_hex(&original), sha);

    // One signature per version.
    let events = app.db.event_count().await;
    let twice = app
        .graphql_as(&shop.token, SIGN, sign_input(&id, &sha, &drawn_signature()))
        .await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");
    assert_eq!(twice["errors"][0]["extensions"]["reason"], "QUOTE_ACCEPTED");
    assert_eq!(app.db.event_count().await, events);

    let journal = app
        .graphql_as(&shop.token, JOURNAL, json!({ "quoteId": id }))
        .await;
    let entries = journal["data"]["quoteSignatures"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(entries.len(), 1, "{journal}");
    assert_eq!(entries[0]["node"]["signer"], "STAFF_ON_BEHALF");
    assert_eq!(entries[0]["node"]["pdfSha256"], sha.as_str());
    assert_eq!(entries[0]["node"]["ip"], "127.0.0.1", "{journal}");
    assert_eq!(entries[0]["node"]["userAgent"], TABLET, "{journal}");

    // Accounting reads the journal but signs nothing.
    let accountant = app
        .add_member(owner.workspace_id, domain::Role::Accounting)
        .await;
    let read = app
        .graphql_as(&accountant.access_token, JOURNAL, json!({}))
        .await;
    assert_eq!(
        read["data"]["quoteSignatures"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn the_client_signs_in_its_portal_and_sees_no_other_quote() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let (id, sha) = create_and_send(&app, &shop).await;
    // Another client's quote in the same workshop.
    let other_client = crate::clients::create(
        &app,
        &shop.token,
        crate::clients::private("Jeanne", "Martin", "jeanne@exemple.fr"),
    )
    .await;
    let theirs = app
        .graphql_as(
            &shop.token,
            CREATE,
            workshop_quote(&other_client, &shop.gate, &shop.rims),
        )
        .await;
    let theirs = theirs["data"]["createQuote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let invitation = app
        .mail
        .wait_for_count_to("paul@exemple.fr", 1)
        .await
        .remove(0);
    let accepted = app
        .graphql(
            "mutation($token: String!) { acceptInvitation(token: $token, password: \"Portail-Client-2026!\") { role accessToken } }",
            json!({ "token": invitation.token().unwrap() }),
        )
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["role"], "CLIENT",
        "{accepted}"
    );
    let client = accepted["data"]["acceptInvitation"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // The client reads its quote and the exact PDF, then signs.
    let mine = app
        .graphql_as(
            &client,
            "query($id: ID!) { quote(id: $id) { number sentPdfSha256 } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        mine["data"]["quote"]["sentPdfSha256"],
        sha.as_str(),
        "{mine}"
    );
    let shown = pdf(&app, &client, &id).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["x-content-sha256"].to_str().unwrap(), sha);
    let not_mine = app
        .graphql_as(
            &client,
            "query($id: ID!) { quote(id: $id) { number } }",
            json!({ "id": theirs }),
        )
        .await;
    assert_eq!(error_code(&not_mine), Some("NOT_FOUND"), "{not_mine}");
    assert_eq!(pdf(&app, &client, &theirs).await.status(), 404);
    // Its list holds its quote only, not the other client's.
    let listed = app
        .graphql_as(&client, "{ quotes { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(
        listed["data"]["quotes"]["edges"],
        json!([{ "node": { "id": id } }]),
        "{listed}"
    );
    let journal = app.graphql_as(&client, JOURNAL, json!({})).await;
    assert_eq!(
        error_code(&journal),
        Some("FORBIDDEN"),
        "the journal is the workshop's"
    );

    let signed = app
        .graphql_as(&client, SIGN, sign_input(&id, &sha, &drawn_signature()))
        .await;
    assert_eq!(signed["data"]["signQuote"]["signer"], "CLIENT", "{signed}");
    let text = pdf_text(&pdf(&app, &client, &id).await.bytes().await.unwrap());
    assert!(text.contains("Signé électroniquement le"), "{text}");
    assert!(text.contains("par le client (Bernard Paul)"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn another_workshop_can_neither_read_nor_sign() {
    let app = spawn_app().await;
    let (_, shop_a) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let (id, sha) = create_and_send(&app, &shop_a).await;
    let b = app.sign_up("Atelier B", "b@atelier-b.fr").await;
    let events = app.db.event_count().await;
    let signed = app
        .graphql_as(
            &b.access_token,
            SIGN,
            sign_input(&id, &sha, &drawn_signature()),
        )
        .await;
    assert_eq!(error_code(&signed), Some("NOT_FOUND"), "{signed}");
    assert_eq!(app.db.event_count().await, events);
    assert_eq!(pdf(&app, &b.access_token, &id).await.status(), 404);
    let document = app
        .client
        .get(format!(
            "{}/api/v1/quotes/{id}/documents/{sha}.pdf",
            app.address
        ))
        .bearer_auth(&b.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(document.status(), 404);
    let journal = app.graphql_as(&b.access_token, JOURNAL, json!({})).await;
    assert_eq!(
        journal["data"]["quoteSignatures"]["edges"],
        json!([]),
        "{journal}"
    );
    let sent = app
        .graphql_as(&b.access_token, SEND, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&sent), Some("NOT_FOUND"), "{sent}");
    app.stop().await;
}

#[tokio::test]
async fn unsigned_quotes_are_recalled_at_j2_and_j7_until_signed() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let (id, sha) = create_and_send(&app, &shop).await;
    let (signed_id, signed_sha) = create_and_send(&app, &shop).await;
    let commands = &app.state.commands;
    let now = chrono::Utc::now();
    let remind = |at: chrono::DateTime<chrono::Utc>| {
        workers::quote_reminders::remind_due(&app.db.pool, commands, at)
    };
    assert_eq!(
        remind(now + chrono::Duration::days(1)).await.unwrap(),
        0,
        "nothing at J+1"
    );

    let signed = app
        .graphql_as(
            &shop.token,
            SIGN,
            sign_input(&signed_id, &signed_sha, &drawn_signature()),
        )
        .await;
    assert!(signed["errors"].is_null(), "{signed}");

    let j2 = now + chrono::Duration::days(2) + chrono::Duration::minutes(1);
    assert_eq!(remind(j2).await.unwrap(), 1, "the unsigned one only");
    wait_for_reminders(&app, &id, 1).await;
    assert_eq!(remind(j2).await.unwrap(), 0, "once per step");
    let j7 = now + chrono::Duration::days(7) + chrono::Duration::minutes(1);
    assert_eq!(remind(j7).await.unwrap(), 1);
    wait_for_reminders(&app, &id, 2).await;
    let kinds: Vec<String> = sqlx::query_scalar(
        "select kind from email_outbox where recipient = 'paul@exemple.fr' order by created_at",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            "quote_new_client",
            "quote_new_client",
            "quote_reminder_day2",
            "quote_reminder_day7"
        ],
        "two quotes sent, then the unsigned one recalled twice"
    );
    let attached: Vec<u8> = sqlx::query_scalar(
        "select a.content from email_attachment a join email_outbox e using (email_id)
         where e.kind = 'quote_reminder_day7'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        sha256_hex(&attached),
        sha,
        "the reminder carries the PDF sent"
    );

    // A workshop without reminders sends none.
    let settings = app
        .graphql_as(
            &shop.token,
            "mutation { updateQuoteSettings(input: { numberPattern: \"DEV-{YYYY}-{NNNN}\", hourlyRate: \"45\",
               powderMarginPct: \"30\", labourMarginPct: \"20\", primerPricePerKg: \"15\", varnishPricePerKg: \"18\",
               validityDays: 30, reminderDays: [] }) { reminderDays } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["data"]["updateQuoteSettings"]["reminderDays"],
        json!([]),
        "{settings}"
    );
    let (_, _) = create_and_send(&app, &shop).await;
    assert_eq!(remind(now + chrono::Duration::days(9)).await.unwrap(), 0);
    let bad = app
        .graphql_as(
            &shop.token,
            "mutation { updateQuoteSettings(input: { numberPattern: \"DEV-{YYYY}-{NNNN}\", hourlyRate: \"45\",
               powderMarginPct: \"30\", labourMarginPct: \"20\", primerPricePerKg: \"15\", varnishPricePerKg: \"18\",
               validityDays: 30, reminderDays: [7, 2] }) { reminderDays } }",
            json!({}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["reason"], "QUOTE_REMINDERS_INVALID",
        "{bad}"
    );
    app.stop().await;
}

async fn wait_for_reminders(app: &TestApp, quote_id: &str, count: i64) {
    tests::eventually(format!("{count} reminders for {quote_id}"), || async {
        let queued: i64 = sqlx::query_scalar(
            "select count(*) from email_outbox where kind like 'quote_reminder%'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        (queued >= count).then_some(())
    })
    .await
}

/// The rows of `quote_document` of this quote: `(kind, sha256)`, oldest first.
async fn stored_documents(app: &TestApp, id: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "select kind, sha256 from quote_document where quote_id = $1::uuid
         order by created_at, kind",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_signed_copy_is_stored_at_signing_and_a_download_only_reads_it() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let (id, sha) = create_and_send(&app, &shop).await;
    let signed = app
        .graphql_as(&shop.token, SIGN, sign_input(&id, &sha, &drawn_signature()))
        .await;
    assert_eq!(
        signed["data"]["signQuote"]["signer"], "STAFF_ON_BEHALF",
        "{signed}"
    );

    // Before any download, the signed copy is there beside the PDF sent.
    let stored = stored_documents(&app, &id).await;
    let kinds: Vec<&str> = stored.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["sent", "signed"], "{stored:?}");
    let signed_sha = stored[1].1.clone();

    // A download serves those bytes and writes nothing.
    let response = pdf(&app, &shop.token, &id).await;
    assert_eq!(
        response.headers()["x-content-sha256"].to_str().unwrap(),
        signed_sha
    );
    let served = response.bytes().await.unwrap();
    assert_eq!(sha256_hex(&served), signed_sha);
    assert_eq!(
        stored_documents(&app, &id).await,
        stored,
        "a GET stores nothing"
    );

    // A quote signed before copies were stored at signing has none: its first download
    // draws it from the same inputs, byte for byte, and stores it once.
    sqlx::query("delete from quote_document where quote_id = $1::uuid and kind = 'signed'")
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let redrawn = pdf(&app, &shop.token, &id).await.bytes().await.unwrap();
    assert_eq!(sha256_hex(&redrawn), signed_sha, "drawn again identically");
    assert_eq!(stored_documents(&app, &id).await, stored);
    app.stop().await;
}
