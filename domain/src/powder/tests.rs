use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;

#[test]
fn identity_is_reference_kind_and_finish() {
    let gloss = PowderIdentity::new("tp 7016  b", PowderKind::Polyester, Finish::Gloss).unwrap();
    let same = PowderIdentity::new("TP 7016 B", PowderKind::Polyester, Finish::Gloss).unwrap();
    let matt = PowderIdentity::new("TP 7016 B", PowderKind::Polyester, Finish::Matt).unwrap();
    let epoxy = PowderIdentity::new("TP 7016 B", PowderKind::Epoxy, Finish::Gloss).unwrap();
    assert_eq!(gloss, same);
    assert_ne!(gloss, matt, "RAL 7016 gloss is not RAL 7016 matt");
    assert_ne!(gloss, epoxy);
    assert_eq!(
        PowderIdentity::new("   ", PowderKind::Epoxy, Finish::Gloss),
        None
    );
}

#[test]
fn net_weights() {
    for (gross, tare, expected) in [
        (dec!(12.450), dec!(0.650), Ok(dec!(11.800))),
        (dec!(0.650), dec!(0.650), Ok(dec!(0))),
        (dec!(0.5), dec!(0.650), Err("WEIGHT_BELOW_TARE")),
        (dec!(-1), dec!(0.650), Err("WEIGHT_NEGATIVE")),
        (dec!(3), dec!(-0.1), Err("WEIGHT_NEGATIVE")),
    ] {
        let result = net_weight(gross, tare).map_err(|error| crate::DomainError::code(&error));
        assert_eq!(result, expected, "{gross} - {tare}");
    }
}

#[test]
fn consumption_per_square_metre() {
    for (density, thickness, efficiency, expected) in [
        (dec!(1.5), dec!(70), dec!(0.6), Some(dec!(0.175))),
        (dec!(1.6), dec!(60), dec!(1), Some(dec!(0.096))),
        (dec!(1.5), dec!(70), dec!(0), None),
        (dec!(1.5), dec!(70), dec!(1.2), None),
    ] {
        assert_eq!(
            consumption_kg_per_m2(density, thickness, efficiency),
            expected,
            "{density} {thickness} {efficiency}"
        );
    }
}

#[test]
fn reliability_scores() {
    for (reconciliations, expected) in [
        (vec![], None),
        (vec![(dec!(20), dec!(20))], Some(100)),
        (vec![(dec!(20), dec!(25))], Some(0)),
        (vec![(dec!(20), dec!(22.5))], Some(50)),
        // The latest weighing was exact; an old bad one weighs less.
        (vec![(dec!(20), dec!(20)), (dec!(20), dec!(25))], Some(67)),
        (vec![(dec!(20), dec!(25)), (dec!(20), dec!(20))], Some(33)),
        // A nearly empty carton: the gap is measured against 1 kg, not 0.2 kg.
        (vec![(dec!(0.2), dec!(0.3))], Some(60)),
    ] {
        assert_eq!(
            reliability_score(&reconciliations),
            expected,
            "{reconciliations:?}"
        );
    }
    let many: Vec<(Decimal, Decimal)> = (0..30).map(|_| (dec!(10), dec!(10))).collect();
    assert_eq!(reliability_score(&many), Some(100));
}

fn candidate(id: u32, used: Decimal, reliability: Option<u8>) -> Candidate<u32> {
    Candidate {
        id,
        used_since_weighing_kg: used,
        reliability,
    }
}

