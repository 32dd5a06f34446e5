//! `thermogestion bench-editor`: the editor's list of workshops over many of them, in a
//! throw-away database. Signs N workshops up through the log (a third renamed since, so
//! activity differs), projects `platform_workspace`, then times the list as the back office
//! asks it — the first page, a name search, trials over, a sign-up range, a deep page —
//! through `projections::platform_workspace::page` in the platform's tenant transaction;
//! prints medians and p95 (docs/performance.md). Never run by tests.

use std::time::Instant;

use chrono::{Duration, Utc};
use domain::platform::PLATFORM_WORKSPACE_ID;
use domain::workspace::{WorkspaceCommand, AGGREGATE_LOCAL_ID};
use futures_util::StreamExt;
use projections::platform_workspace::{self, Filter};
use projections::{tenant, Subscriptions};
use uuid::Uuid;

use crate::bench::{bench_workshop, percentile, sign_up, BenchWorkshop};
use crate::config::Config;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchEditorArgs {
    /// Workshops signed up.
    #[arg(long, default_value_t = 10_000)]
    pub workspaces: usize,
    /// Timed reads of each kind.
    #[arg(long, default_value_t = 200)]
    pub reads: usize,
}

const TOWNS: [&str; 8] = [
    "Angers", "Nantes", "Le Mans", "Tours", "Laval", "Cholet", "Saumur", "Rennes",
];

pub async fn run(config: &Config, args: BenchEditorArgs) -> anyhow::Result<()> {
    let BenchWorkshop {
        name,
        pool,
        commands,
        ..
    } = bench_workshop(config, "bench_editor").await?;
    println!("bench database {name}: {} workshops", args.workspaces);

    let started = Instant::now();
    let commands = &commands;
    let signed: Vec<anyhow::Result<()>> = futures_util::stream::iter(1..args.workspaces)
        .map(|n| async move {
            let workspace_id = Uuid::now_v7();
            let meta = commands::CommandMeta::system(workspace_id, "bench-editor");
            let town = TOWNS[n % TOWNS.len()];
            commands
                .workspaces
                .execute_new(
                    &meta,
                    AGGREGATE_LOCAL_ID,
                    sign_up(format!("Thermolaquage {town} {n:05}")),
                )
                .await?;
            if n % 3 == 0 {
                let rename = WorkspaceCommand::Rename {
                    name: format!("Poudrage {town} {n:05}"),
                };
                commands
                    .workspaces
                    .execute(&meta, AGGREGATE_LOCAL_ID, rename)
                    .await?;
            }
            Ok(())
        })
        .buffer_unordered(16)
        .collect()
        .await;
    signed.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    println!(
        "sign-ups: {:.1} s for {} workshops",
        started.elapsed().as_secs_f64(),
        args.workspaces
    );

    let started = Instant::now();
    let projection = platform_workspace::PlatformWorkspaceProjection;
    projections::engine::catch_up(&pool, &projection, &Subscriptions::default(), 500).await?;
    println!(
        "platform_workspace catch-up: {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let now = Utc::now();
    let later = now + Duration::days(45);
    let deep = {
        // The cursor of the 5,000th workshop (or the last): a page far down the list.
        let mut tx = tenant::begin(&pool, PLATFORM_WORKSPACE_ID).await?;
        let rows = platform_workspace::page(
            &mut *tx,
            &Filter::default(),
            now,
            None,
            (args.workspaces / 2).max(1) as i64,
        )
        .await?;
        tx.commit().await?;
        rows.last().map(|row| (row.registered_at, row.tenant_id))
    };
    let cases: [(&str, Filter, chrono::DateTime<Utc>, Option<_>); 5] = [
        ("first page", Filter::default(), now, None),
        (
            "name search « nantes 0 »",
            Filter {
                search: Some("nantes 0".into()),
                ..Filter::default()
            },
            now,
            None,
        ),
        (
            "trials over (45 days on)",
            Filter {
                in_trial: Some(false),
                ..Filter::default()
            },
            later,
            None,
        ),
        (
            "signed up in the last hour",
            Filter {
                registered_from: Some(now - Duration::hours(1)),
                registered_to: Some(now + Duration::hours(1)),
                ..Filter::default()
            },
            now,
            None,
        ),
        ("a page half-way down", Filter::default(), now, deep),
    ];
    println!("| read (50 a page, platform scope) | median ms | p95 ms | rows |");
    println!("|---|---|---|---|");
    for (what, filter, at, after) in cases {
        let mut timings = Vec::with_capacity(args.reads);
        let mut rows = 0;
        for _ in 0..args.reads {
            let started = Instant::now();
            let mut tx = tenant::begin(&pool, PLATFORM_WORKSPACE_ID).await?;
            rows = platform_workspace::page(&mut *tx, &filter, at, after, 51)
                .await?
                .len();
            tx.commit().await?;
            timings.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        timings.sort_by(f64::total_cmp);
        println!(
            "| {what} | {:.2} | {:.2} | {rows} |",
            percentile(&timings, 0.5),
            percentile(&timings, 0.95)
        );
    }
    pool.close().await;
    Ok(())
}
