//! `thermogestion bench-fec`: fills a throw-away workshop's ledger with `--lines` FEC lines
//! (invoices of two VAT rates and their payments, as the invoicing projection writes them)
//! and streams the FEC export of the year as the download does; prints time, throughput,
//! size and peak memory during the export (docs/performance.md). Never run by tests.

use std::time::Instant;

use chrono::{Days, NaiveDate};
use domain::client::Address;
use domain::invoice::billing::PaymentMethod;
use domain::invoice::document::{final_invoice, Buyer, InvoiceLine, Issue, QuoteFigures};
use domain::invoice::fec::{invoice_entry, settlement_entry, Settlement};
use domain::invoice::settings::{Chart, Seller};
use domain::invoice::vat::VatTreatment;
use futures_util::StreamExt;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::bench::{bench_workshop, BenchWorkshop};
use crate::config::Config;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchFecArgs {
    /// FEC lines to export.
    #[arg(long, default_value_t = 100_000)]
    pub lines: usize,
}

fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

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

pub async fn run(config: &Config, args: BenchFecArgs) -> anyhow::Result<()> {
    let BenchWorkshop {
        pool, workspace_id, ..
    } = bench_workshop(config, "bench_fec").await?;
    let chart = Chart::default();
    let seller = Seller {
        legal_name: "Atelier du banc d'essai".to_owned(),
        siret: "73282932000074".to_owned(),
        vat_number: Some("FR44732829320".to_owned()),
        address: Address {
            line1: "1 rue du Four".to_owned(),
            line2: None,
            postcode: "69001".to_owned(),
            city: "Lyon".to_owned(),
            country: "FR".to_owned(),
        },
        legal_form: None,
        registration: None,
        iban: None,
        email: None,
        vat_franchise: false,
    };
    let year_start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let started = Instant::now();
    let mut written = 0;
    let mut seq: i64 = 0;
    let mut batch: Vec<serde_json::Value> = Vec::new();
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut n: u64 = 0;
    while written < args.lines {
        n += 1;
        let day = year_start
            .checked_add_days(Days::new(n % 365))
            .unwrap_or(year_start);
        let lines = vec![
            InvoiceLine {
                description: "Portail".to_owned(),
                quantity: Decimal::from(2),
                unit_price_ht: Decimal::new(12_345 + (n % 1000) as i64, 2),
                total_ht: Decimal::new(2 * (12_345 + (n % 1000) as i64), 2),
                vat_rate: Decimal::from(20),
            },
            InvoiceLine {
                description: "Jantes".to_owned(),
                quantity: Decimal::from(4),
                unit_price_ht: Decimal::new(3_333, 2),
                total_ht: Decimal::new(13_332, 2),
                vat_rate: Decimal::from(10),
            },
        ];
        let vat = domain::invoice::document::vat_totals(&lines, true);
        let total_ht: Decimal = lines.iter().map(|line| line.total_ht).sum();
        let quote = QuoteFigures {
            quote_id: Uuid::now_v7(),
            number: format!("DEV-2026-{n:05}"),
            total_ttc: total_ht + vat.iter().map(|total| total.vat).sum::<Decimal>(),
            lines,
            vat,
            total_ht,
            deposit_due: Decimal::ZERO,
        };
        let client_id = Uuid::now_v7();
        let invoice = final_invoice(
            Issue {
                invoice_id: Uuid::now_v7(),
                number: format!("FACT-2026-{n:05}"),
                issued_on: day,
                due_on: day,
                seller: seller.clone(),
                buyer: Buyer {
                    client_id,
                    name: format!("Client {n}"),
                    professional: true,
                    siret: None,
                    vat_number: None,
                    address: None,
                    email: None,
                },
                treatment: VatTreatment::Domestic,
                late_penalty: "BCE + 10 points".to_owned(),
            },
            &quote,
            vec![],
        );
        let name = invoice.buyer.name.clone();
        let entries = [
            invoice_entry(&invoice, &chart, day),
            settlement_entry(
                &Settlement {
                    client_id,
                    client_name: &name,
                    amount: invoice.due_ttc,
                    method: PaymentMethod::Transfer,
                    piece_ref: &invoice.number,
                    piece_date: day,
                    label: "Règlement virement",
                },
                &chart,
                day,
            ),
        ];
        for entry in entries {
            written += entry.lines.len();
            days.push(entry.date);
            batch.push(serde_json::to_value(&entry)?);
        }
        if batch.len() >= 5_000 || written >= args.lines {
            let count = batch.len() as i64;
            projections::bench::fill_ledger(&pool, workspace_id, seq, &batch, &days).await?;
            seq += count;
            batch.clear();
            days.clear();
        }
    }
    let filled = started.elapsed();
    reset_peak_memory();
    let baseline = peak_memory_mib();
    let started = Instant::now();
    let mut stream = Box::pin(workers::fec::stream(
        pool.clone(),
        workspace_id,
        year_start,
        NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date"),
    ));
    let (mut bytes, mut lines, mut chunks) = (0_usize, 0_usize, 0_usize);
    let mut largest_chunk = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        bytes += chunk.len();
        largest_chunk = largest_chunk.max(chunk.len());
        lines += chunk.bytes().filter(|byte| *byte == b'\n').count();
        chunks += 1;
    }
    let elapsed = started.elapsed();
    let peak = peak_memory_mib();
    println!(
        "FEC export: {} lines ({} entries) in {:.2} s ({:.0} lines/s), {:.1} MiB in {chunks} chunks (largest {:.1} MiB); peak resident memory during the export {:.1} MiB (process baseline {:.1} MiB); ledger filled in {:.1} s",
        lines - 1,
        seq,
        elapsed.as_secs_f64(),
        (lines - 1) as f64 / elapsed.as_secs_f64(),
        bytes as f64 / 1_048_576.0,
        largest_chunk as f64 / 1_048_576.0,
        peak,
        baseline,
        filled.as_secs_f64(),
    );
    Ok(())
}
