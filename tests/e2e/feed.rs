//! The feed never skips an event whose transaction commits late, and every event reaches a
//! projection exactly once.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use commands::{CommandMeta, Commands};
use domain::workspace::{WorkspaceCommand, AGGREGATE_LOCAL_ID};
use projections::engine::{self, Projection, ProjectionError};
use projections::{RecordedEvent, Subscriptions};
use sqlx::{PgConnection, PgPool};
use tests::{register, workspace_command, TestDb};
use uuid::Uuid;

/// Records each event it sees; the primary key makes a second delivery fail the page.
struct Seen;

#[async_trait]
impl Projection for Seen {
    fn name(&self) -> &'static str {
        "test_seen"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["test_seen"]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let positions: Vec<i64> = events
            .iter()
            .map(|event| event.position.global_position)
            .collect();
        sqlx::query("insert into test_seen (global_position) select unnest($1::bigint[])")
            .bind(&positions)
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// A database with the `Seen` projection's table and checkpoint.
async fn seen_db() -> TestDb {
    let db = TestDb::new().await;
    sqlx::query("create table test_seen (global_position bigint primary key)")
        .execute(&db.pool)
        .await
        .unwrap();
    engine::ensure_checkpoint(&db.pool, "test_seen")
        .await
        .unwrap();
    db
}

/// Writes one event the way postgres-es does, inside a transaction the caller controls.
async fn insert_raw_event(conn: &mut PgConnection, workspace_id: Uuid) -> i64 {
    sqlx::query_scalar(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         values ('test_slow', $1, 1, 'TestSlowWritten', '1', '{}', $2)
         returning global_position",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(serde_json::json!({ "workspace_id": workspace_id.to_string() }))
    .fetch_one(conn)
    .await
    .unwrap()
}

async fn all_positions(pool: &PgPool, table: &str) -> Vec<i64> {
    sqlx::query_scalar(&format!(
        "select global_position from {table} order by global_position"
    ))
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_event_committed_late_is_read_after_it_commits_never_skipped() {
    let db = seen_db().await;
    let subscriptions = Subscriptions::default();

    // A takes the lower position and stays open; B takes a higher one and commits first.
    let mut slow = db.pool.begin().await.unwrap();
    let early_position = insert_raw_event(&mut slow, Uuid::new_v4()).await;
    let mut fast = db.pool.acquire().await.unwrap();
    let late_position = insert_raw_event(&mut fast, Uuid::new_v4()).await;
    assert!(early_position < late_position);

    // A naive "position > last seen" reader would return B now and skip A forever.
    let step = engine::catch_up_page(&db.pool, &Seen, &subscriptions, 100)
        .await
        .unwrap();
    assert_eq!(
        step.applied, 0,
        "nothing may be read while an older writer is in flight"
    );
    assert!(
        projections::feed::has_events_after(&db.pool, step.checkpoint)
            .await
            .unwrap()
    );

    slow.commit().await.unwrap();
    engine::catch_up(&db.pool, &Seen, &subscriptions, 100)
        .await
        .unwrap();
    assert_eq!(
        all_positions(&db.pool, "test_seen").await,
        vec![early_position, late_position]
    );
}

#[tokio::test]
async fn concurrent_writers_and_a_reader_see_every_event_exactly_once() {
    let db = seen_db().await;
    let commands = Commands::new(db.pool.clone());
    let writers_done = Arc::new(AtomicBool::new(false));
    let late_commits = Arc::new(AtomicUsize::new(0));

    let mut writers = Vec::new();
    // Fast writers through the real command gateway.
    for writer in 0..4 {
        let commands = commands.clone();
        writers.push(tokio::spawn(async move {
            for round in 0..15 {
                let meta = CommandMeta::system(Uuid::new_v4(), format!("w{writer}"));
                let register = register(format!("Atelier {writer}-{round}"));
                commands
                    .workspaces
                    .execute(&meta, AGGREGATE_LOCAL_ID, register)
                    .await
                    .unwrap();
                let rename = WorkspaceCommand::Rename {
                    name: format!("Atelier {writer}-{round} bis"),
                };
                commands
                    .workspaces
                    .execute(&meta, AGGREGATE_LOCAL_ID, rename)
                    .await
                    .unwrap();
            }
        }));
    }
    // Slow writers hold their transaction open while others commit; some roll back.
    for writer in 0..3u64 {
        let pool = db.pool.clone();
        let late_commits = late_commits.clone();
        writers.push(tokio::spawn(async move {
            for round in 0..12u64 {
                let mut tx = pool.begin().await.unwrap();
                let position = insert_raw_event(&mut tx, Uuid::new_v4()).await;
                tokio::time::sleep(Duration::from_millis((writer * 7 + round * 3) % 15 + 1)).await;
                let higher_committed: bool = sqlx::query_scalar(
                    "select exists(select 1 from events where global_position > $1 and transaction_id <> pg_current_xact_id())",
                )
                .bind(position)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
                if round % 5 == 4 {
                    tx.rollback().await.unwrap();
                } else {
                    if higher_committed {
                        late_commits.fetch_add(1, Ordering::Relaxed);
                    }
                    tx.commit().await.unwrap();
                }
            }
        }));
    }

    // The reader pages through small pages while the writers run.
    let reader = {
        let pool = db.pool.clone();
        let writers_done = writers_done.clone();
        tokio::spawn(async move {
            let subscriptions = Subscriptions::default();
            loop {
                let done = writers_done.load(Ordering::Acquire);
                let step = engine::catch_up_page(&pool, &Seen, &subscriptions, 7)
                    .await
                    .unwrap();
                if done
                    && step.applied == 0
                    && !projections::feed::has_events_after(&pool, step.checkpoint)
                        .await
                        .unwrap()
                {
                    return;
                }
                if step.applied == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        })
    };

    for writer in writers {
        writer.await.unwrap();
    }
    writers_done.store(true, Ordering::Release);
    reader.await.unwrap();

    let written = all_positions(&db.pool, "events").await;
    let seen = all_positions(&db.pool, "test_seen").await;
    assert_eq!(
        written.len(),
        4 * 15 * (4 + 1) + 3 * 12 - 3 * 2,
        "rolled-back events are not in the log"
    );
    assert_eq!(seen, written, "every committed event seen exactly once");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len());
    assert!(
        late_commits.load(Ordering::Relaxed) > 0,
        "the test must exercise the hazard: a lower position committing after a higher one"
    );
}

#[tokio::test]
async fn a_second_runner_cannot_apply_a_page_twice() {
    let db = seen_db().await;
    let commands = Commands::new(db.pool.clone());
    for index in 0..30 {
        workspace_command(
            &commands,
            Uuid::new_v4(),
            register(format!("Atelier {index}")),
        )
        .await;
    }
    // Two runners race on the same checkpoint; the loser must wait and continue from the
    // winner's checkpoint, so the primary key of test_seen never sees a duplicate.
    let runs = (0..2).map(|_| {
        let pool = db.pool.clone();
        tokio::spawn(async move {
            let subscriptions = Subscriptions::default();
            let mut applied = 0;
            loop {
                match engine::catch_up_page(&pool, &Seen, &subscriptions, 4).await {
                    Ok(step) if step.applied == 0 => {
                        if !projections::feed::has_events_after(&pool, step.checkpoint)
                            .await
                            .unwrap()
                        {
                            return applied;
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    Ok(step) => applied += step.applied,
                    Err(ProjectionError::CheckpointMoved(_)) => {}
                    Err(ProjectionError::Database(error))
                        if error.as_database_error().and_then(|e| e.code()).as_deref()
                            == Some("23505") =>
                    {
                        panic!("an event was applied twice: {error}")
                    }
                    Err(error) => panic!("{error}"),
                }
            }
        })
    });
    let mut total = 0;
    for run in runs.collect::<Vec<_>>() {
        total += run.await.unwrap();
    }
    assert_eq!(total, 30 * 4, "four events per sign-up");
    assert_eq!(
        all_positions(&db.pool, "test_seen").await,
        all_positions(&db.pool, "events").await
    );
}

#[tokio::test]
async fn the_event_log_is_append_only() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    workspace_command(&commands, Uuid::new_v4(), register("Atelier")).await;
    for statement in ["update events set payload = '{}'", "delete from events"] {
        let error = sqlx::query(statement).execute(&db.pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    assert_eq!(db.event_count().await, 4);
}

#[tokio::test]
async fn the_feed_orders_transactions_as_numbers_not_text() {
    let db = TestDb::new().await;
    // Old transaction ids, set by hand: "10" sorts before "9" as text, after it as a number.
    for xid in ["10", "9"] {
        sqlx::query(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, transaction_id)
             values ('test', $1, 1, 'TestWritten', '1', '{}', $2, $1::xid8)",
        )
        .bind(xid)
        .bind(serde_json::json!({ "workspace_id": Uuid::new_v4().to_string() }))
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let mut conn = db.pool.acquire().await.unwrap();
    let page = projections::feed::read_page(&mut conn, Default::default(), 10, &[])
        .await
        .unwrap();
    let xids: Vec<u64> = page
        .events
        .iter()
        .map(|event| event.position.transaction_id)
        .collect();
    assert_eq!(xids, vec![9, 10]);
}

#[tokio::test]
async fn a_projection_reads_only_its_event_types_but_its_checkpoint_passes_the_others() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let workspace_id = Uuid::new_v4();
    workspace_command(&commands, workspace_id, register("Atelier")).await;
    workspace_command(&commands, workspace_id, tests::rename("Atelier bis")).await;
    let only_renames = ["WorkspaceRenamed"];
    // Another test's transaction in flight can hide the last events for a moment (the low
    // watermark is cluster-wide): read until all five are readable.
    let page = tests::eventually("the five events readable", || async {
        let mut conn = db.pool.acquire().await.unwrap();
        let page = projections::feed::read_page(&mut conn, Default::default(), 100, &only_renames)
            .await
            .unwrap();
        (page.scanned == 5).then_some(page)
    })
    .await;
    let mut conn = db.pool.acquire().await.unwrap();
    assert_eq!(
        page.scanned, 5,
        "four sign-up events and a rename looked at"
    );
    let types: Vec<&str> = page
        .events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect();
    assert_eq!(types, ["WorkspaceRenamed"]);
    let all = projections::feed::read_page(&mut conn, Default::default(), 100, &[])
        .await
        .unwrap();
    assert_eq!(
        page.last, all.last,
        "the checkpoint moves past skipped events too"
    );
    assert_eq!(all.events.len(), 5);
}

#[tokio::test]
async fn a_filtered_read_moves_the_checkpoint_to_the_horizon_past_skipped_events() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let workspace_id = Uuid::new_v4();
    workspace_command(&commands, workspace_id, register("Atelier")).await;
    workspace_command(&commands, workspace_id, tests::rename("Atelier bis")).await;
    let all = tests::eventually("the five events readable", || async {
        let mut conn = db.pool.acquire().await.unwrap();
        let all = projections::feed::read_page(&mut conn, Default::default(), 100, &[])
            .await
            .unwrap();
        (all.scanned == 5).then_some(all)
    })
    .await;
    let mut conn = db.pool.acquire().await.unwrap();
    let members = ["WorkspaceMemberJoined"];
    let page = projections::feed::read_wanted(&mut conn, Default::default(), 100, &members)
        .await
        .unwrap();
    let types: Vec<&str> = page
        .events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect();
    assert_eq!(types, ["WorkspaceMemberJoined"]);
    assert!(!page.full);
    assert_eq!(
        page.last, all.last,
        "past the rename, which it never received"
    );
    // A full page stops at its last event instead.
    let two_types = ["WorkspaceRegistered", "WorkspaceMemberJoined"];
    let full = projections::feed::read_wanted(&mut conn, Default::default(), 1, &two_types)
        .await
        .unwrap();
    assert!(full.full);
    assert_eq!(full.last, Some(full.events[0].position));
    let nothing_after = projections::feed::read_wanted(&mut conn, all.last.unwrap(), 100, &members)
        .await
        .unwrap();
    assert_eq!(nothing_after.last, None);
}
