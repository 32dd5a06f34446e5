//! Replaying projections gives exactly the tables the live runners built.

use serde_json::{json, Value};
use tests::{register, rename, spawn_app, workspace_command};

/// Every row of every projection table, as JSON, in key order.
pub(crate) async fn dump(pool: &sqlx::PgPool) -> Vec<Value> {
    let mut rows = Vec::new();
    for projection in projections::all() {
        for table in projection.tables() {
            let table_rows: Vec<Value> =
                sqlx::query_scalar(&format!("select to_jsonb(t) from {table} t order by 1"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            rows.push(json!({ table.to_string(): table_rows }));
        }
    }
    rows
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
    // Through HTTP too: the mutation waits for the live projections.
    let owner = app.sign_up("Dernier", "dernier@atelier.fr").await;
    let toggled = app
        .graphql_as(
            &owner.access_token,
            "mutation { setModule(module: JANTES, enabled: true) { jantesEnabled } }",
            json!({}),
        )
        .await;
    assert_eq!(
        toggled["data"]["setModule"]["jantesEnabled"], true,
        "{toggled}"
    );
    // The mailer writes `EmailSent` events as emails leave: let it finish, so the log is still.
    tests::eventually("the mailer done and its sends recorded", || async {
        let (due, unrecorded): (i64, i64) = sqlx::query_as(
            "select (select count(*) from email_outbox where status in ('pending', 'sending') and next_attempt_at <= now()),
                    (select count(*) from email_outbox where status = 'sent')
                  - (select count(*) from events where event_type = 'EmailSent')",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        (due == 0 && unrecorded == 0).then_some(())
    })
    .await;
    let lags = tests::eventually("every projection caught up", || async {
        let lags = projections::engine::lags(&app.db.pool).await.unwrap();
        lags.iter().all(|lag| lag.events == 0).then_some(lags)
    })
    .await;
    // Every projection, plus the reactors (trial, plan change, low-stock, invitation, quote
    // and payment link emails, project intake and emails, photo renditions), which replays
    // leave alone.
    assert_eq!(lags.len(), projections::all().len() + 9);
    let scheduled: i64 =
        sqlx::query_scalar("select count(*) from email_outbox where kind like 'trial_%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let live = dump(&app.db.pool).await;
    assert_eq!(live[0]["workspace"].as_array().unwrap().len(), 26);
    assert_eq!(live[1]["member"].as_array().unwrap().len(), 26);
    let names: Vec<&str> = projections::all().iter().map(|p| p.name()).collect();
    let live_checkpoints = projections::engine::checkpoints(&app.db.pool, &names)
        .await
        .unwrap();

    for projection in projections::all() {
        let replayed = projections::engine::replay(&app.db.pool, &*projection, 7)
            .await
            .unwrap();
        let all: i64 = sqlx::query_scalar("select count(*) from events")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(replayed.read as i64, all);
    }
    assert_eq!(dump(&app.db.pool).await, live);
    let after: i64 =
        sqlx::query_scalar("select count(*) from email_outbox where kind like 'trial_%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(after, scheduled, "a replay sends no email again");
    let mut replayed_checkpoints = projections::engine::checkpoints(&app.db.pool, &names)
        .await
        .unwrap();
    let mut live_checkpoints = live_checkpoints;
    replayed_checkpoints.sort();
    live_checkpoints.sort();
    assert_eq!(replayed_checkpoints, live_checkpoints);
    app.stop().await;
}
