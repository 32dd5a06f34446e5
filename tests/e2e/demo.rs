//! The demo workshop a newcomer starts the server with: seeded once, with powders, clients
//! and quotes in each state (draft, sent, signed with its signed copy).

use tests::spawn_app;

#[tokio::test]
async fn the_demo_workshop_is_seeded_once_with_quotes_in_every_state() {
    let app = spawn_app().await;
    let created = api::demo::seed(&app.db.pool, &app.state.commands)
        .await
        .unwrap();
    assert!(created);
    let statuses: Vec<String> = sqlx::query_scalar("select status from quote order by number")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(statuses, ["draft", "sent", "accepted"]);
    let documents: Vec<String> =
        sqlx::query_scalar("select kind from quote_document order by kind")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(documents, ["sent", "sent", "signed"]);
    let signers: Vec<String> = sqlx::query_scalar("select signer from quote_signature")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(signers, ["staff_on_behalf"]);
    let again = api::demo::seed(&app.db.pool, &app.state.commands)
        .await
        .unwrap();
    assert!(!again, "seeding twice changes nothing");
    app.stop().await;
}