#[test]
fn the_daily_list_mixes_use_risk_and_chance_and_is_stable_for_the_day() {
    let candidates = vec![
        candidate(1, dec!(2), Some(95)),
        candidate(2, dec!(40), Some(90)),
        candidate(3, dec!(0), None),
        candidate(4, dec!(5), Some(20)),
        candidate(5, dec!(1), Some(99)),
        candidate(6, dec!(0), Some(98)),
        candidate(7, dec!(0), Some(97)),
    ];
    let today = to_weigh_list(&candidates, 3, 42);
    assert_eq!(today.len(), 3);
    assert_eq!(today[0], 2, "most used since its last weighing");
    assert_eq!(today[1], 3, "never weighed comes before a low score");
    assert!(![2, 3].contains(&today[2]));
    assert_eq!(
        to_weigh_list(&candidates, 3, 42),
        today,
        "same seed, same list"
    );
    let other_days: Vec<u32> = (0..20)
        .map(|seed| to_weigh_list(&candidates, 3, seed)[2])
        .collect();
    assert!(
        other_days.iter().any(|pick| *pick != other_days[0]),
        "the random pick changes with the day"
    );
    assert_eq!(
        to_weigh_list(&candidates[..2], 3, 42).len(),
        2,
        "never more than there are"
    );
    assert!(to_weigh_list::<u32>(&[], 3, 42).is_empty());
    let five = to_weigh_list(&candidates, 5, 7);
    assert_eq!(&five[..2], &[2, 4], "two by use");
    assert_eq!(five[2], 3);
}

#[test]
fn reorders() {
    // 60 kg used in 30 days: 2 kg/day; 10 kg left: 5 days.
    let suggestion = reorder(dec!(10), dec!(60), 30, 7, 30, dec!(25));
    assert_eq!(suggestion.days_left, Some(5));
    assert!(suggestion.low_stock, "5 days left, 7 days of lead time");
    // Needs 2 × 37 − 10 = 64 kg: three 25 kg cartons.
    assert_eq!(suggestion.quantity_kg, dec!(75));
    let plenty = reorder(dec!(200), dec!(60), 30, 7, 30, dec!(25));
    assert_eq!(plenty.quantity_kg, dec!(0));
    assert!(!plenty.low_stock);
    let unused = reorder(dec!(3), dec!(0), 30, 7, 30, dec!(25));
    assert_eq!(unused.days_left, None);
    assert_eq!(unused.quantity_kg, dec!(0));
}

mod catalogue {
    use chrono::{TimeZone, Utc};
    use cqrs_es::test::TestFramework;
    use rust_decimal_macros::dec;

    use crate::powder::catalogue::*;
    use crate::powder::{Finish, PowderKind};
    use crate::Stamped;

    type PowderTest = TestFramework<Powder>;

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn spec() -> PowderSpec {
        PowderSpec {
            reference: " tp 7016 b ".into(),
            kind: PowderKind::Polyester,
            finish: Finish::Gloss,
            brand: "Thermopoudre".into(),
            name: "Gris anthracite brillant".into(),
            colour: Some("RAL 7016".into()),
            density_g_cm3: dec!(1.5),
            thickness_um: dec!(70),
            consumption_kg_m2: None,
            transfer_efficiency: Some(dec!(0.6)),
            cure_temperature_c: 200,
            cure_minutes: 10,
            formats: vec![Format {
                kg: dec!(25),
                tare_kg: dec!(0.8),
            }],
            price_per_kg: dec!(12.90),
        }
    }

    #[test]
    fn catalogue_figures_have_real_world_ranges() {
        let code = |spec: PowderSpec| {
            spec.validate()
                .map(|_| ())
                .map_err(|e| crate::DomainError::code(&e))
        };
        assert_eq!(
            code(PowderSpec {
                price_per_kg: dec!(1000),
                ..spec()
            }),
            Ok(())
        );
        assert_eq!(
            code(PowderSpec {
                price_per_kg: dec!(1000.01),
                ..spec()
            }),
            Err("POWDER_PRICE_OUT_OF_RANGE")
        );
        assert_eq!(
            code(PowderSpec {
                consumption_kg_m2: Some(dec!(5.001)),
                ..spec()
            }),
            Err("POWDER_CONSUMPTION_OUT_OF_RANGE")
        );
        // A negative consumption is a typing error, not « compute it for me » like 0.
        assert_eq!(
            code(PowderSpec {
                consumption_kg_m2: Some(dec!(-1)),
                ..spec()
            }),
            Err("POWDER_CONSUMPTION_OUT_OF_RANGE")
        );
        assert_eq!(
            code(PowderSpec {
                consumption_kg_m2: Some(dec!(0)),
                ..spec()
            }),
            Ok(())
        );
        assert_eq!(
            code(PowderSpec {
                name: "n".repeat(201),
                ..spec()
            }),
            Err("POWDER_NAME_TOO_LONG")
        );
        let format = |kg| Format {
            kg,
            tare_kg: dec!(0.8),
        };
        assert_eq!(
            code(PowderSpec {
                formats: vec![format(dec!(1000))],
                ..spec()
            }),
            Ok(())
        );
        assert_eq!(
            code(PowderSpec {
                formats: vec![format(dec!(1000.001))],
                ..spec()
            }),
            Err("POWDER_FORMAT_KG_OUT_OF_RANGE")
        );
        assert_eq!(
            code(PowderSpec {
                formats: vec![format(dec!(25)); 21],
                ..spec()
            }),
            Err("POWDER_FORMATS_OUT_OF_RANGE")
        );
    }

