//! What the binary's tests share: the PostgreSQL server they use, and dropping the databases
//! they create.

use sqlx::{Connection, Executor, PgConnection};

const LOCAL: &str = "postgres://postgres@127.0.0.1:5432";

/// The server of `TEST_DATABASE_URL` (its database name left out), or the local one.
pub fn server() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .and_then(|url| url.rsplit_once('/').map(|(server, _)| server.to_owned()))
        .unwrap_or_else(|| LOCAL.to_owned())
}

/// Drops `database` on `server`, on a thread and runtime of its own: callable from `Drop`,
/// whether or not the test runs in a runtime.
pub fn drop_database(server: &str, database: &str) {
    let url = format!("{server}/postgres");
    let statement = format!("drop database if exists {database} with (force)");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            if let Ok(mut admin) = PgConnection::connect(&url).await {
                let _ = admin.execute(statement.as_str()).await;
            }
        });
    })
    .join()
    .unwrap();
}
