//! The command gateway: metadata on every event, bounded retries, nothing written on refusal,
//! aggregates scoped by workspace.

use std::sync::Arc;

use commands::{scoped_aggregate_id, CommandError, CommandMeta, Commands};
use domain::workspace::{WorkspaceCommand, WorkspaceError, AGGREGATE_LOCAL_ID};
use tests::{register, TestDb};
use tokio::sync::Barrier;
use uuid::Uuid;

fn rename(name: &str) -> WorkspaceCommand {
    WorkspaceCommand::Rename { name: name.into() }
}

#[tokio::test]
async fn concurrent_commands_on_one_aggregate_all_land_through_retries() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let meta = CommandMeta::system(Uuid::new_v4(), "race");
    commands
        .workspaces
        .execute(&meta, AGGREGATE_LOCAL_ID, register("Atelier"))
        .await
        .unwrap();

    let writers = 4;
    let barrier = Arc::new(Barrier::new(writers));
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let (commands, meta, barrier) = (commands.clone(), meta.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                commands
                    .workspaces
                    .execute(
                        &meta,
                        AGGREGATE_LOCAL_ID,
                        rename(&format!("Atelier {writer}")),
                    )
                    .await
            })
        })
        .collect();
    for task in tasks {
        let receipt = task
            .await
            .unwrap()
            .expect("each racing rename lands after retries");
        assert_eq!(receipt.event_count, 1);
    }
    let sequences: Vec<i64> =
        sqlx::query_scalar("select sequence from events where aggregate_id = $1 order by sequence")
            .bind(scoped_aggregate_id(meta.workspace_id, AGGREGATE_LOCAL_ID))
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        sequences,
        vec![1, 2, 3, 4, 5, 6, 7, 8],
        "four events for the sign-up, then one per rename: no gap, no duplicate"
    );
}

#[tokio::test]
async fn a_refused_command_writes_no_event() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let meta = CommandMeta::system(Uuid::new_v4(), "refused");
    let error = commands
        .workspaces
        .execute(&meta, AGGREGATE_LOCAL_ID, rename("Atelier"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CommandError::Rejected(WorkspaceError::NotRegistered)),
        "{error:?}"
    );
    let error = commands
        .workspaces
        .execute(&meta, AGGREGATE_LOCAL_ID, register("   "))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CommandError::Rejected(WorkspaceError::NameEmpty)),
        "{error:?}"
    );
    assert_eq!(error.kind().as_str(), "VALIDATION");
    assert_eq!(db.event_count().await, 0);
}

#[tokio::test]
async fn a_command_cannot_reach_another_workspace_aggregate() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let workspace_a = CommandMeta::system(Uuid::new_v4(), "a");
    let workspace_b = CommandMeta::system(Uuid::new_v4(), "b");
    commands
        .workspaces
        .execute(&workspace_b, AGGREGATE_LOCAL_ID, register("Atelier B"))
        .await
        .unwrap();
    // A's caller names the same local id: the gateway scopes it to A, where nothing exists.
    let error = commands
        .workspaces
        .execute(&workspace_a, AGGREGATE_LOCAL_ID, rename("Piraté"))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        CommandError::Rejected(WorkspaceError::NotRegistered)
    ));
    let workspaces: Vec<uuid::Uuid> =
        sqlx::query_scalar("select distinct workspace_id from events")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(workspaces, vec![workspace_b.workspace_id]);
}

#[tokio::test]
async fn every_event_carries_its_metadata() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let meta = CommandMeta {
        workspace_id: Uuid::new_v4(),
        actor_id: Some(Uuid::new_v4()),
        actor_role: domain::Role::Owner,
        ip: Some("192.0.2.7".parse().unwrap()),
        request_id: "req-meta".into(),
    };
    let receipt = commands
        .workspaces
        .execute(&meta, AGGREGATE_LOCAL_ID, register("Atelier"))
        .await
        .unwrap();
    let (workspace_id, event_id, metadata): (Uuid, Uuid, serde_json::Value) =
        sqlx::query_as("select workspace_id, event_id, metadata from events")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        workspace_id, meta.workspace_id,
        "indexable workspace column filled from metadata"
    );
    assert!(!event_id.is_nil());
    assert_eq!(metadata["actor_id"], meta.actor_id.unwrap().to_string());
    assert_eq!(metadata["actor_role"], "owner");
    assert_eq!(metadata["ip"], "192.0.2.7");
    assert_eq!(metadata["request_id"], "req-meta");
    assert_eq!(metadata["command_id"], receipt.command_id.to_string());
    let occurred_at = metadata["occurred_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(occurred_at)
            .unwrap()
            .offset()
            .local_minus_utc()
            == 0,
        "UTC: {occurred_at}"
    );
}

