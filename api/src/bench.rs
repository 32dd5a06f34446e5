//! `thermogestion bench`: loads the event store in a throw-away database and prints figures
//! (docs/performance.md). Never run by tests: tests do not assert on wall-clock time.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use commands::{CommandMeta, Commands};
use domain::workspace::{Consent, WorkspaceCommand, AGGREGATE_LOCAL_ID};
use projections::engine::{self, LagRecorder, RunnerSettings};
use projections::Subscriptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::Config;
use crate::db;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Commands to append in all.
    #[arg(long, default_value_t = 10_000)]
    pub commands: usize,
    /// Concurrent writers, each working in its own workspace.
    #[arg(long, default_value_t = 8)]
    pub workspaces: usize,
    /// Commands per aggregate before a writer moves to a fresh one (aggregates stay bounded,
    /// as in the business: a quote or a project has a handful of events).
    #[arg(long, default_value_t = 5)]
    pub stream_length: usize,
    /// Emails to push through the mailer (rendered default template, delivery events on).
    #[arg(long, default_value_t = 1_000)]
    pub emails: usize,
    /// Where the mailer sends: an SMTP sink such as `smtp://127.0.0.1:2525`; by default
    /// `.eml` files in a temporary folder.
    #[arg(long)]
    pub smtp_url: Option<String>,
    /// What the writers send: workspace renames (the log's cost alone) or a workshop's
    /// realistic mix (clients, receptions, weighings, quotes; `bench_mix`).
    #[arg(long, value_enum, default_value_t = Mix::Renames)]
    pub mix: Mix,
    /// Writers alone, without the projections and reactors: what the log costs by itself,
    /// to tell it from what the read models add (docs/performance.md).
    #[arg(long)]
    pub without_projections: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    Renames,
    Realistic,
}

pub async fn run(config: &Config, args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.commands > 0 && args.workspaces > 0 && args.stream_length > 0,
        "all counts must be positive"
    );
    let base = PgConnectOptions::from_str(config.database_url())?;
    let name = format!("{}_bench", base.get_database().unwrap_or("thermogestion"));
    let options = base.database(&name);
    commands::database::recreate(&options).await?;
    let connections = (args.workspaces + 4) as u32;
    let pool = db::connect_with(options, connections).await?;
    db::MIGRATOR.run(&pool).await?;
    println!(
        "bench database {name}: {} commands ({:?}), {} concurrent workspaces, {} connections, streams of {}",
        args.commands, args.mix, args.workspaces, connections, args.stream_length
    );

    let bare_tps = bare_insert_rate(&pool, &args).await?;

    let lag = LagRecorder::default();
    let subscriptions = Subscriptions::default().with_lag_recorder(lag.clone());
    let (shutdown, stop) = tokio::sync::watch::channel(false);
    let commands = Commands::new(pool.clone());
    let workers = if args.without_projections {
        anyhow::ensure!(
            args.mix == Mix::Renames,
            "the realistic mix reads its read models: it needs the projections"
        );
        Vec::new()
    } else {
        workers::spawn(
            &pool,
            &subscriptions,
            RunnerSettings::default(),
            Some(commands.appends()),
            None,
            vec![],
            &stop,
        )
    };
    // Let the listener connect before timing.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut workshops = Vec::new();
    if args.mix == Mix::Realistic {
        for writer in 0..args.workspaces {
            workshops.push(crate::bench_mix::prepare(&commands, writer).await?);
        }
        wait_caught_up(&pool).await?;
        for workshop in &mut workshops {
            crate::bench_mix::first_client(&pool, &commands, workshop).await?;
        }
        wait_caught_up(&pool).await?;
        lag.take();
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut workshops = workshops.into_iter();
    for writer in 0..args.workspaces {
        let share =
            args.commands / args.workspaces + usize::from(writer < args.commands % args.workspaces);
        tasks.push(match workshops.next() {
            Some(workshop) => {
                let (pool, commands) = (pool.clone(), commands.clone());
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(share);
                    for n in 0..share {
                        latencies.push(
                            crate::bench_mix::step(&pool, &commands, &workshop, n + 1).await?,
                        );
                    }
                    Ok(latencies)
                })
            }
            None => tokio::spawn(write_commands(
                commands.clone(),
                writer,
                share,
                args.stream_length,
            )),
        });
    }
    let mut latencies = Vec::with_capacity(args.commands);
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    let command_rate = args.commands as f64 / elapsed.as_secs_f64();

    if !args.without_projections {
        wait_caught_up(&pool).await?;
    }
    let _ = shutdown.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    let mut lags = lag.take();

    let rates = replay_and_scan(&pool).await?;
    let mail_rate = mail(&pool, &args).await?;

    latencies.sort_by(f64::total_cmp);
    lags.sort_by(f64::total_cmp);
    println!("bare insert: {bare_tps:.0} transactions/s");
    println!(
        "commands: {command_rate:.0} commands/s; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        percentile(&latencies, 0.50) * 1e3,
        percentile(&latencies, 0.95) * 1e3,
        percentile(&latencies, 0.99) * 1e3,
    );
    println!(
        "ratio (commands/s ÷ bare insert/s): {:.2}{}",
        command_rate / bare_tps,
        if args.without_projections {
            " (without projections)"
        } else {
            ""
        }
    );
    println!(
        "projection lag: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} events",
        percentile(&lags, 0.50) * 1e3,
        percentile(&lags, 0.99) * 1e3,
        lags.last().copied().unwrap_or(0.0) * 1e3,
        lags.len()
    );
    println!(
        "replay: {:.0} events/s; feed read alone: {:.0} events/s; raw scan: {:.0} events/s ({} events, median of 3)",
        rates.replay, rates.feed, rates.scan, rates.events
    );
    println!(
        "replay ratio (replay ÷ raw scan): {:.2}",
        rates.replay / rates.scan
    );
    println!(
        "emails: {mail_rate:.0} emails/s through the mailer ({} emails, {}, 4 workers)",
        args.emails,
        if args.smtp_url.is_some() {
            "SMTP"
        } else {
            ".eml files"
        }
    );
    pool.close().await;
    Ok(())
}

