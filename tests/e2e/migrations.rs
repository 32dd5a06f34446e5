//! Migrations are reversible: up, down, up again.

use api::db::{migrate_down, MIGRATOR};
use tests::TestDb;

async fn tables(db: &TestDb) -> Vec<String> {
    sqlx::query_scalar(
        "select table_name::text from information_schema.tables
         where table_schema = 'public' and table_name <> '_sqlx_migrations' order by 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let db = TestDb::empty().await;
    MIGRATOR.run(&db.pool).await.unwrap();
    let all = tables(&db).await;
    for table in [
        "events",
        "projection_checkpoint",
        "workspace",
        "member",
        "account",
        "email_outbox",
    ] {
        assert!(
            all.iter().any(|name| name == table),
            "{table} missing from {all:?}"
        );
    }
    let versions: Vec<i64> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();

    // Back to the event store alone, every later migration undone in order.
    let undone = migrate_down(&db.pool, versions.len() - 1).await.unwrap();
    assert_eq!(undone, versions[1..]);
    assert_eq!(tables(&db).await, vec!["events", "projection_checkpoint"]);

    let count = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .count();
    migrate_down(&db.pool, count).await.unwrap();
    assert!(
        tables(&db).await.is_empty(),
        "down removes everything up created"
    );

    MIGRATOR.run(&db.pool).await.unwrap();
    assert_eq!(tables(&db).await, all);
}
