//! A realistic demo workshop, seeded idempotently, with an owner who can log in.

use base64::Engine;
use chrono::Utc;
use commands::onboarding::{sign_up, SignUp, SignUpOutcome};
use commands::quote::{LineDraft, QuoteDraft};
use commands::quote_sending::SignatureRequest;
use commands::{CommandMeta, Commands};
use domain::client::{Address, ClientCommand, ClientKind, ClientProfile, SealedProfile};
use domain::powder::catalogue::{self, Format, PowderCommand, PowderSpec};
use domain::powder::movement::{self, ConsumptionSource, Lot, MovementCommand};
use domain::powder::{Finish, PowderKind};
use domain::quote::lifecycle::Signer;
use domain::quote::pricing::Surface;
use domain::workspace::Consent;
use projections::Subscriptions;
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
        Ok(SignUpOutcome::Created(signed_up)) => {
            // The demo owner signs in at once: its address counts as proved.
            commands::account::mark_email_verified(pool, signed_up.account_id).await?;
            seed_powders(commands, signed_up.workspace_id).await?;
            seed_quotes(pool, commands, signed_up.workspace_id, signed_up.account_id).await?;
            Ok(true)
        }
        Ok(SignUpOutcome::AlreadyRegistered) => Ok(false),
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

/// Two clients and three quotes in each state a workshop meets first: a draft, one sent and
/// waiting for its signature, one signed at the counter (the scan of the client's paper).
async fn seed_quotes(
    pool: &PgPool,
    commands: &Commands,
    workspace_id: Uuid,
    owner: Uuid,
) -> anyhow::Result<()> {
    let meta = CommandMeta::system(workspace_id, "demo-seed");
    let clients = [
        (
            "Carrosserie",
            "Lemaire",
            "Hugo",
            "hugo.lemaire@exemple.fr",
            ClientKind::Professional,
        ),
        (
            "",
            "Bernard",
            "Paul",
            "paul.bernard@exemple.fr",
            ClientKind::Private,
        ),
    ];
    let mut client_ids = Vec::new();
    for (company, last_name, first_name, email, kind) in clients {
        let client_id = Uuid::now_v7();
        let profile = ClientProfile {
            kind,
            company_name: (!company.is_empty()).then(|| format!("{company} {last_name}")),
            siret: None,
            vat_number: None,
            first_name: Some(first_name.to_owned()),
            last_name: Some(last_name.to_owned()),
            email: Some(email.to_owned()),
            phones: vec![],
            billing_address: Some(Address {
                line1: "12 rue des Forges".to_owned(),
                line2: None,
                postcode: "49000".to_owned(),
                city: "Angers".to_owned(),
                country: "FR".to_owned(),
            }),
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
                ClientCommand::Create {
                    client_id,
                    profile: SealedProfile::seal(&profile, &key, commands::client::nonce()),
                    duplicate_override: None,
                    invitation: None,
                },
            )
            .await?;
        client_ids.push(client_id);
    }
    catch_up(pool).await?;
    let powder = |reference: &str| -> anyhow::Result<String> {
        let (_, kind, finish, ..) = POWDERS
            .iter()
            .find(|powder| powder.0 == reference)
            .ok_or_else(|| anyhow::anyhow!("no demo powder {reference}"))?;
        let identity = domain::powder::PowderIdentity::new(reference, *kind, *finish)
            .ok_or_else(|| anyhow::anyhow!("bad demo powder {reference}"))?;
        Ok(catalogue::aggregate_local_id(&identity))
    };
    let gate = LineDraft {
        description: "Portail 2 vantaux".to_owned(),
        quantity: 2,
        surface: Surface::Dimensions {
            length_mm: dec!(2000),
            width_mm: dec!(1000),
        },
        powder_id: Some(powder("TP 7016 B")?),
        coats: 2,
        primer: true,
        varnish: false,
        labour_minutes: dec!(30),
        consumables: dec!(5),
        discount_pct: dec!(0),
        vat_rate: dec!(20),
    };
    let rims = LineDraft {
        description: "Jantes alu 17\"".to_owned(),
        quantity: 4,
        surface: Surface::Area { m2: dec!(0.35) },
        powder_id: Some(powder("TP 9005 T")?),
        coats: 1,
        primer: false,
        varnish: true,
        labour_minutes: dec!(15),
        consumables: dec!(0),
        discount_pct: dec!(0),
        vat_rate: dec!(20),
    };
    let mut quote_ids = Vec::new();
    for (client_id, lines) in [
        (client_ids[0], vec![gate.clone()]),
        (client_ids[1], vec![rims.clone()]),
        (client_ids[0], vec![gate, rims]),
    ] {
        let draft = QuoteDraft {
            client_id,
            lines,
            valid_until: None,
            deposit: None,
        };
        let (quote_id, _, _) = commands::quote::create(pool, commands, &meta, draft).await?;
        quote_ids.push(quote_id);
    }
    catch_up(pool).await?;
    // The second and third are sent with their frozen PDF; the third is then signed, which
    // stores its signed copy.
    for quote_id in &quote_ids[1..] {
        commands::quote_sending::send(pool, commands, &meta, *quote_id).await?;
    }
    catch_up(pool).await?;
    let signed = quote_ids[2];
    let quote = projections::quote::find(pool, workspace_id, signed)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo quote not projected"))?;
    let signature = SignatureRequest {
        signer: Signer::StaffOnBehalf { account_id: owner },
        version: quote.version as u32,
        pdf_sha256: quote.sent_pdf_sha256.clone().unwrap_or_default(),
        terms_accepted: true,
        image: base64::engine::general_purpose::STANDARD.encode(signature_scan()?),
        ip: None,
        user_agent: Some("démo".to_owned()),
    };
    commands::quote_sending::sign(pool, commands, &meta, signed, signature).await?;
    catch_up(pool).await?;
    Ok(())
}

/// A handwritten-looking stroke on white, as a phone scan of the signed paper would be.
fn signature_scan() -> anyhow::Result<Vec<u8>> {
    let stroke = |x: u32| {
        let y = 60.0 + 25.0 * (f64::from(x) / 23.0).sin() * (f64::from(x) / 370.0);
        y as u32
    };
    let png = commands::documents::image_check::rgb_png(400, 120, |x, y| {
        let inked = (30..370).contains(&x) && (stroke(x)..stroke(x) + 3).contains(&y);
        if inked {
            [20, 20, 60]
        } else {
            [255, 255, 255]
        }
    })?;
    Ok(png)
}

async fn catch_up(pool: &PgPool) -> anyhow::Result<()> {
    for projection in projections::all() {
        projections::engine::catch_up(pool, &*projection, &Subscriptions::default(), 500).await?;
    }
    Ok(())
}
