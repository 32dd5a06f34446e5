//! The `thermogestion` binary itself, against a database of its own.

use std::process::{Command, Output};

mod common;

use sqlx::{Connection, PgConnection};

struct Database {
    server: String,
    url: String,
    name: String,
}

impl Database {
    fn new() -> Self {
        let name = format!("tg_cli_{}", uuid::Uuid::new_v4().simple());
        let server = common::server();
        Self {
            url: format!("{server}/{name}"),
            server,
            name,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_thermogestion"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("THERMOGESTION_ENV", "development")
            .env("THERMOGESTION_LOG_FORMAT", "pretty")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run thermogestion")
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        common::drop_database(&self.server, &self.name);
    }
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn demo_replay_and_migrations_from_the_command_line() {
    let database = Database::new();
    let demo = stdout(&database.run(&["demo"]));
    assert!(demo.contains("created"), "{demo}");
    let again = stdout(&database.run(&["demo"]));
    assert!(
        again.contains("already present"),
        "seeding is idempotent: {again}"
    );

    // The demo log: 4 sign-up events, 6 powders, 12 stock movements, 2 clients, 3 quotes
    // with their 3 numbers, 2 sendings, 1 signature with its acceptance.
    let replay = stdout(&database.run(&["replay", "workspace"]));
    assert!(
        replay.contains("workspace: read 34 events, applied 2"),
        "{replay}"
    );
    let replay = stdout(&database.run(&["replay", "powder_stock"]));
    assert!(
        replay.contains("powder_stock: read 34 events, applied 12"),
        "{replay}"
    );

    let unknown = database.run(&["replay", "nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no projection named \"nope\""));

    let down = stdout(&database.run(&["migrate", "--down", "1"]));
    assert!(down.starts_with("rolled back migrations ["), "{down}");
    stdout(&database.run(&["migrate"]));
    let replay_all = stdout(&database.run(&["replay"]));
    assert!(
        replay_all.contains("workspace: read 34 events, applied 2"),
        "{replay_all}"
    );

    let schema = stdout(&database.run(&["schema"]));
    assert!(schema.contains("signUp(input: SignUpInput!)"));
}

#[test]
fn parked_sequences_are_listed_and_retried_once_from_the_command_line() {
    let database = Database::new();
    stdout(&database.run(&["demo"]));
    // Park the demo workshop for `workspace` at its registration, as a failed apply would.
    let url = database.url.clone();
    let workspace: uuid::Uuid = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let mut conn = PgConnection::connect(&url).await.unwrap();
            sqlx::query_scalar(
                "insert into projection_parked (projection, workspace_id, transaction_id,
                   global_position, event_id, event_type, error_kind, error)
                 select 'workspace', workspace_id, transaction_id, global_position, event_id,
                        event_type, '23505', 'duplicate key value'
                 from events where event_type = 'WorkspaceRegistered'
                 order by global_position limit 1
                 returning workspace_id",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap()
        });
    let parked = stdout(&database.run(&["projections", "parked"]));
    assert!(
        parked.contains(&format!("parked: workspace workspace {workspace}"))
            && parked.contains("WorkspaceRegistered")
            && parked.contains("duplicate key value"),
        "{parked}"
    );
    let retried = stdout(&database.run(&["projections", "retry", "--projection", "workspace"]));
    assert!(
        retried.contains(&format!("applied: workspace workspace {workspace}"))
            && retried.contains("WorkspaceRegistered ×1"),
        "{retried}"
    );
    let parked = stdout(&database.run(&["projections", "parked"]));
    assert!(parked.contains("no parked workspace"), "{parked}");
    let again = stdout(&database.run(&["projections", "retry"]));
    assert!(again.contains("nothing parked matches"), "{again}");
    let unknown = database.run(&["projections", "retry", "--projection", "nope"]);
    assert!(!unknown.status.success());
}

/// Without `THERMOGESTION_ENV` the binary is in production: it refuses to start on the
/// development secrets published in the source, says which variable to set, and never
/// seeds the demo (its password is public).
#[test]
fn production_is_the_default_and_wants_real_secrets() {
    let database = Database::new();
    let run = |env: &[(&str, &str)], args: &[&str]| -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_thermogestion"));
        command
            .args(args)
            .env_remove("THERMOGESTION_ENV")
            .env_remove("THERMOGESTION_JWT_SECRET")
            .env_remove("THERMOGESTION_SECRET_KEY")
            .env("DATABASE_URL", &database.url)
            .env("THERMOGESTION_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run thermogestion")
    };
    let refused = run(&[], &["serve"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("THERMOGESTION_JWT_SECRET"), "{said}");
    assert!(said.contains("THERMOGESTION_ENV=development"), "{said}");

    let published = run(
        &[("THERMOGESTION_JWT_SECRET", api::config::DEV_JWT_SECRET)],
        &["serve"],
    );
    assert!(!published.status.success());
    assert!(String::from_utf8_lossy(&published.stderr).contains("refuse"));

    let secrets = [
        (
            "THERMOGESTION_JWT_SECRET",
            "a-real-secret-of-more-than-thirty-two-bytes",
        ),
        (
            "THERMOGESTION_SECRET_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ),
    ];
    for args in [&["serve", "--demo"][..], &["demo"][..]] {
        let demo = run(&secrets, args);
        assert!(!demo.status.success(), "{args:?}");
        let said = String::from_utf8_lossy(&demo.stderr);
        assert!(
            said.contains("la démo refuse THERMOGESTION_ENV=production"),
            "{said}"
        );
    }
}

/// `thermogestion editor add`: the first editor of the platform, its password shown once;
/// adding them again changes nothing; a workshop's member cannot be one.
#[test]
fn the_first_editor_is_added_from_the_command_line() {
    let database = Database::new();
    let added = stdout(&database.run(&["editor", "add", "editeur@thermogestion.fr"]));
    assert!(
        added.contains("éditeur editeur@thermogestion.fr"),
        "{added}"
    );
    assert!(added.contains("mot de passe"), "{added}");
    let again = stdout(&database.run(&["editor", "add", "editeur@thermogestion.fr"]));
    assert!(!again.contains("mot de passe"), "{again}");
    let demo = stdout(&database.run(&["demo"]));
    assert!(demo.contains("created"), "{demo}");
    let member = database.run(&["editor", "add", "gerant@demo.thermogestion.fr"]);
    assert!(!member.status.success());
    assert!(
        String::from_utf8_lossy(&member.stderr).contains("EDITOR_IS_A_MEMBER"),
        "{}",
        String::from_utf8_lossy(&member.stderr)
    );
}