    fn registered() -> PowderEvent {
        PowderEvent::Registered {
            spec: spec().validate().unwrap(),
            registered_at: now(),
        }
    }

    #[test]
    fn a_powder_registers_with_its_consumption_derived() {
        let validated = spec().validate().unwrap();
        assert_eq!(validated.reference, "TP 7016 B");
        assert_eq!(validated.consumption_kg_m2, Some(dec!(0.175)));
        PowderTest::with(())
            .given_no_previous_events()
            .when(Stamped::at(now(), PowderCommand::Register { spec: spec() }))
            .then_expect_events(vec![registered()]);
    }

    #[test]
    fn the_same_exact_powder_registers_once_and_ids_follow_identity() {
        PowderTest::with(())
            .given(vec![registered()])
            .when(Stamped::at(now(), PowderCommand::Register { spec: spec() }))
            .then_expect_error(PowderError::AlreadyRegistered);
        let gloss = spec().identity().unwrap();
        let matt = PowderSpec {
            finish: Finish::Matt,
            ..spec()
        }
        .identity()
        .unwrap();
        assert_ne!(aggregate_local_id(&gloss), aggregate_local_id(&matt));
        let same = PowderSpec {
            reference: "TP 7016 B".into(),
            ..spec()
        }
        .identity()
        .unwrap();
        assert_eq!(aggregate_local_id(&gloss), aggregate_local_id(&same));
    }

    #[test]
    fn an_update_records_what_changed_and_nothing_when_nothing_did() {
        let cheaper = PowderSpec {
            price_per_kg: dec!(11.50),
            name: "Anthracite".into(),
            ..spec()
        };
        PowderTest::with(())
            .given(vec![registered()])
            .when(Stamped::at(
                now(),
                PowderCommand::Update {
                    spec: cheaper.clone(),
                },
            ))
            .then_expect_events(vec![PowderEvent::Updated {
                spec: cheaper.validate().unwrap(),
                changed: vec!["name".into(), "price_per_kg".into()],
                updated_at: now(),
            }]);
        PowderTest::with(())
            .given(vec![registered()])
            .when(Stamped::at(now(), PowderCommand::Update { spec: spec() }))
            .then_expect_events(vec![]);
    }

    #[test]
    fn an_archived_powder_leaves_the_catalogue_until_restored() {
        let archived = PowderEvent::Archived { archived_at: now() };
        PowderTest::with(())
            .given(vec![registered()])
            .when(Stamped::at(now(), PowderCommand::Archive))
            .then_expect_events(vec![archived.clone()]);
        PowderTest::with(())
            .given(vec![registered(), archived.clone()])
            .when(Stamped::at(now(), PowderCommand::Archive))
            .then_expect_events(vec![]);
        for command in [
            PowderCommand::Register { spec: spec() },
            PowderCommand::Update { spec: spec() },
        ] {
            PowderTest::with(())
                .given(vec![registered(), archived.clone()])
                .when(Stamped::at(now(), command))
                .then_expect_error(PowderError::Archived);
        }
        PowderTest::with(())
            .given(vec![registered(), archived.clone()])
            .when(Stamped::at(now(), PowderCommand::Restore))
            .then_expect_events(vec![PowderEvent::Restored { restored_at: now() }]);
        PowderTest::with(())
            .given(vec![registered()])
            .when(Stamped::at(now(), PowderCommand::Restore))
            .then_expect_events(vec![]);
        PowderTest::with(())
            .given_no_previous_events()
            .when(Stamped::at(now(), PowderCommand::Archive))
            .then_expect_error(PowderError::NotRegistered);
    }