/// `execute_new` decides without reading the log; a reused id must still meet the log.
#[tokio::test]
async fn a_command_assumed_new_on_an_existing_aggregate_is_decided_again_on_the_log() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let meta = CommandMeta::system(Uuid::new_v4(), "assumed-new");
    let first = commands
        .workspaces
        .execute_new(&meta, AGGREGATE_LOCAL_ID, register("Atelier"))
        .await
        .expect("a new aggregate is created without a load");
    assert_eq!(first.last_sequence, Some(4));

    // Another process (a fresh gateway: nothing cached) assumes the same id is new.
    let other = Commands::new(db.pool.clone());
    let error = other
        .workspaces
        .execute_new(&meta, AGGREGATE_LOCAL_ID, register("Atelier bis"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            CommandError::Rejected(WorkspaceError::AlreadyRegistered)
        ),
        "the append conflicted and the retry decided on the log: {error:?}"
    );
    let renamed = other
        .workspaces
        .execute_new(&meta, AGGREGATE_LOCAL_ID, rename("Atelier ter"))
        .await
        .expect("a rename assumed new is refused on the empty state, then decided on the log");
    assert_eq!(renamed.last_sequence, Some(5));
    let events: i64 = sqlx::query_scalar("select count(*) from events where aggregate_id = $1")
        .bind(scoped_aggregate_id(meta.workspace_id, AGGREGATE_LOCAL_ID))
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(events, 5, "no second registration");
}

/// What a test of `Commands::numbered` refuses with, or the store failing.
// The causes are read through `Debug` when an assertion fails.
#[allow(dead_code)]
#[derive(Debug)]
enum NumberedError {
    Refused,
    Store(String),
    Append(commands::AppendError),
    Numbering(commands::NumberingError),
}

impl From<commands::AppendError> for NumberedError {
    fn from(error: commands::AppendError) -> Self {
        Self::Append(error)
    }
}

impl From<commands::NumberingError> for NumberedError {
    fn from(error: commands::NumberingError) -> Self {
        Self::Numbering(error)
    }
}

/// Numbers `thing` (a counter of its own, standing for a quote or a batch) with the next
/// number of the series `race`.
async fn number_thing(
    commands: &Commands,
    meta: &CommandMeta,
    thing: Uuid,
    refuse: bool,
) -> Result<u32, NumberedError> {
    let (sequence, _) = commands
        .numbered(
            meta,
            commands::Series::Counter("race"),
            thing,
            |commands::Number { sequence, now }| async move {
                if refuse {
                    return Err(NumberedError::Refused);
                }
                let decision = commands
                    .counters
                    .decide(
                        meta,
                        &domain::counter::aggregate_local_id(&format!("thing-{thing}"), now),
                        domain::counter::CounterCommand::Take { for_id: thing },
                        true,
                        now,
                    )
                    .await
                    .map_err(|error| NumberedError::Store(error.to_string()))?;
                Ok((sequence, decision))
            },
        )
        .await?;
    Ok(sequence)
}

#[tokio::test]
async fn writers_racing_for_a_number_get_consecutive_ones_and_a_refusal_spends_none() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let meta = CommandMeta::system(Uuid::new_v4(), "numbered");
    let writers = 4;
    let barrier = Arc::new(Barrier::new(writers));
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let (commands, meta, barrier) = (commands.clone(), meta.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                number_thing(&commands, &meta, Uuid::new_v4(), false).await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().expect("each writer gets a number"));
    }
    numbers.sort();
    assert_eq!(numbers, vec![1, 2, 3, 4], "distinct and consecutive");

    let refused = number_thing(&commands, &meta, Uuid::new_v4(), true).await;
    assert!(
        matches!(refused, Err(NumberedError::Refused)),
        "{refused:?}"
    );
    assert_eq!(
        number_thing(&commands, &meta, Uuid::new_v4(), false)
            .await
            .unwrap(),
        5,
        "the refused attempt committed nothing: its number is the next one's"
    );
    let counted: i64 = sqlx::query_scalar(
        "select count(*) from events where aggregate_type = 'counter' and aggregate_id like '%/counter/race/%'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(counted, 5, "one event per number committed");
    let numbered: i64 = sqlx::query_scalar(
        "select count(*) from events where aggregate_type = 'counter' and aggregate_id like '%/counter/thing-%'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(numbered, 5, "each number committed with what it numbers");
}
