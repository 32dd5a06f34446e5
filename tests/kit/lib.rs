//! Test kit: a fresh PostgreSQL database per test, the real server on a random port, and
//! a GraphQL client. Tests run in parallel: nothing here is shared between them.

pub mod smtp;
pub mod stripe;

use std::str::FromStr;

use api::config::{Config, LogFormat};
use api::Application;
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgPool};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How long [`eventually`] keeps polling before it fails the test.
///
/// A deadline to give up on what is not coming, not a bound on speed: the background work
/// waited for (the mailer, reactors, projections catching up) takes milliseconds, and a
/// loaded machine running the suite at `-j 1` must not fail a test by being slow. Speed is
/// measured by the benches (docs/performance.md), never here.
pub const EVENTUALLY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Short enough that a wait costs a test little more than the work it waits for.
const EVENTUALLY_POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// Polls `probe` until it finds something (`Some`) and returns it. What the server does in
/// the background (emails sent, reactors' rows, projections catching up, events) is waited
/// for here only, so that no test times out silently and then asserts on stale state: at
/// [`EVENTUALLY_DEADLINE`] the test fails, naming `what` it waited for. `what` is formatted
/// only then, so it may show the state at the deadline (see [`lazily`]).
pub async fn eventually<T, Probe, Found>(what: impl std::fmt::Display, mut probe: Probe) -> T
where
    Probe: FnMut() -> Found,
    Found: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + EVENTUALLY_DEADLINE;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("{what}: still not there after {EVENTUALLY_DEADLINE:?} (a deadline to give up, not a bound on speed)");
        }
        tokio::time::sleep(EVENTUALLY_POLL).await;
    }
}

/// A description written when it is shown: [`eventually`]'s failure can then say what was
/// there at the deadline rather than at the start of the wait.
pub fn lazily<Describe: Fn() -> String>(describe: Describe) -> impl std::fmt::Display {
    struct Lazily<Describe>(Describe);
    impl<Describe: Fn() -> String> std::fmt::Display for Lazily<Describe> {
        fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str(&(self.0)())
        }
    }
    Lazily(describe)
}

/// The server tests create their databases on; `TEST_DATABASE_URL` overrides it.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Logs stay silent unless `TEST_LOG=1`.
fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        api::telemetry::init("info,sqlx=warn", LogFormat::Pretty);
    }
}

/// A database of its own, dropped when the test ends.
pub struct TestDb {
    pub pool: PgPool,
    pub url: String,
    name: String,
    server: PgConnectOptions,
}

impl TestDb {
    /// A fresh, migrated database.
    pub async fn new() -> Self {
        let db = Self::empty().await;
        api::db::MIGRATOR.run(&db.pool).await.expect("migrations");
        db
    }

    /// A fresh database with no table at all.
    pub async fn empty() -> Self {
        init_logs();
        let server = PgConnectOptions::from_str(&server_url()).expect("TEST_DATABASE_URL");
        let name = format!("tg_test_{}", Uuid::new_v4().simple());
        let mut admin = server.clone().connect().await.expect(
            "PostgreSQL must answer at TEST_DATABASE_URL (default 127.0.0.1:5432): see README",
        );
        admin
            .execute(format!("create database {name}").as_str())
            .await
            .expect("create test database");
        admin.close().await.ok();
        let options = server.clone().database(&name);
        let url = options.to_url_lossy().to_string();
        let pool = api::db::connect_with(options, 10).await.expect("connect");
        Self {
            pool,
            url,
            name,
            server,
        }
    }

    /// A pool on this database logged in as `role` (`thermogestion_request`,
    /// `thermogestion_projector`: migration 0032) instead of the superuser `postgres`, which
    /// row-level security does not bind.
    pub async fn pool_as(&self, role: &str) -> PgPool {
        let options = self.server.clone().database(&self.name).username(role);
        api::db::connect_with(options, 4)
            .await
            .unwrap_or_else(|error| panic!("connect as {role}: {error}"))
    }

    /// The URL of this database for `role` (no password: the local server trusts).
    pub fn url_as(&self, role: &str) -> String {
        self.server
            .clone()
            .database(&self.name)
            .username(role)
            .to_url_lossy()
            .to_string()
    }

