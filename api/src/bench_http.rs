//! `thermogestion bench-http`: the server as a browser meets it. The real application (HTTP,
//! GraphQL, commands, every projection and reactor, the mailer) serves on a local port, in a
//! throw-away database; N workshops, each signed up with its second factor, send
//! `createClient` in parallel, each request answering only once its read model shows the
//! client (read-your-writes). Prints latency percentiles, the process' memory and the
//! database connections while busy and once idle (docs/performance.md). Never run by tests.

use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;

use crate::bench::percentile;
use crate::config::Config;
use crate::db;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchHttpArgs {
    /// Workshops writing in parallel, one HTTP client each.
    #[arg(long, default_value_t = 10)]
    pub workshops: usize,
    /// `createClient` requests per workshop.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Everything as the bench's `DATABASE_URL` on one pool (figures before ADR 0013's
    /// roles), instead of the request and projector roles on their own pools.
    #[arg(long)]
    pub as_owner: bool,
}

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { message } }";
const LOGIN: &str =
    "mutation($input: LoginInput!) { login(input: $input) { session { accessToken } } }";
const START: &str = "mutation { startTwoFactorEnrolment { secret } }";
const CONFIRM: &str = "mutation($code: String!) { confirmTwoFactorEnrolment(code: $code) {
    session { accessToken } } }";
const CREATE_CLIENT: &str = "mutation($input: ClientInput!) { createClient(input: $input) {
    id displayName } }";

pub async fn run(config: &Config, args: BenchHttpArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.workshops > 0 && args.requests > 0,
        "all counts must be positive"
    );
    let base = PgConnectOptions::from_str(config.database_url())?;
    let name = format!(
        "{}_bench_http",
        base.get_database().unwrap_or("thermogestion")
    );
    commands::database::recreate(&base.clone().database(&name)).await?;
    // As in production (ADR 0013): migrations as the owner (the bench's `DATABASE_URL`),
    // requests as the request role under row-level security, workers as the projector, each
    // on its own pool.
    // The roles log in without a password: this bench runs on a trust-authenticated server.
    use sqlx::ConnectOptions;
    let bench = base.clone().database(&name);
    let as_role = |role: &str| bench.clone().username(role).to_url_lossy().to_string();
    let owner_url = match config.database_url().rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => anyhow::bail!("DATABASE_URL has no database name"),
    };
    let mut config = config.clone();
    if args.as_owner {
        config.database_url = SecretString::from(owner_url);
        config.migration_database_url = None;
        config.projector_database_url = None;
    } else {
        config.migration_database_url = Some(SecretString::from(owner_url));
        config.database_url = SecretString::from(as_role(projections::tenant::REQUEST_ROLE));
        config.projector_database_url = Some(SecretString::from(as_role(
            projections::tenant::PROJECTOR_ROLE,
        )));
    }
    config.addr = "127.0.0.1:0".parse()?;
    // A load test measures the server, not the per-user budgets it would throttle at.
    let unlimited = std::num::NonZeroU32::MAX;
    config.rate_limits.requests_per_user_per_minute = unlimited;
    config.rate_limits.requests_per_workspace_per_minute = unlimited;
    config.rate_limits.sign_up_per_ip_per_hour = unlimited;
    let app = crate::app::Application::build(&config).await?;
    let port = app.port();
    let stop = app.shutdown_handle();
    let server = tokio::spawn(app.run_until_stopped());
    let endpoint = format!("http://127.0.0.1:{port}/graphql");
    let observer = db::connect_with(base.clone().database("postgres"), 1).await?;
    let bench_db = db::connect_with(base.database(&name), 1).await?;

    let mut tokens = Vec::new();
    for workshop in 0..args.workshops {
        tokens.push(owner_session(&endpoint, &bench_db, workshop).await?);
    }
    bench_db.close().await;
    println!(
        "bench-http database {name}: {} workshops × {} createClient, port {port}, {}",
        args.workshops,
        args.requests,
        if args.as_owner {
            "one pool as the owner"
        } else {
            "request and projector roles, two pools"
        }
    );
    let signed_up = memory();
    println!(
        "process memory after the sign-ups: RSS {} MiB, peak {} MiB",
        signed_up.0 / 1024,
        signed_up.1 / 1024
    );

    let busy = Arc::new(AtomicI64::new(0));
    let sampling = tokio::spawn(sample_connections(
        observer.clone(),
        name.clone(),
        busy.clone(),
    ));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (workshop, token) in tokens.into_iter().enumerate() {
        let endpoint = endpoint.clone();
        let requests = args.requests;
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut latencies = Vec::with_capacity(requests);
            for n in 0..requests {
                let input = json!({ "kind": "PROFESSIONAL",
                                    "companyName": format!("Carrosserie {workshop}-{n}") });
                let started = Instant::now();
                let answer = graphql(
                    &http,
                    &endpoint,
                    Some(&token),
                    CREATE_CLIENT,
                    json!({ "input": input }),
                )
                .await?;
                latencies.push(started.elapsed().as_secs_f64() * 1e3);
                anyhow::ensure!(
                    answer["data"]["createClient"]["id"].is_string()
                        && answer.get("extensions").is_none(),
                    "createClient did not read back: {answer}"
                );
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    sampling.abort();
    let memory = memory();
    latencies.sort_by(f64::total_cmp);
    println!(
        "createClient through HTTP: {:.0} requests/s; latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} requests)",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0),
        latencies.len(),
    );
    println!(
        "process memory (server and its HTTP clients): RSS {} MiB, peak {} MiB",
        memory.0 / 1024,
        memory.1 / 1024
    );
    println!(
        "database connections while busy: at most {}",
        busy.load(Ordering::Relaxed)
    );
    // The pool gives its idle connections back after `db::IDLE_TIMEOUT`; the reaper runs as
    // often, so twice that is enough to see the idle figure.
    tokio::time::sleep(db::IDLE_TIMEOUT * 2 + Duration::from_secs(5)).await;
    println!(
        "database connections once idle: {}",
        projections::database::connections(&observer, &name).await?
    );
    let idle = projections::database::connections_by_last_query(&observer, &name).await?;
    for (query, count) in idle {
        println!("  {count} × last query: {query}");
    }
    let _ = stop.send(true);
    server.await??;
    observer.close().await;
    Ok(())
}