    #[test]
    fn bad_specs() {
        for (bad, code) in [
            (
                PowderSpec {
                    reference: "  ".into(),
                    ..spec()
                },
                "POWDER_REFERENCE_EMPTY",
            ),
            (
                PowderSpec {
                    density_g_cm3: dec!(0),
                    ..spec()
                },
                "POWDER_DENSITY_INVALID",
            ),
            (
                PowderSpec {
                    thickness_um: dec!(900),
                    ..spec()
                },
                "POWDER_THICKNESS_INVALID",
            ),
            (
                PowderSpec {
                    transfer_efficiency: None,
                    ..spec()
                },
                "POWDER_CONSUMPTION_UNKNOWN",
            ),
            (
                PowderSpec {
                    cure_temperature_c: 400,
                    ..spec()
                },
                "POWDER_CURE_INVALID",
            ),
            (
                PowderSpec {
                    formats: vec![],
                    ..spec()
                },
                "POWDER_NO_FORMAT",
            ),
            (
                PowderSpec {
                    formats: vec![Format {
                        kg: dec!(1),
                        tare_kg: dec!(1.2),
                    }],
                    ..spec()
                },
                "POWDER_FORMAT_INVALID",
            ),
            (
                PowderSpec {
                    price_per_kg: dec!(-1),
                    ..spec()
                },
                "POWDER_PRICE_INVALID",
            ),
        ] {
            let error = bad.clone().validate().unwrap_err();
            assert_eq!(crate::DomainError::code(&error), code, "{bad:?}");
        }
        let given = PowderSpec {
            consumption_kg_m2: Some(dec!(0.12)),
            transfer_efficiency: None,
            ..spec()
        };
        assert_eq!(
            given.validate().unwrap().consumption_kg_m2,
            Some(dec!(0.12))
        );
    }
}

mod movements {
    use chrono::{TimeZone, Utc};
    use cqrs_es::test::TestFramework;
    use rust_decimal_macros::dec;

    use crate::powder::movement::*;
    use crate::powder::WeighingError;
    use crate::Stamped;

    type MovementsTest = TestFramework<PowderMovements>;

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    #[test]
    fn streams_are_split_by_month() {
        let november = aggregate_local_id("powder/tp 7016 b/polyester/gloss", now());
        let december = aggregate_local_id(
            "powder/tp 7016 b/polyester/gloss",
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        );
        assert_eq!(november, "stock/powder/tp 7016 b/polyester/gloss/2026-11");
        assert_ne!(november, december);
    }

    #[test]
    fn a_weighing_records_net_and_gap() {
        MovementsTest::with(())
            .given_no_previous_events()
            .when(Stamped::at(
                now(),
                MovementCommand::Weigh {
                    powder_key: "p".into(),
                    format_kg: dec!(25),
                    gross_kg: dec!(12.45),
                    tare_kg: dec!(0.8),
                    theoretical_kg: dec!(13),
                },
            ))
            .then_expect_events(vec![MovementEvent::Weighed {
                powder_key: "p".into(),
                format_kg: dec!(25),
                gross_kg: dec!(12.45),
                tare_kg: dec!(0.8),
                net_kg: dec!(11.65),
                theoretical_kg: dec!(13),
                gap_kg: dec!(-1.35),
                weighed_at: now(),
            }]);
    }

    #[test]
    fn impossible_movements_are_refused() {
        MovementsTest::with(())
            .given_no_previous_events()
            .when(Stamped::at(
                now(),
                MovementCommand::Weigh {
                    powder_key: "p".into(),
                    format_kg: dec!(25),
                    gross_kg: dec!(0.5),
                    tare_kg: dec!(0.8),
                    theoretical_kg: dec!(3),
                },
            ))
            .then_expect_error(MovementError::Weighing(WeighingError::GrossBelowTare {
                gross: dec!(0.5),
                tare: dec!(0.8),
            }));
        for kg in [dec!(0), dec!(-2)] {
            MovementsTest::with(())
                .given_no_previous_events()
                .when(Stamped::at(
                    now(),
                    MovementCommand::Consume {
                        powder_key: "p".into(),
                        kg,
                        source: ConsumptionSource::Batch("S-42".into()),
                    },
                ))
                .then_expect_error(MovementError::QuantityNotPositive);
        }
    }