/// Queues `args.emails` rendered emails and times the mailer delivering them all.
async fn mail(pool: &PgPool, args: &BenchArgs) -> anyhow::Result<f64> {
    use domain::email_template::{default_template, render, sample_values, TemplateKind};
    let rendered = render(
        &default_template(TemplateKind::QuoteNewClient),
        &sample_values(),
    )?;
    // A hundred emails per workshop: under its daily quota (500), which the mailer still
    // counts for each email, as it does in production.
    let workspaces: Vec<Uuid> = (0..args.emails.div_ceil(100))
        .map(|_| Uuid::now_v7())
        .collect();
    for index in 0..args.emails {
        let email = commands::mail::OutgoingEmail {
            workspace_id: workspaces[index / 100],
            recipient: format!("client-{index}@exemple.fr"),
            subject: rendered.subject.clone(),
            body_text: rendered.text.clone(),
            body_html: Some(rendered.html.clone()),
            kind: "quote_new_client",
            attachments: vec![],
            not_before: None,
        };
        commands::mail::enqueue(pool, &email, "bench.thermogestion.local").await?;
    }
    let folder = std::env::temp_dir().join(format!("thermogestion-bench-mail-{}", Uuid::now_v7()));
    tokio::fs::create_dir_all(&folder).await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mailer = workers::mailer::Mailer::new(
            args.smtp_url.as_deref(),
            folder.clone(),
            "Bench <bench@thermogestion.local>",
        )?
        .with_events(Commands::new(pool.clone()));
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            while workers::mailer::deliver_due(&pool, &mailer).await? > 0 {}
            Ok::<_, sqlx::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed();
    let sent = workers::mailer::sent(pool).await?;
    anyhow::ensure!(
        sent as usize == args.emails,
        "only {sent} of {} emails sent",
        args.emails
    );
    let _ = tokio::fs::remove_dir_all(&folder).await;
    Ok(args.emails as f64 / elapsed.as_secs_f64())
}

