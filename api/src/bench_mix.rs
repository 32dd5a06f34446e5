//! The realistic mix of `thermogestion bench --mix realistic`: instead of workspace renames,
//! each writer does what a workshop's day is made of — a new client, a powder reception, a
//! carton weighed, a three-line quote — through the same command-side functions the GraphQL
//! mutations call (duplicate check and sealing, stock movement aggregates, pricing and gap-free
//! numbering), while every projection runs.

use std::time::Instant;

use anyhow::Context;
use commands::quote::{LineDraft, QuoteDraft};
use commands::{CommandMeta, Commands};
use domain::client::{ClientKind, ClientProfile};
use domain::powder::catalogue::PowderCommand;
use domain::powder::movement::MovementCommand;
use domain::quote::pricing::Surface;
use domain::workspace::AGGREGATE_LOCAL_ID;
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

/// A writer's workshop, ready before timing: signed up, one powder, one client.
pub struct Workshop {
    meta: CommandMeta,
    powder_key: String,
    client_id: Uuid,
}

/// Signs a workshop up and registers what the mix needs; the caller lets the projections
/// catch up before timing (quotes read the catalogue and client read models).
pub async fn prepare(commands: &Commands, writer: usize) -> anyhow::Result<Workshop> {
    let meta = CommandMeta::system(Uuid::now_v7(), format!("bench-mix-{writer}"));
    commands
        .workspaces
        .execute(
            &meta,
            AGGREGATE_LOCAL_ID,
            crate::bench::sign_up(format!("Atelier mix {writer}")),
        )
        .await?;
    let spec = crate::bench::bench_powder("TP 7016".to_owned(), "RAL 7016".to_owned());
    let powder_key = domain::powder::catalogue::aggregate_local_id(&spec.identity()?);
    commands
        .powders
        .execute(&meta, &powder_key, PowderCommand::Register { spec })
        .await?;
    Ok(Workshop {
        meta,
        powder_key,
        client_id: Uuid::nil(),
    })
}

/// The first client of each workshop, once its workspace is projected (the key read).
pub async fn first_client(
    pool: &PgPool,
    commands: &Commands,
    workshop: &mut Workshop,
) -> anyhow::Result<()> {
    workshop.client_id = new_client(pool, commands, workshop, 0).await?;
    Ok(())
}

async fn new_client(
    pool: &PgPool,
    commands: &Commands,
    workshop: &Workshop,
    n: usize,
) -> anyhow::Result<Uuid> {
    let client_id = Uuid::now_v7();
    let profile = ClientProfile {
        kind: ClientKind::Professional,
        company_name: Some(format!("Carrosserie {n} SARL")),
        siret: None,
        vat_number: None,
        first_name: Some("Hugo".to_owned()),
        last_name: Some(format!("Lemaire{n}")),
        email: Some(format!("contact{n}@carrosserie.fr")),
        phones: vec![],
        billing_address: None,
        delivery_address: None,
        tags: vec![],
        notes: None,
    };
    commands::client::save(
        pool,
        commands,
        &workshop.meta,
        client_id,
        true,
        profile,
        None,
    )
    .await
    .map_err(|error| anyhow::anyhow!("client refused: {error}"))?;
    Ok(client_id)
}

/// Operation `n` of the mix; returns its latency in seconds.
pub async fn step(
    pool: &PgPool,
    commands: &Commands,
    workshop: &Workshop,
    n: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let movement = |command| {
        let local_id =
            domain::powder::movement::aggregate_local_id(&workshop.powder_key, chrono::Utc::now());
        async move {
            commands
                .powder_movements
                .execute(&workshop.meta, &local_id, command)
                .await
                .context("movement refused")
        }
    };
    match n % 4 {
        0 => {
            new_client(pool, commands, workshop, n).await?;
        }
        1 => {
            movement(MovementCommand::Receive {
                powder_key: workshop.powder_key.clone(),
                kg: Decimal::from(25),
                lot: None,
            })
            .await?;
        }
        2 => {
            movement(MovementCommand::Weigh {
                powder_key: workshop.powder_key.clone(),
                format_kg: Decimal::from(25),
                gross_kg: Decimal::new(128, 1),
                tare_kg: Decimal::new(8, 1),
                theoretical_kg: Decimal::from(12),
            })
            .await?;
        }
        _ => {
            commands::quote::create(pool, commands, &workshop.meta, quote(workshop))
                .await
                .map_err(|error| anyhow::anyhow!("quote refused: {error:?}"))?;
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

fn quote(workshop: &Workshop) -> QuoteDraft {
    QuoteDraft {
        client_id: workshop.client_id,
        lines: (0..3)
            .map(|n| LineDraft {
                description: format!("Portail, vantail {n}"),
                quantity: 1 + n,
                surface: Surface::Dimensions {
                    length_mm: Decimal::from(1800),
                    width_mm: Decimal::from(1200),
                },
                powder_id: Some(workshop.powder_key.clone()),
                coats: 1,
                primer: n == 0,
                varnish: false,
                labour_minutes: Decimal::from(20),
                consumables: Decimal::ONE,
                discount_pct: Decimal::ZERO,
                vat_rate: Decimal::from(20),
            })
            .collect(),
        valid_until: None,
        deposit: None,
    }
}
