//! `thermogestion bench-clients`: a generated client file as a French workshop would export
//! it (Windows-1252, `;`, some duplicates and mistakes) through preview, confirmation,
//! projection and search, in a throw-away database; prints times and peak memory
//! (docs/performance.md). Never run by tests.

use std::fmt::Write as _;
use std::time::Instant;

use commands::client_import::{self, Choices};
use projections::client::Filter;
use projections::Subscriptions;

use crate::bench::{bench_workshop, BenchWorkshop};
use crate::config::Config;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchClientsArgs {
    /// Lines of the generated file.
    #[arg(long, default_value_t = 50_000)]
    pub lines: usize,
}

const FIRST: [&str; 12] = [
    "Éloïse", "Hugo", "Chloé", "Noé", "Amélie", "Lucas", "Inès", "Gaël", "Léa", "Théo", "Zoé",
    "Maël",
];
const LAST: [&str; 10] = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Girard",
    "Rousseau",
    "Fontaine",
    "Chevalier",
    "Lemaire",
];
const TOWNS: [(&str, &str); 5] = [
    ("49000", "Angers"),
    ("44000", "Nantes"),
    ("72000", "Le Mans"),
    ("37000", "Tours"),
    ("53000", "Laval"),
];

/// A made-up surname per number, pronounceable and unique (4 syllables cover 160,000).
fn surname(n: usize) -> String {
    const SYLLABLES: [&str; 20] = [
        "ba", "ri", "lo", "te", "mu", "sa", "ne", "vi", "ko", "du", "ra", "lé", "mo", "pi", "gu",
        "fa", "ze", "ch", "an", "ol",
    ];
    let mut name = String::new();
    let mut rest = n;
    for _ in 0..4 {
        name.push_str(SYLLABLES[rest % 20]);
        rest /= 20;
    }
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One line in ten is a company; every 50th line repeats an earlier email (a duplicate);
/// every 200th has a phone number too short (an invalid line).
fn generated_file(lines: usize) -> Vec<u8> {
    let mut text = String::from(
        "Type;Société;Nom;Prénom;E-mail;Téléphone;Adresse;Code postal;Ville;Etiquettes;Notes\r\n",
    );
    for n in 0..lines {
        let (postcode, town) = TOWNS[n % TOWNS.len()];
        let email_of = if n % 50 == 49 { n - 7 } else { n };
        let phone = if n % 200 == 199 {
            "06 12".to_owned()
        } else {
            let digits = format!("{:08}", 10_000_000 + n);
            format!(
                "06 {} {} {} {}",
                &digits[0..2],
                &digits[2..4],
                &digits[4..6],
                &digits[6..8]
            )
        };
        let (kind, company) = if n % 10 == 0 {
            (
                "professionnel",
                format!("Carrosserie {} {n}", LAST[n % LAST.len()]),
            )
        } else {
            ("particulier", String::new())
        };
        let _ = write!(
            text,
            "{kind};{company};{} {};{};client{email_of}@exemple.fr;{phone};{} rue des Forges;{postcode};{town};{};\"Client depuis {}\nrappeler le matin\"\r\n",
            LAST[n % LAST.len()],
            surname(n),
            FIRST[n % FIRST.len()],
            n % 200 + 1,
            if n % 3 == 0 { "jantes|pro" } else { "" },
            2000 + n % 25,
        );
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    bytes.into_owned()
}

/// Resets the process' peak resident memory (Linux), so the next reading is one step's.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, MiB.
fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

pub async fn run(config: &Config, args: BenchClientsArgs) -> anyhow::Result<()> {
    let BenchWorkshop {
        name,
        pool,
        commands,
        workspace_id,
        meta,
    } = bench_workshop(config, "bench_clients").await?;
    let file = generated_file(args.lines);
    println!(
        "bench database {name}: {} lines, {:.1} MiB (Windows-1252, ';', quoted line breaks)",
        args.lines,
        file.len() as f64 / (1024.0 * 1024.0)
    );

    reset_peak_memory();
    let started = Instant::now();
    let preview = client_import::preview(&pool, workspace_id, &file).await?;
    let preview_time = started.elapsed();
    let preview_peak = peak_memory_mib();
    let count = |wanted: fn(&client_import::Verdict) -> bool| {
        preview
            .lines
            .iter()
            .filter(|line| wanted(&line.verdict))
            .count()
    };
    println!(
        "preview (empty client base): {:.2} s, peak RSS {preview_peak:.0} MiB; {} ok, {} invalid, {} duplicates",
        preview_time.as_secs_f64(),
        count(|verdict| matches!(verdict, client_import::Verdict::Ok)),
        count(|verdict| matches!(verdict, client_import::Verdict::Invalid(_))),
        count(|verdict| matches!(verdict, client_import::Verdict::Duplicate(_))),
    );
    drop(preview);

    reset_peak_memory();
    let started = Instant::now();
    let choices = Choices {
        skip_invalid_lines: true,
        ..Choices::default()
    };
    let confirmed = client_import::confirm(&pool, &commands, &meta, &file, &choices).await?;
    let confirm_time = started.elapsed();
    let confirm_peak = peak_memory_mib();
    println!(
        "confirm (one statement): {:.2} s, peak RSS {confirm_peak:.0} MiB; {} created, {} skipped, {} invalid",
        confirm_time.as_secs_f64(),
        confirmed.summary.created,
        confirmed.summary.skipped,
        confirmed.summary.invalid,
    );

    let started = Instant::now();
    let projection = projections::client::ClientProjection;
    projections::engine::catch_up(&pool, &projection, &Subscriptions::default(), 500).await?;
    println!(
        "client projection catch-up: {:.2} s for {} clients",
        started.elapsed().as_secs_f64(),
        confirmed.summary.created
    );

    let started = Instant::now();
    let again = client_import::preview(&pool, workspace_id, &file).await?;
    println!(
        "preview again (every line now a known client): {:.2} s, {} duplicates",
        started.elapsed().as_secs_f64(),
        again
            .lines
            .iter()
            .filter(|line| matches!(line.verdict, client_import::Verdict::Duplicate(_)))
            .count()
    );

    let mut samples = Vec::new();
    for search in [
        "lefevre",
        "06 15",
        "carrosserie lemaire 4",
        "client4999",
        "laval",
    ] {
        for _ in 0..5 {
            let filter = Filter {
                search: Some(search.to_owned()),
                ..Filter::default()
            };
            let started = Instant::now();
            let mut tx = projections::tenant::begin(&pool, workspace_id).await?;
            let rows =
                projections::client::search(&mut *tx, workspace_id, &filter, None, 51).await?;
            tx.commit().await?;
            samples.push((started.elapsed().as_secs_f64() * 1e3, rows.len()));
        }
    }
    let mut times: Vec<f64> = samples.iter().map(|(ms, _)| *ms).collect();
    times.sort_by(f64::total_cmp);
    println!(
        "search, first page of 50 among {} clients: median {:.1} ms, max {:.1} ms ({} queries)",
        confirmed.summary.created,
        times[times.len() / 2],
        times.last().copied().unwrap_or_default(),
        times.len()
    );
    pool.close().await;
    Ok(())
}
