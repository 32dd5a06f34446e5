//! Replaying a projection gives exactly the tables the live runner built.

use serde_json::json;
use std::time::Duration;
use tests::{register, rename, spawn_app, workspace_command};

async fn dump(
    pool: &sqlx::PgPool,
) -> Vec<(
    uuid::Uuid,
    String,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
)> {
    sqlx::query_as(
        "select workspace_id, name, registered_at, updated_at from workspace order by workspace_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn replay_rebuilds_the_live_tables_exactly() {
    let app = spawn_app().await;
    let commands = &app.state.commands;
    for index in 0..25 {
        let workspace_id = uuid::Uuid::new_v4();
        workspace_command(commands, workspace_id, register(format!("Atelier {index}"))).await;
        for version in 0..index % 4 {
            let name = format!("Atelier {index} v{version}");
            workspace_command(commands, workspace_id, rename(name)).await;
        }
    }
    // Through HTTP too: the mutation waits for the live projection.
    let response = app
        .graphql(
            "mutation { registerWorkspace(input: { name: \"Dernier\" }) { id } }",
            json!({}),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let lags = loop {
        let lags = projections::engine::lags(&app.db.pool).await.unwrap();
        if lags.iter().all(|lag| lag.events == 0) {
            break lags;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(lags.len(), 1);
    let live = dump(&app.db.pool).await;
    assert_eq!(live.len(), 26);
    let live_checkpoint = projections::engine::checkpoints(&app.db.pool, &["workspace"])
        .await
        .unwrap();

    let projection = projections::by_name("workspace").unwrap();
    let replayed = projections::engine::replay(&app.db.pool, &*projection, 7)
        .await
        .unwrap();
    assert_eq!(replayed as i64, app.db.event_count().await);
    assert_eq!(dump(&app.db.pool).await, live);
    assert_eq!(
        projections::engine::checkpoints(&app.db.pool, &["workspace"])
            .await
            .unwrap(),
        live_checkpoint
    );
    app.stop().await;
}