    /// Issue 16: « receivePowder(kg: "1e9") » was accepted, then the stock read model failed
    /// on it forever.
    #[test]
    fn movements_stop_at_a_truck_and_weighings_at_the_scale() {
        let decide = |command: MovementCommand| {
            PowderMovements::default()
                .decide(Stamped::at(now(), command))
                .map(|_| ())
                .map_err(|error| crate::DomainError::code(&error))
        };
        let receive = |kg, lot: Option<Lot>| MovementCommand::Receive {
            powder_key: "p".into(),
            kg,
            lot,
        };
        assert_eq!(decide(receive(dec!(10000), None)), Ok(()));
        assert_eq!(
            decide(receive(dec!(10000.001), None)),
            Err("POWDER_KG_OUT_OF_RANGE")
        );
        assert_eq!(
            decide(receive(dec!(1000000000), None)),
            Err("POWDER_KG_OUT_OF_RANGE")
        );
        let lot = |format_kg, expires_on| Lot {
            number: "L1".into(),
            format_kg: Some(format_kg),
            expires_on,
        };
        assert_eq!(
            decide(receive(dec!(25), Some(lot(dec!(1000), None)))),
            Ok(())
        );
        assert_eq!(
            decide(receive(dec!(25), Some(lot(dec!(1001), None)))),
            Err("POWDER_FORMAT_KG_OUT_OF_RANGE")
        );
        let before_2000 = chrono::NaiveDate::from_ymd_opt(1999, 12, 31);
        assert_eq!(
            decide(receive(dec!(25), Some(lot(dec!(25), before_2000)))),
            Err("POWDER_EXPIRY_OUT_OF_RANGE")
        );
        let consume = |kg, note: &str| MovementCommand::Consume {
            powder_key: "p".into(),
            kg,
            source: ConsumptionSource::Manual(note.into()),
        };
        assert_eq!(decide(consume(dec!(10000), &"é".repeat(2_000))), Ok(()));
        assert_eq!(
            decide(consume(dec!(1), &"é".repeat(2_001))),
            Err("POWDER_NOTE_TOO_LONG")
        );
        let weigh = |gross_kg| MovementCommand::Weigh {
            powder_key: "p".into(),
            format_kg: dec!(25),
            gross_kg,
            tare_kg: dec!(0.8),
            theoretical_kg: dec!(3),
        };
        assert_eq!(decide(weigh(dec!(1000))), Ok(()));
        assert_eq!(
            decide(weigh(dec!(1000.001))),
            Err("POWDER_GROSS_KG_OUT_OF_RANGE")
        );
        let refused = PowderMovements::default()
            .decide(Stamped::at(now(), receive(dec!(1000000000), None)))
            .unwrap_err();
        assert_eq!(refused.to_string(), "quantité : au plus 10\u{202f}000 kg");
    }

    #[test]
    fn consumption_names_its_source_in_the_log() {
        let event = MovementEvent::Consumed {
            powder_key: "p".into(),
            kg: dec!(1.2),
            source: ConsumptionSource::Project("P-2026-0017".into()),
            consumed_at: now(),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json["Consumed"]["source"],
            serde_json::json!({ "kind": "project", "id": "P-2026-0017" })
        );
        assert_eq!(json["Consumed"]["kg"], "1.2");
        assert_eq!(cqrs_es::DomainEvent::event_type(&event), "PowderConsumed");
    }
}

mod inventories {
    use chrono::{NaiveDate, TimeZone, Utc};
    use cqrs_es::test::TestFramework;
    use uuid::Uuid;

    use crate::powder::inventory::*;
    use crate::Stamped;

