//! The mailer against a real SMTP server: sent once, retried when the server says later,
//! given up when it says never, and resent with the same Message-ID after a crash.

use std::time::Duration;

use commands::mail::{enqueue, OutgoingEmail};
use tests::smtp::SmtpSink;
use tests::TestDb;
use uuid::Uuid;
use workers::mailer::{deliver_due, Mailer};

fn email(recipient: &str) -> OutgoingEmail {
    OutgoingEmail {
        workspace_id: Uuid::new_v4(),
        recipient: recipient.to_owned(),
        subject: "Votre devis D-2026-0042 est prêt".to_owned(),
        body_text: "Bonjour,\nvoici votre devis.\n.\nUne ligne qui commence par un point.\n"
            .to_owned(),
        body_html: Some("<p>Bonjour, voici votre <b>devis</b>.</p>".to_owned()),
        kind: "test",
        attachments: vec![],
        not_before: None,
    }
}

async fn status(db: &TestDb, email_id: Uuid) -> (String, i32, Option<String>) {
    sqlx::query_as("select status, attempts, last_error from email_outbox where email_id = $1")
        .bind(email_id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn setup() -> (TestDb, SmtpSink, Mailer) {
    let db = TestDb::new().await;
    let sink = SmtpSink::start().await;
    let mailer = Mailer::new(
        Some(&sink.url()),
        "var/unused".into(),
        "Atelier Test <atelier@test.fr>",
    )
    .unwrap()
    .with_events(commands::Commands::new(db.pool.clone()));
    (db, sink, mailer)
}

#[tokio::test]
async fn an_email_is_sent_once_with_both_parts_and_its_message_id() {
    let (db, sink, mailer) = setup().await;
    let email_id = enqueue(&db.pool, &email("client@exemple.fr"), "test.fr")
        .await
        .unwrap();
    assert_eq!(deliver_due(&db.pool, &mailer).await.unwrap(), 1);
    assert_eq!(
        deliver_due(&db.pool, &mailer).await.unwrap(),
        0,
        "nothing left to send"
    );
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.to, ["client@exemple.fr"]);
    assert_eq!(
        mail.header("Message-ID").unwrap(),
        format!("<{email_id}@test.fr>")
    );
    assert!(mail
        .header("Content-Type")
        .unwrap()
        .starts_with("multipart/alternative"));
    assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"));
    assert!(
        mail.data.contains("\r\n.\r\nUne ligne") || mail.body().contains("Une ligne"),
        "dot-stuffing survives"
    );
    assert_eq!(status(&db, email_id).await.0, "sent");
    assert_eq!(
        delivery_events(&db, email_id).await,
        [("EmailSent".to_owned(), 1, None)]
    );
    let workspace: Uuid =
        sqlx::query_scalar("select workspace_id from events where event_type = 'EmailSent'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let queued_for: Uuid =
        sqlx::query_scalar("select workspace_id from email_outbox where email_id = $1")
            .bind(email_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        workspace, queued_for,
        "the fact lands in the workshop's own log"
    );
}

#[tokio::test]
async fn a_transient_refusal_is_retried_later_and_a_permanent_one_is_failed_visibly() {
    let (db, _sink, mailer) = setup().await;
    let later = enqueue(&db.pool, &email("temporaire@exemple.fr"), "test.fr")
        .await
        .unwrap();
    let never = enqueue(&db.pool, &email("refus@exemple.fr"), "test.fr")
        .await
        .unwrap();
    let invalid = enqueue(&db.pool, &email("pas une adresse"), "test.fr")
        .await
        .unwrap();
    while deliver_due(&db.pool, &mailer).await.unwrap() > 0 {}

    let (state, attempts, error) = status(&db, later).await;
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(error.unwrap().contains("451"));
    let due_in: f64 = sqlx::query_scalar(
        "select extract(epoch from next_attempt_at - now())::float8 from email_outbox where email_id = $1",
    )
    .bind(later)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        (30.0..=60.0).contains(&due_in),
        "retried in about a minute, not now: {due_in}"
    );
    assert_eq!(
        deliver_due(&db.pool, &mailer).await.unwrap(),
        0,
        "not due yet"
    );

    let (state, _, error) = status(&db, never).await;
    assert_eq!(state, "failed");
    assert!(error.unwrap().contains("550"));
    let (state, _, error) = status(&db, invalid).await;
    assert_eq!(state, "failed");
    assert!(error.unwrap().contains("adresse invalide"));
}

#[tokio::test]
async fn a_crash_between_send_and_record_resends_the_same_message() {
    let (db, sink, mailer) = setup().await;
    let email_id = enqueue(&db.pool, &email("client@exemple.fr"), "test.fr")
        .await
        .unwrap();
    deliver_due(&db.pool, &mailer).await.unwrap();
    // The process died after the server accepted the email but before recording it: the row
    // is still leased when it restarts, and the lease runs out.
    sqlx::query("update email_outbox set status = 'sending', leased_until = now() - interval '1 second' where email_id = $1")
        .bind(email_id)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(deliver_due(&db.pool, &mailer).await.unwrap(), 1);
    let received = sink.wait_for(2).await;
    assert_eq!(
        received[0].header("Message-ID"),
        received[1].header("Message-ID"),
        "duplicates are recognisable"
    );
    let (state, attempts, _) = status(&db, email_id).await;
    assert_eq!((state.as_str(), attempts), ("sent", 2));

    // A lease still running is left alone: another worker is sending it.
    let other = enqueue(&db.pool, &email("autre@exemple.fr"), "test.fr")
        .await
        .unwrap();
    sqlx::query("update email_outbox set status = 'sending', leased_until = now() + interval '5 minutes' where email_id = $1")
        .bind(other)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(deliver_due(&db.pool, &mailer).await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(sink.to("autre@exemple.fr").is_empty());
}

#[tokio::test]
async fn without_smtp_emails_land_as_files_a_person_can_open() {
    let db = TestDb::new().await;
    let folder = std::env::temp_dir().join(format!("tg-mail-{}", Uuid::new_v4().simple()));
    let mailer = Mailer::new(
        None,
        folder.clone(),
        "ThermoGestion <no-reply@thermogestion.local>",
    )
    .unwrap();
    enqueue(&db.pool, &email("client@exemple.fr"), "thermogestion.local")
        .await
        .unwrap();
    tokio::fs::create_dir_all(&folder).await.unwrap();
    deliver_due(&db.pool, &mailer).await.unwrap();
    let mut files = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect::<Vec<_>>();
    assert_eq!(files.len(), 1);
    let file = files.remove(0);
    assert_eq!(file.extension().unwrap(), "eml");
    let content = std::fs::read_to_string(&file).unwrap();
    assert!(content.contains("To: client@exemple.fr"), "{content}");
    std::fs::remove_dir_all(folder).ok();
}

/// Delivery events of `email_id`: (type, attempt, permanent).
async fn delivery_events(db: &TestDb, email_id: Uuid) -> Vec<(String, i64, Option<bool>)> {
    sqlx::query_as(
        "select event_type,
                coalesce(payload -> 'Sent' ->> 'attempt', payload -> 'Failed' ->> 'attempt')::bigint,
                (payload -> 'Failed' ->> 'permanent')::boolean
         from events where aggregate_id like '%/email-' || $1 order by global_position",
    )
    .bind(email_id.to_string())
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn failures_are_recorded_as_events_with_their_kind() {
    let (db, _sink, mailer) = setup().await;
    let later = enqueue(&db.pool, &email("temporaire@exemple.fr"), "test.fr")
        .await
        .unwrap();
    let never = enqueue(&db.pool, &email("refus@exemple.fr"), "test.fr")
        .await
        .unwrap();
    while deliver_due(&db.pool, &mailer).await.unwrap() > 0 {}
    assert_eq!(
        delivery_events(&db, later).await,
        [("EmailFailed".to_owned(), 1, Some(false))]
    );
    assert_eq!(
        delivery_events(&db, never).await,
        [("EmailFailed".to_owned(), 1, Some(true))]
    );
}

#[tokio::test]
async fn attachments_travel_with_the_email() {
    let (db, sink, mailer) = setup().await;
    let mut quote = email("client@exemple.fr");
    // Real PDFs start with a comment of binary bytes, which forces a base64 transfer.
    let mut pdf = b"%PDF-1.4\n%".to_vec();
    pdf.extend([0xE2, 0xE3, 0xCF, 0xD3, b'\n']);
    pdf.extend(b"% devis D-2026-0042\n%%EOF\n");
    quote.attachments.push(commands::mail::Attachment {
        filename: "devis-D-2026-0042.pdf".into(),
        content_type: "application/pdf".into(),
        content: pdf.clone(),
    });
    enqueue(&db.pool, &quote, "test.fr").await.unwrap();
    deliver_due(&db.pool, &mailer).await.unwrap();
    let mail = sink.wait_for(1).await.remove(0);
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/mixed"),
        "{}",
        mail.data
    );
    assert!(
        mail.data.contains("filename=\"devis-D-2026-0042.pdf\""),
        "{}",
        mail.data
    );
    assert!(
        mail.data.contains("Content-Type: application/pdf"),
        "{}",
        mail.data
    );
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&pdf);
    assert!(
        mail.data.replace("\r\n", "").contains(&encoded),
        "the PDF bytes, base64"
    );
    assert!(
        mail.data.contains("text/html"),
        "the HTML part is still there"
    );
}