    /// Events written by requests. The mailer's delivery facts (`EmailSent`, `EmailFailed`)
    /// arrive on their own schedule, and the catalogue is seeded at each start, so "nothing
    /// written" checks leave them out.
    pub async fn event_count(&self) -> i64 {
        sqlx::query_scalar(
            "select count(*) from events where aggregate_type <> 'email' and event_type <> 'CatalogueSeeded'",
        )
            .fetch_one(&self.pool)
            .await
            .expect("count events")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs outside async: a thread with its own runtime drops the database.
        let (server, name) = (self.server.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                if let Ok(mut admin) = server.connect().await {
                    let _ = admin
                        .execute(format!("drop database if exists {name} with (force)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

/// The real server, on a random port, against its own database.
pub struct TestApp {
    pub address: String,
    /// `METRICS_ADDR`'s address, when the test gave one.
    pub metrics_address: Option<String>,
    pub db: TestDb,
    /// Receives every email the app sends.
    pub mail: smtp::SmtpSink,
    pub client: reqwest::Client,
    pub state: api::AppState,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Rate limits (`RATE_LIMIT_*`) so high that a test driving hundreds of logins, sign-ups,
/// resets and invitations from one address exercises what it tests, not the budget of
/// `api::limits`; add them to `spawn_app_with`'s list. Tests of the limits themselves keep
/// the defaults or set their own.
pub fn generous_rate_limits() -> Vec<(&'static str, String)> {
    [
        "RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE",
        "RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE",
        "RATE_LIMIT_SIGN_UP_PER_IP_PER_HOUR",
        "RATE_LIMIT_RESET_PER_ACCOUNT_PER_HOUR",
        "RATE_LIMIT_INVITATIONS_PER_WORKSPACE_PER_HOUR",
        "RATE_LIMIT_REQUESTS_PER_USER_PER_MINUTE",
        "RATE_LIMIT_REQUESTS_PER_WORKSPACE_PER_MINUTE",
        "RATE_LIMIT_TEST_EMAILS_PER_WORKSPACE_PER_HOUR",
    ]
    .into_iter()
    .map(|name| (name, "1000000".to_owned()))
    .collect()
}

/// The server with extra configuration (`NAME`, value), e.g. an OAuth provider's endpoints.
pub async fn spawn_app_with(extra: &[(&str, String)]) -> TestApp {
    let extra: std::collections::HashMap<String, String> = extra
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
    let db = TestDb::new().await;
    // As in production (ADR 0013): requests as the request role, which owns nothing and is
    // bound by row-level security; runners, reactors and jobs as the projector; migrations as
    // the owner. `TEST_OWNER_ROLES=1` runs everything as `postgres`, as before.
    let owner_only = std::env::var_os("TEST_OWNER_ROLES").is_some();
    let url = if owner_only {
        db.url.clone()
    } else {
        db.url_as(projections::tenant::REQUEST_ROLE)
    };
    let projector_url = if owner_only {
        db.url.clone()
    } else {
        db.url_as(projections::tenant::PROJECTOR_ROLE)
    };
    let owner_url = db.url.clone();
    let mail = smtp::SmtpSink::start().await;
    let smtp_url = mail.url();
    // Each test's photos in a folder of its own.
    let storage = format!(
        "file://{}",
        std::env::temp_dir()
            .join(format!("thermogestion-test-{}", Uuid::new_v4()))
            .display()
    );
    let config = Config::from_lookup(|name| match name {
        "STORAGE_URL" if !extra.contains_key("STORAGE_URL") => Some(storage.clone()),
        "DATABASE_URL" => Some(url.clone()),
        "PROJECTOR_DATABASE_URL" => Some(projector_url.clone()),
        "MIGRATION_DATABASE_URL" => Some(owner_url.clone()),
        "SMTP_URL" => Some(smtp_url.clone()),
        "PUBLIC_BASE_URL" => Some("https://app.thermogestion.test".to_owned()),
        "THERMOGESTION_ADDR" => Some("127.0.0.1:0".to_owned()),
        // The TLS SMTP sink's authority (`smtp::SmtpSink::start_tls`).
        "SMTP_EXTRA_ROOT_CERTIFICATES" if !extra.contains_key("SMTP_EXTRA_ROOT_CERTIFICATES") => {
            Some(smtp::TEST_CA.to_owned())
        }
        "THERMOGESTION_ENV" if !extra.contains_key("THERMOGESTION_ENV") => {
            Some("development".to_owned())
        }
        "DATABASE_MAX_CONNECTIONS" => Some("10".to_owned()),
        other => extra.get(other).cloned(),
    })
    .expect("test config");
    let app = Application::build(&config).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let shutdown = app.shutdown_handle();
    let state = app.state().clone();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        metrics_address,
        db,
        mail,
        client: reqwest::Client::new(),
        state,
        shutdown,
        server: Some(server),
    }
}

impl TestApp {
    /// Posts a GraphQL operation and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_with_headers(query, variables, &[]).await
    }

    /// Posts a GraphQL operation with `token` as bearer.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let bearer = format!("Bearer {token}");
        self.graphql_with_headers(query, variables, &[("authorization", &bearer)])
            .await
    }

    /// Signs a new workshop up as its owner would: `signUp`, the link of the verification
    /// email (from the SMTP sink), `login`, then the second factor; returns the owner's full
    /// session.
    pub async fn sign_up(&self, workshop: &str, email: &str) -> Owner {
        let response = self
            .graphql(SIGN_UP, json!({ "input": sign_up_input(workshop, email) }))
            .await;
        assert!(
            response["data"]["signUp"]["message"].is_string(),
            "sign-up failed: {response}"
        );
        self.verify_email(email).await;
        let login = self.login(email, None).await;
        let session = &login["data"]["login"]["session"];
        assert!(session.is_object(), "login after sign-up failed: {login}");
        let enrolled = self
            .enrol_two_factor(session["accessToken"].as_str().unwrap())
            .await;
        Owner {
            access_token: enrolled.access_token,
            refresh_token: enrolled.refresh_token,
            workspace_id: session["workspaceId"].as_str().unwrap().parse().unwrap(),
            email: email.to_owned(),
            totp_secret: enrolled.secret,
            recovery_codes: enrolled.recovery_codes,
        }
    }

    /// The verification email sent to `email`, waited for (the mailer sends it in the
    /// background), and its link followed.
    pub async fn verify_email(&self, email: &str) {
        let token = self.verification_token(email).await;
        let verified = self
            .graphql(
                "mutation($token: String!) { verifyEmail(token: $token) }",
                json!({ "token": token }),
            )
            .await;
        assert_eq!(verified["data"]["verifyEmail"], true, "{verified}");
    }

    /// The token of the latest verification email to `email`.
    pub async fn verification_token(&self, email: &str) -> String {
        self.mail
            .wait_for_to(email, "/verifier-email?jeton=")
            .await
            .token()
            .expect("a verification link")
    }

    /// Enrols the second factor of the session `access_token` belongs to.
    pub async fn enrol_two_factor(&self, access_token: &str) -> Enrolled {
        let started = self
            .graphql_as(access_token, START_ENROLMENT, json!({}))
            .await;
        let secret = started["data"]["startTwoFactorEnrolment"]["secret"]
            .as_str()
            .unwrap_or_else(|| panic!("enrolment did not start: {started}"))
            .to_owned();
        let confirmed = self
            .graphql_as(
                access_token,
                CONFIRM_ENROLMENT,
                json!({ "code": totp_code(&secret, 0) }),
            )
            .await;
        let enabled = &confirmed["data"]["confirmTwoFactorEnrolment"];
        assert!(enabled.is_object(), "enrolment failed: {confirmed}");
        Enrolled {
            secret,
            recovery_codes: enabled["recoveryCodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|code| code.as_str().unwrap().to_owned())
                .collect(),
            access_token: enabled["session"]["accessToken"]
                .as_str()
                .unwrap()
                .to_owned(),
            refresh_token: enabled["session"]["refreshToken"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    pub async fn graphql_with_headers(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("graphql request");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.json().await.expect("graphql json")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("GET")
    }

    /// Stops the server as SIGTERM would and waits for it to finish.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server error");
        }
    }
}

/// The `extensions.code` of the first GraphQL error, if any.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

/// One string field of every node of a connection, in order: `data.<list>.edges[].node.<field>`.
/// Panics with the whole response when the list is missing, so an error shows in the failure.
pub fn node_strings(response: &Value, list: &str, field: &str) -> Vec<String> {
    response["data"][list]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|edge| {
            edge["node"][field]
                .as_str()
                .unwrap_or_else(|| panic!("no {field} in {response}"))
                .to_owned()
        })
        .collect()
}

/// Sends `command` to the workspace aggregate of `workspace_id` as the platform would, and
/// fails the test if it is refused.
pub async fn workspace_command(
    commands: &commands::Commands,
    workspace_id: Uuid,
    command: domain::workspace::WorkspaceCommand,
) -> commands::CommandReceipt {
    let meta = commands::CommandMeta::system(workspace_id, "test");
    commands
        .workspaces
        .execute(&meta, domain::workspace::AGGREGATE_LOCAL_ID, command)
        .await
        .expect("workspace command refused")
}

/// The consent every sign-up in tests gives.
pub fn consent() -> domain::workspace::Consent {
    domain::workspace::Consent {
        terms_version: "2026-11".into(),
        privacy_policy_version: "2026-11".into(),
        data_processing: true,
    }
}

/// A sign-up command with a fresh owner: four events (registration, consent, trial, owner).
pub fn register(name: impl Into<String>) -> domain::workspace::WorkspaceCommand {
    domain::workspace::WorkspaceCommand::SignUp {
        name: name.into(),
        owner: Uuid::new_v4(),
        consent: consent(),
        trial_days: domain::platform::catalogue::DEFAULT_TRIAL_DAYS,
    }
}

pub const SIGN_UP: &str =
    "mutation($input: SignUpInput!) { signUp(input: $input) { email message } }";

/// The `signUp` input of a workshop, with a password that passes the rules.
pub fn sign_up_input(workshop: &str, email: &str) -> Value {
    json!({
        "workshopName": workshop,
        "email": email,
        "password": PASSWORD,
        "phone": "+33 6 12 34 56 78",
        "consent": { "termsVersion": "2026-11", "privacyPolicyVersion": "2026-11", "dataProcessing": true },
    })
}

/// A signed-in owner of a fresh workspace, second factor enrolled.
#[derive(Debug, Clone)]
pub struct Owner {
    pub access_token: String,
    pub refresh_token: String,
    pub workspace_id: Uuid,
    pub email: String,
    pub totp_secret: String,
    pub recovery_codes: Vec<String>,
}

/// The TOTP code of `secret` for the step `offset` steps from now (-1, 0, 1 are accepted).
pub fn totp_code(secret: &str, offset: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    totp.generate((now + offset * 30) as u64)
}

/// What enrolling the second factor gives.
pub struct Enrolled {
    pub secret: String,
    pub recovery_codes: Vec<String>,
    pub access_token: String,
    pub refresh_token: String,
}

pub const START_ENROLMENT: &str =
    "mutation { startTwoFactorEnrolment { secret otpauthUri qrSvg } }";
pub const CONFIRM_ENROLMENT: &str =
    "mutation($code: String!) { confirmTwoFactorEnrolment(code: $code) {
    recoveryCodes session { accessToken refreshToken } } }";

pub fn rename(name: impl Into<String>) -> domain::workspace::WorkspaceCommand {
    domain::workspace::WorkspaceCommand::Rename { name: name.into() }
}

pub const PASSWORD: &str = "Poudre-Epoxy-7016!";

pub const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) {
    session { accessToken refreshToken workspaceId role } workspaces { id name role } } }";

/// A member of a workspace, signed in there.
#[derive(Debug, Clone)]
pub struct Member {
    pub account_id: Uuid,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    /// Creates an account and adds it to `workspace_id` with `role`, as an accepted invitation
    /// would, then logs it in there.
    pub async fn add_member(&self, workspace_id: Uuid, role: domain::Role) -> Member {
        let (account_id, email) = self.join(workspace_id, role).await;
        let login = self.login(&email, Some(workspace_id)).await;
        let session = &login["data"]["login"]["session"];
        assert!(session.is_object(), "login of a new member failed: {login}");
        let access_token = session["accessToken"].as_str().unwrap().to_owned();
        let refresh_token = session["refreshToken"].as_str().unwrap().to_owned();
        let (access_token, refresh_token) = if role.requires_two_factor() {
            let enrolled = self.enrol_two_factor(&access_token).await;
            (enrolled.access_token, enrolled.refresh_token)
        } else {
            (access_token, refresh_token)
        };
        Member {
            account_id,
            email,
            access_token,
            refresh_token,
        }
    }

