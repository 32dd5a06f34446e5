//! `thermogestion`: the one binary (DESIGN.md §4).

use anyhow::Context;
use api::config::Config;
use api::{db, demo, telemetry, Application};
use clap::{Parser, Subcommand};
use commands::Commands;
use projections::engine::{self, RunnerSettings};
use projections::Subscriptions;

#[derive(Parser)]
#[command(name = "thermogestion", version, about = "ThermoGestion back end")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, then serve HTTP and run the workers.
    Serve {
        /// Seed the demo workshop before serving.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations, or roll back the last N with --down N.
    Migrate {
        #[arg(long, value_name = "N")]
        down: Option<usize>,
    },
    /// Rebuild a projection (all of them without NAME) from the event log.
    Replay { name: Option<String> },
    /// Parked workspaces: list them, or apply their parked sequences after a fix.
    Projections {
        #[command(subcommand)]
        action: ProjectionsAction,
    },
    /// Seed a realistic demo workshop and print how to reach it.
    Demo,
    /// Run the workers (projections) without serving HTTP.
    Worker,
    /// Load the event store and print throughput, latency, lag and replay figures.
    Bench(api::bench::BenchArgs),
    /// Import a generated 50,000-line client file and print preview, import, projection and
    /// search times and peak memory.
    BenchClients(api::bench_clients::BenchClientsArgs),
    /// Sign N workshops up and time the editor's list of them (first page, search, filters,
    /// a deep page); print medians and p95.
    BenchEditor(api::bench_editor::BenchEditorArgs),
    /// Create 10-line quotes and render their PDF; print medians and p95.
    BenchQuotes(api::bench_quotes::BenchQuotesArgs),
    /// Fill a ledger with 100,000 FEC lines and stream its export; print time and memory.
    BenchFec(api::bench_fec::BenchFecArgs),
    /// Serve on a local port and send `createClient` from N workshops in parallel; print
    /// latency, memory and database connections, busy and idle.
    BenchHttp(api::bench_http::BenchHttpArgs),
    /// Set one workshop's photo quota (the platform operator's contract setting).
    PhotoQuota {
        #[arg(long)]
        workspace: uuid::Uuid,
        #[arg(long)]
        bytes: u64,
    },
    /// Pack a generated set of parts into a typical oven; print bars against the lower bound.
    BenchPacking {
        #[arg(long, default_value_t = 200)]
        parts: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Draw the three WebP renditions of a 12 MP photo; print median and p95.
    BenchPhotos {
        #[arg(long, default_value_t = 20)]
        iterations: usize,
    },
    /// Print the GraphQL schema (SDL), as checked in under schemas/.
    Schema,
    /// The platform's editors, who run the SaaS back office (ADR 0014).
    Editor {
        #[command(subcommand)]
        action: EditorAction,
    },
}

#[derive(Subcommand)]
enum EditorAction {
    /// Make EMAIL an editor, creating its account (its password printed once) when absent.
    /// The editor sets up the second factor at the first login; until then the back office
    /// stays closed to them.
    Add { email: String },
}

#[derive(Subcommand)]
enum ProjectionsAction {
    /// List every parked (projection, workspace) and every halted projection.
    Parked,
    /// Apply the parked sequences (all, or of one projection or workspace), exactly once.
    Retry {
        #[arg(long)]
        projection: Option<String>,
        #[arg(long)]
        workspace: Option<uuid::Uuid>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    keep_large_blocks_off_the_heap();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    telemetry::init("info,sqlx=warn", config.log_format);
    match cli.command {
        Command::Serve { demo } => {
            if demo {
                refuse_demo_in_production(&config)?;
            }
            let app = Application::build(&config).await?;
            if demo {
                seed_demo(&app.state().pool, &app.state().commands, &config).await?;
            }
            tokio::spawn(api::app::stop_on_signal(app.shutdown_handle()));
            app.run_until_stopped().await?;
        }
        Command::Migrate { down } => {
            let pool = pool(&config).await?;
            match down {
                None => {
                    db::MIGRATOR.run(&pool).await?;
                    println!("migrations applied");
                }
                Some(steps) => {
                    let undone = db::migrate_down(&pool, steps).await?;
                    println!("rolled back migrations {undone:?}");
                }
            }
        }
        Command::Replay { name } => {
            let pool = migrated_pool(&config).await?;
            let targets = match name {
                None => projections::all(),
                Some(name) => vec![projections::by_name(&name).with_context(|| {
                    let known: Vec<_> = projections::all().iter().map(|p| p.name()).collect();
                    format!("no projection named {name:?}; known: {known:?}")
                })?],
            };
            for projection in targets {
                let started = std::time::Instant::now();
                let progress =
                    engine::replay(&pool, &*projection, engine::REPLAY_PAGE_SIZE).await?;
                println!(
                    "{}: read {} events, applied {} in {:.2?}",
                    projection.name(),
                    progress.read,
                    progress.applied,
                    started.elapsed()
                );
                if progress.parked > 0 {
                    for parked in
                        projections::parking::list(&pool, Some(projection.name()), None).await?
                    {
                        println!("  {}", describe_parked(&parked));
                    }
                }
            }
        }
        Command::Projections { action } => {
            let pool = migrated_pool(&config).await?;
            match action {
                ProjectionsAction::Parked => print_parked(&pool).await?,
                ProjectionsAction::Retry {
                    projection,
                    workspace,
                } => retry_parked(&pool, &config, projection.as_deref(), workspace).await?,
            }
        }
        Command::Demo => {
            refuse_demo_in_production(&config)?;
            // Seeded as the owner: a developer's tool (accounts, read models and the log).
            let pool = pool(&config).await?;
            db::MIGRATOR.run(&pool).await?;
            let commands = Commands::new(pool.clone());
            seed_demo(&pool, &commands, &config).await?;
            // Bring the read models up to date so the demo shows at once.
            for projection in projections::all() {
                engine::catch_up(&pool, &*projection, &Subscriptions::default(), 500).await?;
            }
        }
        Command::Worker => {
            let pool = migrated_pool(&config).await?;
            let photos = config.file_store()?;
            let (shutdown, stop) = tokio::sync::watch::channel(false);
            let handles = workers::spawn(
                &pool,
                &Subscriptions::default(),
                RunnerSettings::default(),
                None,
                Some(config.mailer()?.with_events(Commands::new(pool.clone()))),
                workers::reactors(
                    &pool,
                    &Commands::new(pool.clone()),
                    &photos,
                    &config.public_base_url,
                    config.message_domain(),
                ),
                &stop,
            );
            let handles = handles.into_iter().chain(workers::spawn_schedules(
                &pool,
                &Commands::new(pool.clone()),
                &photos,
                config.photo_quota_bytes,
                &stop,
            ));
            api::app::stop_on_signal(shutdown).await;
            for handle in handles {
                let _ = handle.await;
            }
        }
        Command::Bench(args) => api::bench::run(&config, args).await?,
        Command::BenchClients(args) => api::bench_clients::run(&config, args).await?,
        Command::BenchEditor(args) => api::bench_editor::run(&config, args).await?,
        Command::BenchQuotes(args) => api::bench_quotes::run(&config, args).await?,
        Command::BenchFec(args) => api::bench_fec::run(&config, args).await?,
        Command::BenchHttp(args) => api::bench_http::run(&config, args).await?,
        Command::PhotoQuota { workspace, bytes } => {
            let pool = migrated_pool(&config).await?;
            projections::project::set_photo_quota(&pool, workspace, bytes).await?;
            println!("photo quota of {workspace}: {bytes} bytes");
        }
        Command::BenchPacking { parts, seed } => {
            println!("{}", domain::batch::packing::bench(parts, seed))
        }
        Command::BenchPhotos { iterations } => {
            println!("{}", workers::photo_renditions::bench(iterations))
        }
        Command::Schema => print!("{}", api::graphql::sdl()),
        Command::Editor {
            action: EditorAction::Add { email },
        } => {
            let pool = migrated_pool(&config).await?;
            let added = commands::editor::add(&pool, &email)
                .await
                .map_err(|error| anyhow::anyhow!("{email}: {error} ({})", error.code()))?;
            println!("éditeur {email} (compte {})", added.account_id);
            if let Some(password) = added.password {
                println!("mot de passe (affiché une seule fois, à changer) : {password}");
            }
            println!("connexion : `login` sans atelier, puis la double authentification à activer");
        }
    }
    Ok(())
}

fn describe_parked(parked: &projections::parking::Parked) -> String {
    format!(
        "parked: {} workspace {} at position {} ({}, event {}) since {}: {}",
        parked.projection,
        parked.workspace_id,
        parked.position.global_position,
        parked.event_type,
        parked.event_id,
        parked.parked_at.to_rfc3339(),
        parked.error
    )
}

async fn print_parked(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let parked = projections::parking::list(pool, None, None).await?;
    let halted = projections::parking::halted(pool).await?;
    if parked.is_empty() && halted.is_empty() {
        println!("no parked workspace, no halted projection");
    }
    for parked in &parked {
        println!("{}", describe_parked(parked));
    }
    for (projection, error) in &halted {
        println!("halted: {projection} (every workspace): {error}");
    }
    Ok(())
}

/// Read models and reactors alike: a reactor's retry acts late (sends its emails now), and
/// says so before doing it.
async fn retry_parked(
    pool: &sqlx::PgPool,
    config: &Config,
    projection: Option<&str>,
    workspace: Option<uuid::Uuid>,
) -> anyhow::Result<()> {
    let commands = Commands::new(pool.clone());
    let reactors = workers::reactors(
        pool,
        &commands,
        &config.file_store()?,
        &config.public_base_url,
        config.message_domain(),
    );
    let reactor_names: Vec<&str> = reactors.iter().map(|r| r.name()).collect();
    let everything: Vec<_> = projections::all()
        .into_iter()
        .chain(reactors.clone())
        .collect();
    if let Some(name) = projection {
        anyhow::ensure!(
            everything.iter().any(|p| p.name() == name),
            "no projection or reactor named {name:?}; known: {:?}",
            everything.iter().map(|p| p.name()).collect::<Vec<_>>()
        );
    }
    let mut done = 0;
    for target in everything
        .iter()
        .filter(|p| projection.is_none_or(|name| p.name() == name))
    {
        if reactor_names.contains(&target.name()) {
            for parked in projections::parking::list(pool, Some(target.name()), workspace).await? {
                println!(
                    "{} (reactor) will act late for workspace {}: from {} at position {} on",
                    parked.projection,
                    parked.workspace_id,
                    parked.event_type,
                    parked.position.global_position
                );
            }
        }
        if workspace.is_none() && engine::resume_halted(pool, &**target).await? {
            done += 1;
            println!("resumed: {} was halted and applies again", target.name());
        }
        for outcome in projections::parking::retry(pool, &**target, workspace).await? {
            done += 1;
            match outcome {
                projections::parking::RetryOutcome::Applied {
                    projection,
                    workspace_id,
                    events,
                } => {
                    let detail: Vec<String> = events
                        .iter()
                        .map(|(kind, n)| format!("{kind} ×{n}"))
                        .collect();
                    println!(
                        "applied: {projection} workspace {workspace_id}: {} events ({})",
                        events.values().sum::<usize>(),
                        detail.join(", ")
                    );
                }
                projections::parking::RetryOutcome::StillFailing(parked) => {
                    println!("still failing: {}", describe_parked(&parked))
                }
            }
        }
    }
    if done == 0 {
        println!("nothing parked matches");
    }
    Ok(())
}

/// The tables' owner (`MIGRATION_DATABASE_URL`, else `DATABASE_URL`): migrations, the demo.
async fn pool(config: &Config) -> anyhow::Result<sqlx::PgPool> {
    db::ensure_database(config.migration_database_url()).await?;
    Ok(db::connect(
        config.migration_database_url(),
        config.database_max_connections,
    )
    .await?)
}

/// Migrates as the owner, then connects as the projector (`PROJECTOR_DATABASE_URL`, else
/// `DATABASE_URL`): what workers, replays, retries and operator commands run as.
async fn migrated_pool(config: &Config) -> anyhow::Result<sqlx::PgPool> {
    let owner = pool(config).await?;
    db::MIGRATOR.run(&owner).await?;
    if config.projector_database_url() == config.migration_database_url() {
        return Ok(owner);
    }
    owner.close().await;
    Ok(db::connect(
        config.projector_database_url(),
        config.database_max_connections,
    )
    .await?)
}

/// The demo workshop's owner has a password printed in the README: never on a production
/// database.
fn refuse_demo_in_production(config: &Config) -> anyhow::Result<()> {
    if config.environment == api::config::Environment::Production {
        anyhow::bail!(
            "la démo refuse THERMOGESTION_ENV=production (son mot de passe est public) ; \
             lancez-la avec THERMOGESTION_ENV=development / the demo refuses production (its \
             password is public): run it with THERMOGESTION_ENV=development"
        );
    }
    Ok(())
}

async fn seed_demo(
    pool: &sqlx::PgPool,
    commands: &Commands,
    config: &Config,
) -> anyhow::Result<()> {
    let created = demo::seed(pool, commands).await?;
    println!(
        "Demo workshop {:?} {}.\nGraphiQL: {}/graphql\nLog in with the `login` mutation: email {}, password {}",
        demo::DEMO_WORKSPACE_NAME,
        if created { "created" } else { "already present" },
        config.public_base_url,
        demo::DEMO_OWNER_EMAIL,
        demo::DEMO_OWNER_PASSWORD,
    );
    Ok(())
}

/// A password hash (Argon2id) takes a 19 MiB block. glibc serves so large a block by `mmap`
/// but, once one is freed, raises its mmap threshold to that size, so the next hashes come
/// from its heap arenas, which keep the memory: ten sign-ups left the server at 212 MiB RSS
/// (docs/performance.md). A fixed threshold keeps large blocks on `mmap`, given back to the
/// system as soon as they are freed (49 MiB after the same load).
fn keep_large_blocks_off_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any large allocation.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
