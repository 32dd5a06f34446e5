//! The `thermogestion` binary itself, against a database of its own.

use std::process::{Command, Output};

use sqlx::{Connection, Executor, PgConnection};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";

struct Database {
    url: String,
    name: String,
}

impl Database {
    fn new() -> Self {
        let name = format!("tg_cli_{}", uuid::Uuid::new_v4().simple());
        let server = std::env::var("TEST_DATABASE_URL")
            .ok()
            .and_then(|url| url.rsplit_once('/').map(|(server, _)| server.to_owned()))
            .unwrap_or_else(|| SERVER.to_owned());
        Self {
            url: format!("{server}/{name}"),
            name,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_thermogestion"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("THERMOGESTION_LOG_FORMAT", "pretty")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run thermogestion")
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (url, name) = (self.url.replace(&self.name, "postgres"), self.name.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            if let Ok(mut admin) = PgConnection::connect(&url).await {
                let _ = admin
                    .execute(format!("drop database if exists {name} with (force)").as_str())
                    .await;
            }
        });
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
