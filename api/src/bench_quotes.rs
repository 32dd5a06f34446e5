//! `thermogestion bench-quotes`: creates 10-line quotes through the command side (catalogue
//! and client reads, pricing, numbering in one commit) and renders their PDF, in a
//! throw-away database; prints medians and p95 (docs/performance.md). Never run by tests.

use std::time::Instant;

use chrono::Utc;
use commands::quote::{LineDraft, QuoteDraft};
use domain::client::{ClientKind, ClientProfile, SealedProfile};
use domain::powder::catalogue::PowderCommand;
use domain::powder::{Finish, PowderKind};
use domain::quote::lifecycle::PricedContent;
use domain::quote::pricing::Surface;
use projections::Subscriptions;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::bench::{bench_workshop, percentile, BenchWorkshop};
use crate::config::Config;
use commands::documents::quote_pdf::{quote_pdf, QuoteDocument};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchQuotesArgs {
    /// Quotes to create and render.
    #[arg(long, default_value_t = 200)]
    pub quotes: usize,
}

pub async fn run(config: &Config, args: BenchQuotesArgs) -> anyhow::Result<()> {
    let BenchWorkshop {
        name: _,
        pool,
        commands,
        workspace_id,
        meta,
    } = bench_workshop(config, "bench_quotes").await?;
    let mut powder_ids = Vec::new();
    for n in 0..10 {
        let spec =
            crate::bench::bench_powder(format!("TP {}", 7000 + n), format!("RAL {}", 7000 + n));
        let key = domain::powder::catalogue::aggregate_local_id(&spec.identity()?);
        commands
            .powders
            .execute(&meta, &key, PowderCommand::Register { spec })
            .await?;
        powder_ids.push(key);
    }
    let client_id = Uuid::now_v7();
    let profile = ClientProfile {
        kind: ClientKind::Professional,
        company_name: Some("Carrosserie Lemaire".to_owned()),
        siret: None,
        vat_number: None,
        first_name: Some("Hugo".to_owned()),
        last_name: Some("Lemaire".to_owned()),
        email: Some("hugo@lemaire.fr".to_owned()),
        phones: vec![],
        billing_address: None,
        delivery_address: None,
        tags: vec![],
        notes: None,
    }
    .validate()?;
    let key =
        commands::client::key_for(&mut *pool.acquire().await?, workspace_id, client_id).await?;
    commands
        .clients
        .execute(
            &meta,
            &domain::client::aggregate_local_id(client_id),
            domain::client::ClientCommand::Create {
                client_id,
                profile: SealedProfile::seal(&profile, &key, commands::client::nonce()),
                duplicate_override: None,
                invitation: None,
            },
        )
        .await?;
    for projection in projections::all() {
        projections::engine::catch_up(&pool, &*projection, &Subscriptions::default(), 500).await?;
    }
    let draft = QuoteDraft {
        client_id,
        lines: powder_ids
            .iter()
            .enumerate()
            .map(|(n, powder)| LineDraft {
                description: format!("Pièce {n}"),
                quantity: 1 + n as u32,
                surface: Surface::Dimensions {
                    length_mm: Decimal::from(1200 + 10 * n as i64),
                    width_mm: Decimal::from(800),
                },
                powder_id: Some(powder.clone()),
                coats: 1 + (n % 3) as u8,
                primer: n % 2 == 0,
                varnish: n % 4 == 0,
                labour_minutes: Decimal::from(15),
                consumables: Decimal::ONE,
                discount_pct: Decimal::ZERO,
                vat_rate: Decimal::from(20),
            })
            .collect(),
        valid_until: None,
        deposit: None,
    };
    let (mut create_times, mut pdf_times, mut sizes) = (vec![], vec![], vec![]);
    for _ in 0..args.quotes {
        let started = Instant::now();
        let (quote_id, number, _) =
            commands::quote::create(&pool, &commands, &meta, draft.clone()).await?;
        create_times.push(started.elapsed().as_secs_f64() * 1e3);
        // The content as the projection will store it, rendered as the PDF route does.
        let priced: PricedContent = domain::quote::lifecycle::priced(
            commands_content(&draft, &powder_ids, client_id),
            Utc::now().date_naive(),
        )?;
        let started = Instant::now();
        let bytes = quote_pdf(
            &QuoteDocument {
                workshop: "Atelier du banc d'essai".to_owned(),
                number: number.clone(),
                version: 1,
                created_at: Utc::now(),
                client_name: "Carrosserie Lemaire".to_owned(),
                client_lines: vec!["hugo@lemaire.fr".to_owned()],
                content: priced,
                template: domain::quote::template::Preset::Modern.config(),
            },
            None,
            None,
        )?;
        pdf_times.push(started.elapsed().as_secs_f64() * 1e3);
        sizes.push(bytes.len());
        let _ = quote_id;
    }
    create_times.sort_by(f64::total_cmp);
    pdf_times.sort_by(f64::total_cmp);
    let both: Vec<f64> = {
        let mut both: Vec<f64> = create_times
            .iter()
            .zip(&pdf_times)
            .map(|(a, b)| a + b)
            .collect();
        both.sort_by(f64::total_cmp);
        both
    };
    println!(
        "{} quotes of 10 lines: create median {:.1} ms (p95 {:.1}); PDF median {:.1} ms (p95 {:.1}), {} KiB; together median {:.1} ms (p95 {:.1})",
        args.quotes,
        percentile(&create_times, 0.5),
        percentile(&create_times, 0.95),
        percentile(&pdf_times, 0.5),
        percentile(&pdf_times, 0.95),
        sizes.iter().sum::<usize>() / sizes.len().max(1) / 1024,
        percentile(&both, 0.5),
        percentile(&both, 0.95),
    );
    pool.close().await;
    Ok(())
}

/// The priced content of the bench draft (the same lines the command side resolves).
fn commands_content(
    draft: &QuoteDraft,
    powder_ids: &[String],
    client_id: Uuid,
) -> domain::quote::lifecycle::Content {
    let settings = domain::quote::settings::QuoteSettings::default();
    domain::quote::lifecycle::Content {
        client_id,
        lines: draft
            .lines
            .iter()
            .zip(powder_ids)
            .map(|(line, powder)| domain::quote::pricing::Line {
                description: line.description.clone(),
                quantity: line.quantity,
                surface: line.surface.clone(),
                powder: Some(domain::quote::pricing::LinePowder {
                    identity: domain::powder::PowderIdentity::new(
                        powder.split('/').nth(1).unwrap_or("TP"),
                        PowderKind::Polyester,
                        Finish::Gloss,
                    )
                    .expect("a reference"),
                    price_per_kg: Decimal::new(1390, 2),
                    consumption_kg_m2: Decimal::new(162, 3),
                    cure_temperature_c: 200,
                    cure_minutes: 10,
                }),
                coats: line.coats,
                primer: line.primer,
                varnish: line.varnish,
                labour_minutes: line.labour_minutes,
                consumables: line.consumables,
                discount_pct: line.discount_pct,
                vat_rate: line.vat_rate,
            })
            .collect(),
        rates: settings.rates,
        valid_until: Utc::now().date_naive() + chrono::Duration::days(30),
        deposit: settings.deposit,
    }
}
