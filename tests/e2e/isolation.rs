//! Tenant isolation of read models: the query filter is the first lock, row-level security
//! the second.

use commands::Commands;
use projections::engine;
use projections::{tenant, workspace, Subscriptions};
use tests::{register, workspace_command, TestDb};
use uuid::Uuid;

#[tokio::test]
async fn a_workspace_never_sees_another_workspace_row() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    workspace_command(&commands, a, register("Atelier A")).await;
    workspace_command(&commands, b, register("Atelier B")).await;
    let projection = projections::by_name(workspace::NAME).unwrap();
    engine::catch_up(&db.pool, &*projection, &Subscriptions::default(), 100)
        .await
        .unwrap();

    let mut as_a = tenant::begin(&db.pool, a).await.unwrap();
    assert_eq!(
        workspace::find(&mut *as_a, a).await.unwrap().unwrap().name,
        "Atelier A"
    );
    assert_eq!(
        workspace::find(&mut *as_a, b).await.unwrap(),
        None,
        "B is invisible to A"
    );
    // Even a query that forgets its filter sees only A's rows.
    let names: Vec<String> = sqlx::query_scalar("select name from workspace")
        .fetch_all(&mut *as_a)
        .await
        .unwrap();
    assert_eq!(names, vec!["Atelier A"]);
    // And the tenant role cannot write read models.
    let error = sqlx::query("delete from workspace")
        .execute(&mut *as_a)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("permission denied"), "{error}");
}