    type InventoryTest = TestFramework<Inventory>;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn plan(starts: NaiveDate, ends: NaiveDate, keys: Vec<String>) -> Stamped<InventoryCommand> {
        Stamped::at(
            Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
            InventoryCommand::Plan {
                inventory_id: Uuid::from_u128(7),
                name: " Inventaire  de décembre ".into(),
                starts_on: starts,
                ends_on: ends,
                powder_keys: keys,
            },
        )
    }

    #[test]
    fn plans_are_checked() {
        InventoryTest::with(())
            .given_no_previous_events()
            .when(plan(day(10), day(1), vec!["p".into()]))
            .then_expect_error(InventoryError::PeriodInvalid { max: MAX_DAYS });
        InventoryTest::with(())
            .given_no_previous_events()
            .when(plan(day(1), day(10), vec![]))
            .then_expect_error(InventoryError::NothingToWeigh);
        let keys = |count: usize| (0..count).map(|n| format!("p{n}")).collect::<Vec<_>>();
        InventoryTest::with(())
            .given_no_previous_events()
            .when(plan(day(1), day(10), keys(200)))
            .inspect_result()
            .unwrap();
        let refused = InventoryTest::with(())
            .given_no_previous_events()
            .when(plan(day(1), day(10), keys(201)))
            .inspect_result()
            .unwrap_err();
        assert_eq!(
            crate::DomainError::code(&refused),
            "INVENTORY_SIZE_OUT_OF_RANGE"
        );
        let planned = InventoryTest::with(())
            .given_no_previous_events()
            .when(plan(day(1), day(10), vec!["p".into()]))
            .inspect_result()
            .unwrap();
        match &planned[0] {
            InventoryEvent::Planned { name, .. } => assert_eq!(name, "Inventaire de décembre"),
            other => panic!("{other:?}"),
        }
        InventoryTest::with(())
            .given(planned.clone())
            .when(Stamped::at(Utc::now(), InventoryCommand::Close))
            .inspect_result()
            .unwrap();
        let mut closed = planned;
        closed.push(InventoryEvent::Closed {
            closed_at: Utc::now(),
        });
        InventoryTest::with(())
            .given(closed)
            .when(Stamped::at(Utc::now(), InventoryCommand::Close))
            .then_expect_error(InventoryError::AlreadyClosed);
    }
}

mod settings {
    use super::super::settings::*;
    use crate::Stamped;

    fn change(policy: &StockPolicy, settings: StockSettings) -> Result<usize, &'static str> {
        let now = chrono::Utc::now();
        policy
            .decide(Stamped::at(now, StockSettingsCommand::Change(settings)))
            .map(|events| events.len())
            .map_err(|error| crate::DomainError::code(&error))
    }

    #[test]
    fn defaults_are_three_powders_a_day_and_alerts_on() {
        let defaults = StockSettings::default();
        assert_eq!(defaults.daily_list_size, 3);
        assert!(defaults.low_stock_alerts);
        assert_eq!(defaults.validate(), Ok(defaults));
    }

    #[test]
    fn bounds_are_checked_and_an_unchanged_form_writes_nothing() {
        let policy = StockPolicy::default();
        let base = StockSettings::default();
        for (settings, expected) in [
            (base, Ok(0)),
            (
                StockSettings {
                    daily_list_size: 5,
                    ..base
                },
                Ok(1),
            ),
            (
                StockSettings {
                    daily_list_size: 0,
                    ..base
                },
                Err("STOCK_DAILY_LIST_SIZE_INVALID"),
            ),
            (
                StockSettings {
                    daily_list_size: 21,
                    ..base
                },
                Err("STOCK_DAILY_LIST_SIZE_INVALID"),
            ),
            (
                StockSettings {
                    window_days: 0,
                    ..base
                },
                Err("STOCK_HORIZON_INVALID"),
            ),
            (
                StockSettings {
                    lead_time_days: 0,
                    ..base
                },
                Ok(1),
            ),
            (
                StockSettings {
                    cover_days: 366,
                    ..base
                },
                Err("STOCK_HORIZON_INVALID"),
            ),
        ] {
            assert_eq!(change(&policy, settings), expected, "{settings:?}");
        }
    }
}

mod alerts {
    use cqrs_es::Aggregate;
    use rust_decimal_macros::dec;

    use super::super::alert::*;
    use crate::Stamped;