/// Signs workshop `n` up, proves the owner's address (as its emailed link would), logs in
/// and enrols the second factor; returns the access token.
async fn owner_session(
    endpoint: &str,
    bench_db: &sqlx::PgPool,
    n: usize,
) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let email = format!("gerant{n}@banc.thermogestion.local");
    let password = "Banc-d-essai-2026!";
    let signed_up = graphql(
        &http,
        endpoint,
        None,
        SIGN_UP,
        json!({ "input": {
            "workshopName": format!("Atelier banc {n}"),
            "email": email,
            "password": password,
            "consent": { "termsVersion": "2026-11", "privacyPolicyVersion": "2026-11",
                         "dataProcessing": true },
        } }),
    )
    .await?;
    anyhow::ensure!(
        signed_up["data"]["signUp"]["message"].is_string(),
        "sign-up failed: {signed_up}"
    );
    let address = domain::identity::Email::parse(&email)?;
    let account_id = commands::account::find_by_email(bench_db, &address)
        .await?
        .context("the bench owner's account")?;
    commands::account::mark_email_verified(bench_db, account_id).await?;
    let login = graphql(
        &http,
        endpoint,
        None,
        LOGIN,
        json!({ "input": { "email": email, "password": password } }),
    )
    .await?;
    let token = login["data"]["login"]["session"]["accessToken"]
        .as_str()
        .with_context(|| format!("login failed: {login}"))?
        .to_owned();
    let started = graphql(&http, endpoint, Some(&token), START, json!({})).await?;
    let secret = started["data"]["startTwoFactorEnrolment"]["secret"]
        .as_str()
        .with_context(|| format!("enrolment failed: {started}"))?;
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        totp_rs::Secret::Encoded(secret.to_owned())
            .to_bytes()
            .map_err(|error| anyhow::anyhow!("{error:?}"))?,
        None,
        String::new(),
    )?;
    let confirmed = graphql(
        &http,
        endpoint,
        Some(&token),
        CONFIRM,
        json!({ "code": totp.generate_current()? }),
    )
    .await?;
    Ok(
        confirmed["data"]["confirmTwoFactorEnrolment"]["session"]["accessToken"]
            .as_str()
            .with_context(|| format!("enrolment failed: {confirmed}"))?
            .to_owned(),
    )
}

async fn graphql(
    http: &reqwest::Client,
    endpoint: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let mut request = http
        .post(endpoint)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Ok(request.send().await?.json().await?)
}

/// Keeps the highest connection count seen, every 50 ms.
async fn sample_connections(observer: sqlx::PgPool, database: String, busy: Arc<AtomicI64>) {
    loop {
        if let Ok(count) = projections::database::connections(&observer, &database).await {
            busy.fetch_max(count, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (VmRSS, VmHWM) of this process in KiB, from `/proc/self/status`.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
