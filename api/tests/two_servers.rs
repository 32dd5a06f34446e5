//! Two `thermogestion serve` processes on one database (issue 16, item 5): every projection
//! effect is applied once whichever process took the write, and when the process holding the
//! leases is killed (SIGKILL, no goodbye), the other takes them over and carries on.
//!
//! Leases are session advisory locks on each process' feed connection; the processes are told
//! apart by the `application_name` of their connections.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

const OWNER_EMAIL: &str = "gerant@demo.thermogestion.fr";
const OWNER_PASSWORD: &str = "Demo-Thermolaquage-2026";
/// The fail-over bound the operations guide promises (leases are retried every second).
const TAKEOVER: Duration = Duration::from_secs(10);

struct Server {
    port: u16,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Cluster {
    server: String,
    database: String,
    dir: PathBuf,
    http: reqwest::Client,
}

impl Cluster {
    fn new() -> Self {
        let database = format!("tg_two_{}", uuid::Uuid::new_v4().simple());
        let server = common::server();
        let dir = std::env::temp_dir().join(&database);
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            server,
            database,
            dir,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, application: &str) -> String {
        format!(
            "{}/{}?application_name={application}",
            self.server, self.database
        )
    }

    fn command(&self, application: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_thermogestion"));
        command
            .current_dir(&self.dir)
            .env("DATABASE_URL", self.url(application))
            .env("THERMOGESTION_ENV", "development")
            .env("THERMOGESTION_LOG_FORMAT", "pretty")
            .env("RUST_LOG", "warn")
            .env("DATABASE_MAX_CONNECTIONS", "10");
        command
    }

    fn seed_demo(&self) {
        let output = self.command("seed").arg("demo").output().unwrap();
        assert!(output.status.success(), "{output:?}");
    }