    /// An editor of the platform (`thermogestion editor add`), logged in with the second
    /// factor set up: what the back office asks.
    pub async fn editor(&self) -> Member {
        let email = format!("editeur-{}@thermogestion.fr", Uuid::new_v4().simple());
        let account = commands::account::NewAccount::parse(&email, None, PASSWORD.to_owned())
            .expect("valid account");
        let account_id = commands::account::create_account(&self.db.pool, account)
            .await
            .expect("editor account");
        commands::account::mark_email_verified(&self.db.pool, account_id)
            .await
            .expect("verified");
        let added = commands::editor::add(&self.db.pool, &email)
            .await
            .expect("editor added");
        assert!(added.password.is_none(), "the account existed");
        let login = self.login(&email, None).await;
        let session = &login["data"]["login"]["session"];
        assert_eq!(session["role"], "EDITOR", "{login}");
        let enrolled = self
            .enrol_two_factor(session["accessToken"].as_str().unwrap())
            .await;
        Member {
            account_id,
            email,
            access_token: enrolled.access_token,
            refresh_token: enrolled.refresh_token,
        }
    }

    /// A request to the editor's back office.
    pub async fn editor_graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("{}/editor/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("editor request")
            .json()
            .await
            .expect("editor response")
    }

    /// Creates an account and adds it to `workspace_id` with `role`, without logging in.
    pub async fn join(&self, workspace_id: Uuid, role: domain::Role) -> (Uuid, String) {
        let email = format!("{}-{}@atelier.fr", role.as_str(), Uuid::new_v4().simple());
        let account = commands::account::NewAccount::parse(&email, None, PASSWORD.to_owned())
            .expect("valid account");
        let account_id = commands::account::create_account(&self.db.pool, account)
            .await
            .expect("create account");
        // As accepting an invitation does: the link proved the address.
        commands::account::mark_email_verified(&self.db.pool, account_id)
            .await
            .expect("verify address");
        let meta = commands::CommandMeta::system(workspace_id, "test-add-member");
        let receipt = self
            .state
            .commands
            .workspaces
            .execute(
                &meta,
                domain::workspace::AGGREGATE_LOCAL_ID,
                domain::workspace::WorkspaceCommand::AddMember { account_id, role },
            )
            .await
            .expect("add member");
        self.state
            .settle(&receipt, &[projections::member::NAME])
            .await
            .expect("member projected");
        (account_id, email)
    }