    fn low(key: &str) -> LowPowder {
        LowPowder {
            powder_key: key.to_owned(),
            reference: key.to_uppercase(),
            stock_kg: dec!(2),
            days_left: 1,
            quantity_kg: dec!(25),
        }
    }

    fn review(alerts: &mut StockAlerts, keys: &[&str]) -> Vec<AlertEvent> {
        let low = keys.iter().map(|key| low(key)).collect();
        let events = alerts.decide(Stamped::at(
            chrono::Utc::now(),
            AlertCommand::Review { low },
        ));
        for event in events.clone() {
            alerts.apply(event);
        }
        events
    }

    fn raised(events: &[AlertEvent]) -> Vec<String> {
        events
            .iter()
            .flat_map(|event| match event {
                AlertEvent::Raised { powders, .. } => {
                    powders.iter().map(|p| p.powder_key.clone()).collect()
                }
                AlertEvent::Cleared { .. } => vec![],
            })
            .collect()
    }

    #[test]
    fn a_powder_is_alerted_once_until_it_recovers() {
        let mut alerts = StockAlerts::default();
        assert_eq!(raised(&review(&mut alerts, &["a", "b"])), ["a", "b"]);
        assert!(
            review(&mut alerts, &["a", "b"]).is_empty(),
            "same review, no email"
        );
        let events = review(&mut alerts, &["b", "c"]);
        assert_eq!(raised(&events), ["c"], "only the newly low powder");
        assert!(events.iter().any(|event| matches!(
            event,
            AlertEvent::Cleared { powder_keys, .. } if powder_keys == &["a".to_owned()]
        )));
        assert_eq!(
            raised(&review(&mut alerts, &["a", "b", "c"])),
            ["a"],
            "a recovered, then became low again"
        );
        assert!(review(&mut alerts, &[])
            .iter()
            .all(|event| matches!(event, AlertEvent::Cleared { .. })));
    }
}

#[test]
fn consumption_draws_the_oldest_lots_first() {
    for (lots, kg, drawn, uncovered) in [
        (
            vec![dec!(5), dec!(25)],
            dec!(3),
            vec![dec!(3), dec!(0)],
            dec!(0),
        ),
        (
            vec![dec!(5), dec!(25)],
            dec!(12),
            vec![dec!(5), dec!(7)],
            dec!(0),
        ),
        (
            vec![dec!(5), dec!(25)],
            dec!(31.5),
            vec![dec!(5), dec!(25)],
            dec!(1.5),
        ),
        (
            vec![dec!(0), dec!(2)],
            dec!(1),
            vec![dec!(0), dec!(1)],
            dec!(0),
        ),
        (
            vec![dec!(-1), dec!(2)],
            dec!(1),
            vec![dec!(0), dec!(1)],
            dec!(0),
        ),
        (vec![], dec!(4), vec![], dec!(4)),
    ] {
        assert_eq!(
            draw_first_in_first_out(&lots, kg),
            (drawn, uncovered),
            "{lots:?} - {kg}"
        );
    }
}

#[test]
fn a_reception_keeps_its_lot_normalised() {
    use crate::powder::movement::*;
    use crate::Stamped;
    let receive = |number: &str, format_kg| {
        PowderMovements::default()
            .decide(Stamped::at(
                chrono::Utc::now(),
                MovementCommand::Receive {
                    powder_key: "p".into(),
                    kg: dec!(50),
                    lot: Some(Lot {
                        number: number.into(),
                        format_kg,
                        expires_on: None,
                    }),
                },
            ))
            .map(|events| match &events[0] {
                MovementEvent::Received { lot, .. } => lot.clone().unwrap().number,
                other => panic!("{other:?}"),
            })
            .map_err(|error| crate::DomainError::code(&error))
    };
    assert_eq!(
        receive("  l24-  0815 ", Some(dec!(25))),
        Ok("L24- 0815".into())
    );
    assert_eq!(receive(&"X".repeat(41), None), Err("LOT_NUMBER_TOO_LONG"));
    assert_eq!(receive("L1", Some(dec!(0))), Err("QUANTITY_NOT_POSITIVE"));
}
