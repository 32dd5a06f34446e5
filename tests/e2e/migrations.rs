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
    assert_eq!(
        all,
        vec![
            "account",
            "events",
            "login_attempt",
            "member",
            "projection_checkpoint",
            "recovery_code",
            "refresh_token",
            "workspace"
        ]
    );

    let undone = migrate_down(&db.pool, 4).await.unwrap();
    assert_eq!(undone, vec![2, 3, 4, 5]);
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