    /// The raw `login` response for `email` with the test password.
    pub async fn login(&self, email: &str, workspace_id: Option<Uuid>) -> Value {
        self.graphql(
            LOGIN,
            json!({ "input": { "email": email, "password": PASSWORD,
                               "workspaceId": workspace_id.map(|id| id.to_string()) } }),
        )
        .await
    }
}

/// Two workshops with data, for tenant-isolation tests: everything of A must stay invisible
/// from B.
pub struct TwoWorkspaces {
    pub a: Owner,
    pub a_member: Member,
    pub a_name: String,
    pub b: Owner,
}

impl TestApp {
    pub async fn two_workspaces(&self) -> TwoWorkspaces {
        let a_name = format!("Atelier A {}", Uuid::new_v4().simple());
        let a = self
            .sign_up(
                &a_name,
                &format!("a-{}@atelier-a.fr", Uuid::new_v4().simple()),
            )
            .await;
        let a_member = self
            .add_member(a.workspace_id, domain::Role::Operator)
            .await;
        let b = self
            .sign_up(
                "Atelier B",
                &format!("b-{}@atelier-b.fr", Uuid::new_v4().simple()),
            )
            .await;
        TwoWorkspaces {
            a,
            a_member,
            a_name,
            b,
        }
    }
}

/// One GraphQL operation to try from workspace B.
pub struct Probe {
    pub query: &'static str,
    pub variables: Value,
    /// The operation names one of A's ids: it must answer `NOT_FOUND`, never `FORBIDDEN`,
    /// so B learns nothing of what exists in A.
    pub targets_a: bool,
}

impl TwoWorkspaces {
    /// Strings that would betray A's data in any answer given to B.
    pub fn secrets_of_a(&self) -> Vec<String> {
        vec![
            self.a.workspace_id.to_string(),
            self.a_member.account_id.to_string(),
            self.a_member.email.clone(),
            self.a_name.clone(),
        ]
    }

    /// Runs each probe as B's owner and fails on any trace of A.
    pub async fn assert_isolated(&self, app: &TestApp, probes: &[Probe]) {
        for probe in probes {
            let events = app.db.event_count().await;
            let response = app
                .graphql_as(&self.b.access_token, probe.query, probe.variables.clone())
                .await;
            let text = response.to_string();
            if probe.targets_a {
                assert_eq!(
                    error_code(&response),
                    Some("NOT_FOUND"),
                    "{}: {response}",
                    probe.query
                );
                assert_eq!(
                    app.db.event_count().await,
                    events,
                    "{}: wrote an event",
                    probe.query
                );
                assert!(response["data"].is_null(), "{}: {response}", probe.query);
            } else {
                assert!(response["errors"].is_null(), "{}: {response}", probe.query);
            }
            // Ids given in the request may be echoed in an error path; the data may not hold them.
            let data = response["data"].to_string();
            for secret in self.secrets_of_a() {
                assert!(
                    !data.contains(&secret),
                    "{} leaked {secret}: {text}",
                    probe.query
                );
            }
        }
    }
}
