//! A realistic demo workshop, seeded idempotently, with an owner who can log in.

use chrono::Utc;
use commands::account::AccountError;
use commands::onboarding::{sign_up, SignUp, SignUpError};
use commands::{CommandMeta, Commands};
use domain::powder::catalogue::{self, Format, PowderCommand, PowderSpec};
use domain::powder::movement::{self, ConsumptionSource, Lot, MovementCommand};
use domain::powder::{Finish, PowderKind};
use domain::workspace::Consent;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_WORKSPACE_NAME: &str = "Thermolaquage du Val de Loire (démo)";
pub const DEMO_OWNER_EMAIL: &str = "gerant@demo.thermogestion.fr";
/// Printed by `demo`: a demo, not a secret.
pub const DEMO_OWNER_PASSWORD: &str = "Demo-Thermolaquage-2026";

/// Seeds the demo workshop; returns whether it was created by this call.
pub async fn seed(pool: &PgPool, commands: &Commands) -> anyhow::Result<bool> {
    let meta = CommandMeta::system(Uuid::nil(), "demo-seed");
    let input = SignUp {
        workshop_name: DEMO_WORKSPACE_NAME.to_owned(),
        email: DEMO_OWNER_EMAIL.to_owned(),
        phone: Some("+33 2 41 00 00 00".to_owned()),
        password: DEMO_OWNER_PASSWORD.to_owned(),
        consent: Consent {
            terms_version: "2026-11".to_owned(),
            privacy_policy_version: "2026-11".to_owned(),
            data_processing: true,
        },
    };
    match sign_up(pool, commands, &meta, input).await {
        Ok(signed_up) => {
            seed_powders(commands, signed_up.workspace_id).await?;
            Ok(true)
        }
        Err(SignUpError::Account(AccountError::EmailTaken)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// (reference, kind, finish, name, RAL, kg received, lot, kg used, weighed net kg)
type DemoPowder = (
    &'static str,
    PowderKind,
    Finish,
    &'static str,
    &'static str,
    u32,
    &'static str,
    Decimal,
    Option<Decimal>,
);

/// A catalogue with stock in every state the screens show: well-followed powders, one
/// running low, one with a gap found by the scale, one never moved.
const POWDERS: [DemoPowder; 6] = [
    (
        "TP 7016 B",
        PowderKind::Polyester,
        Finish::Gloss,
        "Gris anthracite brillant",
        "RAL 7016",
        75,
        "L26-0412",
        dec!(41.5),
        Some(dec!(31.2)),
    ),
    (
        "TP 7016 M",
        PowderKind::Polyester,
        Finish::Matt,
        "Gris anthracite mat",
        "RAL 7016",
        50,
        "L26-0398",
        dec!(12),
        None,
    ),
    (
        "TP 9005 T",
        PowderKind::Polyester,
        Finish::Texture,
        "Noir sablé",
        "RAL 9005",
        25,
        "L26-0377",
        dec!(21.5),
        None,
    ),
    (
        "TP 9010 B",
        PowderKind::Polyester,
        Finish::Gloss,
        "Blanc pur brillant",
        "RAL 9010",
        100,
        "L26-0420",
        dec!(38),
        Some(dec!(62.4)),
    ),
    (
        "TP 3020 S",
        PowderKind::Polyester,
        Finish::Satin,
        "Rouge signalisation satiné",
        "RAL 3020",
        25,
        "L26-0301",
        dec!(4),
        None,
    ),
    (
        "EP 7035 B",
        PowderKind::Epoxy,
        Finish::Gloss,
        "Gris clair époxy (intérieur)",
        "RAL 7035",
        0,
        "",
        dec!(0),
        None,
    ),
];

async fn seed_powders(commands: &Commands, workspace_id: Uuid) -> anyhow::Result<()> {
    let meta = CommandMeta::system(workspace_id, "demo-seed");
    let now = Utc::now();
    for (reference, kind, finish, name, colour, received, lot, used, weighed) in POWDERS {
        let spec = PowderSpec {
            reference: reference.to_owned(),
            kind,
            finish,
            brand: "Thermopoudre".to_owned(),
            name: name.to_owned(),
            colour: Some(colour.to_owned()),
            density_g_cm3: dec!(1.5),
            thickness_um: dec!(70),
            consumption_kg_m2: None,
            transfer_efficiency: Some(dec!(0.65)),
            cure_temperature_c: 200,
            cure_minutes: 10,
            formats: vec![
                Format {
                    kg: dec!(25),
                    tare_kg: dec!(0.8),
                },
                Format {
                    kg: dec!(5),
                    tare_kg: dec!(0.3),
                },
            ],
            price_per_kg: dec!(13.90),
        };
        let key = catalogue::aggregate_local_id(&spec.identity()?);
        commands
            .powders
            .execute(&meta, &key, PowderCommand::Register { spec })
            .await?;
        let stream = movement::aggregate_local_id(&key, now);
        let mut moves = Vec::new();
        if received > 0 {
            moves.push(MovementCommand::Receive {
                powder_key: key.clone(),
                kg: Decimal::from(received),
                lot: Some(Lot {
                    number: lot.to_owned(),
                    format_kg: Some(dec!(25)),
                    expires_on: Some(now.date_naive() + chrono::Days::new(300)),
                }),
            });
        }
        if used > Decimal::ZERO {
            moves.push(MovementCommand::Consume {
                powder_key: key.clone(),
                kg: used,
                source: ConsumptionSource::Manual("séries de la semaine".to_owned()),
            });
        }
        if let Some(net) = weighed {
            let theoretical_kg = Decimal::from(received) - used;
            moves.push(MovementCommand::Weigh {
                powder_key: key.clone(),
                format_kg: dec!(25),
                gross_kg: net + dec!(0.8),
                tare_kg: dec!(0.8),
                theoretical_kg,
            });
        }
        for command in moves {
            commands
                .powder_movements
                .execute(&meta, &stream, command)
                .await?;
        }
    }
    Ok(())
}