/// The ceiling: a one-row insert transaction of an event-sized payload, same pool, same
/// concurrency.
async fn bare_insert_rate(pool: &PgPool, args: &BenchArgs) -> anyhow::Result<f64> {
    commands::bench::create_bare_table(pool).await?;
    let payload = serde_json::json!({"Renamed": {"name": "Atelier de démonstration numéro 42 — thermolaquage", "renamed_at": "2026-11-25T10:00:00.000000Z"}});
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..args.workspaces {
        let share =
            args.commands / args.workspaces + usize::from(writer < args.commands % args.workspaces);
        let (pool, payload) = (pool.clone(), payload.clone());
        tasks.push(tokio::spawn(async move {
            let workspace_id = Uuid::now_v7();
            for _ in 0..share {
                commands::bench::insert_bare(&pool, workspace_id, &payload).await?;
            }
            Ok::<_, sqlx::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(args.commands as f64 / started.elapsed().as_secs_f64())
}

async fn write_commands(
    commands: Commands,
    writer: usize,
    count: usize,
    stream_length: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut latencies = Vec::with_capacity(count);
    let mut meta = CommandMeta::system(Uuid::now_v7(), format!("bench-{writer}"));
    for index in 0..count {
        let command = if index % stream_length == 0 {
            meta.workspace_id = Uuid::now_v7();
            // A sign-up writes four events in one commit (registration, consent, trial,
            // owner); the renames write one each.
            sign_up(format!("Atelier bench {writer}"))
        } else {
            WorkspaceCommand::Rename {
                name: format!("Atelier bench {writer}-{index}"),
            }
        };
        let started = Instant::now();
        let workspaces = &commands.workspaces;
        // As `commands::onboarding::sign_up`: a fresh workspace is decided without a load.
        if index % stream_length == 0 {
            workspaces
                .execute_new(&meta, AGGREGATE_LOCAL_ID, command)
                .await
        } else {
            workspaces.execute(&meta, AGGREGATE_LOCAL_ID, command).await
        }
        .context("bench command refused")?;
        latencies.push(started.elapsed().as_secs_f64());
    }
    Ok(latencies)
}

async fn wait_caught_up(pool: &PgPool) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let lags = engine::lags(pool).await?;
        if !lags.is_empty() && lags.iter().all(|lag| lag.events == 0) {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "projections did not catch up: {lags:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Replay of the `workspace` projection against a plain read of the same rows; each is run
/// three times and the median kept, as a 2-core machine is noisy.
async fn replay_and_scan(pool: &PgPool) -> anyhow::Result<Rates> {
    let projection: Arc<dyn projections::Projection> =
        projections::by_name(projections::workspace::NAME).context("workspace projection")?;
    projections::bench::analyze_events(pool).await?;
    // Warm the cache, so no run pays the first read from disk.
    projections::bench::scan_events(pool).await?;
    let (mut replay, mut feed, mut raw) = (vec![], vec![], vec![]);
    let mut events = 0;
    for _ in 0..3 {
        let started = Instant::now();
        events = engine::replay(pool, &*projection, engine::REPLAY_PAGE_SIZE)
            .await?
            .read;
        replay.push(events as f64 / started.elapsed().as_secs_f64());

        let started = Instant::now();
        let read = read_feed(pool).await?;
        feed.push(read as f64 / started.elapsed().as_secs_f64());

        let started = Instant::now();
        let scanned = projections::bench::scan_events(pool).await?;
        raw.push(scanned as f64 / started.elapsed().as_secs_f64());
    }
    Ok(Rates {
        replay: median(replay),
        feed: median(feed),
        scan: median(raw),
        events,
    })
}

struct Rates {
    replay: f64,
    feed: f64,
    scan: f64,
    events: u64,
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// The feed alone, page by page, without applying anything.
async fn read_feed(pool: &PgPool) -> anyhow::Result<usize> {
    let mut conn = pool.acquire().await?;
    let mut position = projections::Position::default();
    let mut read = 0;
    loop {
        let page = projections::feed::read_page(&mut conn, position, engine::REPLAY_PAGE_SIZE, &[])
            .await?;
        let Some(last) = page.last else { break };
        position = last;
        read += page.events.len();
    }
    Ok(read)
}

pub(crate) fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A workshop's sign-up (four events in one commit: registration, consent, trial, owner).
pub(crate) fn sign_up(name: String) -> WorkspaceCommand {
    WorkspaceCommand::SignUp {
        name,
        owner: Uuid::now_v7(),
        consent: Consent {
            terms_version: "bench".into(),
            privacy_policy_version: "bench".into(),
            data_processing: true,
        },
        trial_days: domain::platform::catalogue::DEFAULT_TRIAL_DAYS,
    }
}

/// A polyester gloss powder of the bench catalogue, in 25 kg cartons at 13.90 €/kg.
pub(crate) fn bench_powder(
    reference: String,
    colour: String,
) -> domain::powder::catalogue::PowderSpec {
    use domain::powder::catalogue::{Format, PowderSpec};
    use rust_decimal::Decimal;
    PowderSpec {
        reference,
        kind: domain::powder::PowderKind::Polyester,
        finish: domain::powder::Finish::Gloss,
        brand: "Thermopoudre".to_owned(),
        name: "Gris".to_owned(),
        colour: Some(colour),
        density_g_cm3: Decimal::new(15, 1),
        thickness_um: Decimal::from(70),
        consumption_kg_m2: None,
        transfer_efficiency: Some(Decimal::new(65, 2)),
        cure_temperature_c: 200,
        cure_minutes: 10,
        formats: vec![Format {
            kg: Decimal::from(25),
            tare_kg: Decimal::new(8, 1),
        }],
        price_per_kg: Decimal::new(1390, 2),
    }
}

/// A throw-away database `<name>_<suffix>`, migrated, with one registered workshop: where the
/// feature benches (`bench-clients`, `bench-quotes`) run.
pub(crate) struct BenchWorkshop {
    pub name: String,
    pub pool: PgPool,
    pub commands: Commands,
    pub workspace_id: Uuid,
    pub meta: CommandMeta,
}

pub(crate) async fn bench_workshop(config: &Config, suffix: &str) -> anyhow::Result<BenchWorkshop> {
    let base = PgConnectOptions::from_str(config.database_url())?;
    let name = format!(
        "{}_{suffix}",
        base.get_database().unwrap_or("thermogestion")
    );
    let options = base.database(&name);
    commands::database::recreate(&options).await?;
    let pool = db::connect_with(options, 8).await?;
    db::MIGRATOR.run(&pool).await?;
    let commands = Commands::new(pool.clone());
    let workspace_id = Uuid::now_v7();
    let meta = CommandMeta::system(workspace_id, suffix.replace('_', "-"));
    commands
        .workspaces
        .execute(
            &meta,
            AGGREGATE_LOCAL_ID,
            sign_up("Atelier du banc d'essai".to_owned()),
        )
        .await?;
    Ok(BenchWorkshop {
        name,
        pool,
        commands,
        workspace_id,
        meta,
    })
}