    async fn start(&self, name: &'static str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(self.dir.join(format!("{name}.log"))).unwrap();
        let child = self
            .command(name)
            .arg("serve")
            .env("THERMOGESTION_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Server { port, child };
        // Startup (migrations, binding) is not what is measured: a generous bound.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = self
                .http
                .get(format!("http://127.0.0.1:{port}/ready"))
                .send()
                .await;
            if ready.is_ok_and(|response| response.status().is_success()) {
                return server;
            }
            assert!(Instant::now() < deadline, "{name} did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn graphql(
        &self,
        server: &Server,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut request = self
            .http
            .post(format!("http://127.0.0.1:{}/graphql", server.port))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// Owners reach nothing before their second factor (spec §11.2): enrols it, returns the
    /// session's new access token.
    async fn enrol_two_factor(&self, server: &Server, token: &str) -> String {
        let started = self
            .graphql(
                server,
                Some(token),
                "mutation { startTwoFactorEnrolment { secret } }",
                json!({}),
            )
            .await;
        let secret = started["data"]["startTwoFactorEnrolment"]["secret"]
            .as_str()
            .unwrap_or_else(|| panic!("{started}"));
        let totp = totp_rs::TOTP::new(
            totp_rs::Algorithm::SHA1,
            6,
            1,
            30,
            totp_rs::Secret::Encoded(secret.to_owned())
                .to_bytes()
                .unwrap(),
            None,
            String::new(),
        )
        .unwrap();
        let confirmed = self
            .graphql(
                server,
                Some(token),
                "mutation($code: String!) { confirmTwoFactorEnrolment(code: $code) { session { accessToken } } }",
                json!({ "code": totp.generate_current().unwrap() }),
            )
            .await;
        confirmed["data"]["confirmTwoFactorEnrolment"]["session"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{confirmed}"))
            .to_owned()
    }

    /// One reception of 2.5 kg and one new client through `server`, each read back at once.
    async fn write_round(&self, server: &Server, token: &str, powder: &str, round: usize) {
        let received = self
            .graphql(server, Some(token), RECEIVE, json!({ "id": powder }))
            .await;
        assert_eq!(received["data"]["receivePowder"], true, "{received}");
        let name = format!("Client {round} SARL");
        let created = self
            .graphql(server, Some(token), CREATE_CLIENT, json!({ "name": name }))
            .await;
        assert_eq!(
            created["data"]["createClient"]["companyName"], name,
            "{created}"
        );
        assert!(created.get("extensions").is_none(), "{created}");
    }

    /// Signs a workshop up through `server`, then logs in (signing up opens no session):
    /// the new workshop's id.
    async fn sign_up(&self, server: &Server, workshop: &str, email: &str) -> uuid::Uuid {
        let signed_up = self
            .graphql(server, None, SIGN_UP, sign_up(workshop, email))
            .await;
        assert!(
            signed_up["data"]["signUp"]["message"].is_string(),
            "{signed_up}"
        );
        let login = self
            .graphql(
                server,
                None,
                LOGIN,
                json!({ "input": { "email": email, "password": "Un-mot-de-passe-2026!" } }),
            )
            .await;
        login["data"]["login"]["session"]["workspaceId"]
            .as_str()
            .unwrap_or_else(|| panic!("{login}"))
            .parse()
            .unwrap()
    }

    async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url("checks")).await.unwrap()
    }

    /// Advisory locks (leases) held by each process, by its application name.
    async fn leases(&self, db: &mut PgConnection) -> (i64, i64) {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "select a.application_name, count(*)
             from pg_locks l join pg_stat_activity a on a.pid = l.pid
             where l.locktype = 'advisory' and l.granted
               and l.database = (select oid from pg_database where datname = current_database())
             group by 1",
        )
        .fetch_all(db)
        .await
        .unwrap();
        let held = |name: &str| {
            rows.iter()
                .find(|(application, _)| application == name)
                .map_or(0, |(_, count)| *count)
        };
        (held("serve_a"), held("serve_b"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        common::drop_database(&self.server, &self.database);
    }
}

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { session { accessToken workspaceId } } }";
const POWDERS: &str = "{ powders { nodes { id reference } } }";
const RECEIVE: &str = "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"2.5\") }";
const CREATE_CLIENT: &str =
    "mutation($name: String!) { createClient(input: { kind: PROFESSIONAL, companyName: $name }) { id companyName } }";
const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { message } }";

fn sign_up(workshop: &str, email: &str) -> Value {
    json!({ "input": {
        "workshopName": workshop,
        "email": email,
        "password": "Un-mot-de-passe-2026!",
        "phone": "+33 6 12 34 56 78",
        "consent": { "termsVersion": "2026-11", "privacyPolicyVersion": "2026-11", "dataProcessing": true },
    } })
}

/// Waits until `$done` (an expression that may `.await`) holds, at most `$bound`; says how
/// long it took.
macro_rules! within {
    ($bound:expr, $what:expr, $done:expr) => {{
        let start = Instant::now();
        while !$done {
            assert!(
                start.elapsed() < $bound,
                "{}: not within {:?}",
                $what,
                $bound
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        start.elapsed()
    }};
}

async fn stock(db: &mut PgConnection, workspace: uuid::Uuid, key: &str) -> rust_decimal::Decimal {
    sqlx::query_scalar(
        "select coalesce((select theoretical_kg from powder_stock
                          where workspace_id = $1 and powder_key = $2), 0)",
    )
    .bind(workspace)
    .bind(key)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn clients(db: &mut PgConnection, workspace: uuid::Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from client where workspace_id = $1")
        .bind(workspace)
        .fetch_one(db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_apply_each_effect_once_and_the_survivor_takes_over_after_a_kill() {
    let cluster = Cluster::new();
    cluster.seed_demo();
    let mut db = cluster.connect().await;

    // A alone takes every lease; B, started next, finds them taken.
    let a = cluster.start("serve_a").await;
    let mut subscribers = -1;
    let _ = within!(Duration::from_secs(30), "A takes its leases", {
        let (held, _) = cluster.leases(&mut db).await;
        let stable = held > 0 && held == subscribers;
        subscribers = held;
        stable
    });
    let b = cluster.start("serve_b").await;
    tokio::time::sleep(Duration::from_secs(2)).await; // two lease refreshes of B
    assert_eq!(cluster.leases(&mut db).await, (subscribers, 0));

    let login = cluster
        .graphql(
            &a,
            None,
            LOGIN,
            json!({ "input": { "email": OWNER_EMAIL, "password": OWNER_PASSWORD } }),
        )
        .await;
    let token = login["data"]["login"]["session"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned();
    let token = cluster.enrol_two_factor(&a, &token).await;
    let workspace: uuid::Uuid = login["data"]["login"]["session"]["workspaceId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let powders = cluster.graphql(&a, Some(&token), POWDERS, json!({})).await;
    let powder = powders["data"]["powders"]["nodes"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{powders}"))
        .to_owned();
    let powder_key = powder.clone();
    let stock_before = stock(&mut db, workspace, &powder_key).await;
    let clients_before = clients(&mut db, workspace).await;

    // Writes through both servers; A applies them all, and B's requests still read their
    // own writes (B waits on A's checkpoints).
    for round in 0..6 {
        let server = if round % 2 == 0 { &a } else { &b };
        cluster.write_round(server, &token, &powder, round).await;
    }
    let first = cluster.sign_up(&b, "Atelier Deux", "deux@example.fr").await;

    // SIGKILL: no graceful shutdown, no lock released by us; PostgreSQL ends A's sessions.
    let mut a = a;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let took = within!(
        TAKEOVER,
        "B takes every lease over",
        cluster.leases(&mut db).await == (0, subscribers)
    );
    eprintln!("two_servers: {subscribers} leases taken over by B in {took:?}");

    // B now applies on its own.
    for round in 6..9 {
        cluster.write_round(&b, &token, &powder, round).await;
    }
    let second = cluster
        .sign_up(&b, "Atelier Trois", "trois@example.fr")
        .await;

    // Each effect once: nine receptions of 2.5 kg, nine clients, three trial reminders per
    // new workshop (queued by a reactor in the transaction of its checkpoint).
    assert_eq!(
        stock(&mut db, workspace, &powder_key).await - stock_before,
        rust_decimal::Decimal::new(225, 1)
    );
    assert_eq!(clients(&mut db, workspace).await - clients_before, 9);
    let _ = within!(
        Duration::from_secs(30),
        "B's reactors queue the trial reminders",
        {
            let queued: i64 = sqlx::query_scalar(
                "select count(*) from email_outbox where workspace_id = $1 and kind like 'trial_%'",
            )
            .bind(second)
            .fetch_one(&mut db)
            .await
            .unwrap();
            queued >= 3
        }
    );
    let reminders: Vec<i64> = sqlx::query_scalar(
        "select count(*) from email_outbox where workspace_id = any($1) and kind like 'trial_%'
         group by workspace_id",
    )
    .bind(vec![first, second])
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(reminders, [3, 3]);
    // Every subscriber reaches the end of the log: nothing was skipped either.
    let _ = within!(
        Duration::from_secs(30),
        "every subscriber reaches the end of the log",
        {
            let done: i64 = sqlx::query_scalar(
                "select count(*) from projection_checkpoint
             where (transaction_id, global_position) >= (select transaction_id, global_position
               from events order by transaction_id desc, global_position desc limit 1)",
            )
            .fetch_one(&mut db)
            .await
            .unwrap();
            done == subscribers
        }
    );
    drop(b);
    drop(a);
}
