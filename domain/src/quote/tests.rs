//! Hand-computed cases: every expected figure below was worked out on paper from the rules
//! in `pricing.rs`, not read back from the code.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::pricing::*;
use crate::powder::{Finish, PowderIdentity, PowderKind};
use crate::DomainError;

fn rates() -> Rates {
    Rates {
        hourly_rate: dec!(45),
        powder_margin_pct: dec!(30),
        labour_margin_pct: dec!(20),
        primer_price_per_kg: dec!(15),
        varnish_price_per_kg: dec!(18),
    }
}

fn powder(reference: &str, price_per_kg: Decimal, consumption_kg_m2: Decimal) -> LinePowder {
    LinePowder {
        identity: PowderIdentity::new(reference, PowderKind::Polyester, Finish::Gloss).unwrap(),
        price_per_kg,
        consumption_kg_m2,
        cure_temperature_c: 200,
        cure_minutes: 10,
    }
}

fn line(quantity: u32, surface: Surface) -> Line {
    Line {
        description: "pièce".into(),
        quantity,
        surface,
        powder: None,
        coats: 1,
        primer: false,
        varnish: false,
        labour_minutes: Decimal::ZERO,
        consumables: Decimal::ZERO,
        discount_pct: Decimal::ZERO,
        vat_rate: dec!(20),
    }
}

/// A gate (primer, two coats, discount), rims (varnish, 10 % VAT) and sandblasting only.
fn workshop_quote() -> Vec<Line> {
    vec![
        Line {
            description: "Portail".into(),
            powder: Some(powder("TP 7016 B", dec!(12.90), dec!(0.175))),
            coats: 2,
            primer: true,
            labour_minutes: dec!(30),
            consumables: dec!(5),
            discount_pct: dec!(10),
            ..line(
                2,
                Surface::Dimensions {
                    length_mm: dec!(2000),
                    width_mm: dec!(1000),
                },
            )
        },
        Line {
            description: "Jante".into(),
            powder: Some(powder("TP 9005 S", dec!(20), dec!(0.2))),
            varnish: true,
            labour_minutes: dec!(15),
            vat_rate: dec!(10),
            ..line(4, Surface::Area { m2: dec!(0.35) })
        },
        Line {
            description: "Sablage".into(),
            labour_minutes: dec!(20),
            ..line(1, Surface::Area { m2: dec!(1) })
        },
    ]
}

#[test]
fn a_workshop_quote_line_by_line() {
    let priced = price(&workshop_quote(), &rates()).unwrap();
    // Gate: 2 × 2 m² = 4 m²; 4 × 0.175 × 2 = 1.4 kg × 12.90 = 18.06; primer 0.7 kg × 15 =
    // 10.50; +30 % = 37.128. Labour 60 min × 45 €/h = 45 + 20 % = 54. Consumables 5.
    // 96.128 − 10 % = 86.5152; unit 43.2576 → 43.26; line 86.52.
    let gate = &priced.lines[0];
    assert_eq!(gate.surface_m2, dec!(4));
    assert_eq!(gate.powder_kg, dec!(1.4));
    assert_eq!(gate.unit_price_ht, dec!(43.26));
    assert_eq!(gate.total_ht, dec!(86.52));
    // Rims: 4 × 0.35 = 1.4 m²; 0.28 kg × 20 = 5.60; varnish 0.28 × 18 = 5.04; +30 % =
    // 13.832. Labour 60 min = 45 + 20 % = 54. 67.832 / 4 = 16.958 → 16.96; line 67.84.
    let rims = &priced.lines[1];
    assert_eq!(rims.unit_price_ht, dec!(16.96));
    assert_eq!(rims.total_ht, dec!(67.84));
    // Sandblasting: 20 min = 15 + 20 % = 18.
    assert_eq!(priced.lines[2].total_ht, dec!(18.00));
    // 20 %: 86.52 + 18 = 104.52 → 20.904 → 20.90; 10 %: 67.84 → 6.784 → 6.78.
    assert_eq!(
        priced.vat,
        [
            VatTotal {
                rate: dec!(20),
                base_ht: dec!(104.52),
                vat: dec!(20.90)
            },
            VatTotal {
                rate: dec!(10),
                base_ht: dec!(67.84),
                vat: dec!(6.78)
            },
        ]
    );
    assert_eq!(priced.total_ht, dec!(172.36));
    assert_eq!(priced.total_vat, dec!(27.68));
    assert_eq!(priced.total_ttc, dec!(200.04));
}

#[test]
fn every_figure_is_explained() {
    let priced = price(&workshop_quote(), &rates()).unwrap();
    let gate: Vec<(&str, Decimal)> = priced.lines[0]
        .steps
        .iter()
        .map(|step| (step.label.as_str(), step.amount))
        .collect();
    assert_eq!(
        gate,
        [
            ("Surface", dec!(4)),
            ("Poudre TP 7016 B", dec!(18.06)),
            ("Primaire", dec!(10.50)),
            ("Marge poudre", dec!(8.57)),
            ("Main d'œuvre", dec!(45.00)),
            ("Marge main d'œuvre", dec!(9.00)),
            ("Consommables et énergie", dec!(5.00)),
            ("Remise", dec!(-9.61)),
            ("Total HT de la ligne", dec!(86.52)),
        ]
    );
    assert_eq!(
        priced.lines[0].steps[1].detail,
        "4 m² × 0,175 kg/m² × 2 couche(s) = 1,4 kg × 12,9 €/kg"
    );
}

#[test]
fn rounding_is_commercial_per_unit_and_vat_per_rate() {
    let no_margin = Rates {
        hourly_rate: dec!(60),
        labour_margin_pct: Decimal::ZERO,
        ..rates()
    };
    // 10.005 min at 60 €/h = 10.005 € → 10.01 (half away from zero).
    let half = Line {
        labour_minutes: dec!(10.005),
        ..line(1, Surface::Area { m2: dec!(1) })
    };
    assert_eq!(
        price(&[half], &no_margin).unwrap().lines[0].unit_price_ht,
        dec!(10.01)
    );
    // Three lines of 0.33 € at 5.5 %: per line 0.01815 → 0.02 each (0.06 in all); on the
    // rate's total, 0.99 × 5.5 % = 0.05445 → 0.05. The total per rate is the rule.
    let small = Line {
        labour_minutes: dec!(0.33),
        vat_rate: dec!(5.5),
        ..line(1, Surface::Area { m2: dec!(1) })
    };
    let priced = price(&[small.clone(), small.clone(), small], &no_margin).unwrap();
    assert_eq!(priced.total_ht, dec!(0.99));
    assert_eq!(priced.total_vat, dec!(0.05));
    assert_eq!(priced.total_ttc, dec!(1.04));
    // A quantity whose unit price rounds: 3 parts for 10 € → 3.33 each, line 9.99.
    let three = Line {
        labour_minutes: dec!(10) / dec!(3),
        ..line(3, Surface::Area { m2: dec!(1) })
    };
    let priced = price(&[three], &no_margin).unwrap();
    assert_eq!(priced.lines[0].unit_price_ht, dec!(3.33));
    assert_eq!(priced.lines[0].total_ht, dec!(9.99));
}

#[test]
fn bad_lines_are_refused_with_their_number() {
    let good = line(1, Surface::Area { m2: dec!(1) });
    let cases: Vec<(Line, &str)> = vec![
        (
            Line {
                quantity: 0,
                ..good.clone()
            },
            "QUOTE_QUANTITY_INVALID",
        ),
        (
            Line {
                coats: 4,
                ..good.clone()
            },
            "QUOTE_COATS_INVALID",
        ),
        (
            Line {
                coats: 0,
                ..good.clone()
            },
            "QUOTE_COATS_INVALID",
        ),
        (
            Line {
                vat_rate: dec!(19.6),
                ..good.clone()
            },
            "QUOTE_VAT_RATE_NOT_ALLOWED",
        ),
        (
            Line {
                surface: Surface::Dimensions {
                    length_mm: dec!(-200),
                    width_mm: dec!(100),
                },
                ..good.clone()
            },
            "QUOTE_SURFACE_INVALID",
        ),
        (
            Line {
                surface: Surface::Area { m2: dec!(0) },
                ..good.clone()
            },
            "QUOTE_SURFACE_INVALID",
        ),
        (
            Line {
                discount_pct: dec!(120),
                ..good.clone()
            },
            "QUOTE_DISCOUNT_INVALID",
        ),
        (
            Line {
                labour_minutes: dec!(-5),
                ..good.clone()
            },
            "QUOTE_AMOUNT_NEGATIVE",
        ),
    ];
    for (bad, code) in cases {
        let error = price(&[good.clone(), bad], &rates()).unwrap_err();
        assert_eq!(error.code(), code);
        assert!(error.to_string().starts_with("ligne 2"), "{error}");
    }
    assert_eq!(price(&[], &rates()).unwrap_err().code(), "QUOTE_EMPTY");
    let negative = Rates {
        hourly_rate: dec!(-1),
        ..rates()
    };
    assert_eq!(
        price(&[good], &negative).unwrap_err().code(),
        "QUOTE_RATES_INVALID"
    );
}

#[test]
fn allowed_vat_rates_are_the_french_ones() {
    for rate in [dec!(20), dec!(10), dec!(5.5), dec!(2.1), dec!(0)] {
        let priced = price(
            &[Line {
                vat_rate: rate,
                labour_minutes: dec!(60),
                ..line(1, Surface::Area { m2: dec!(1) })
            }],
            &rates(),
        );
        assert!(priced.is_ok(), "{rate}");
    }
}

/// Issue 16: the largest figures are priced, one more is refused naming the line, and no
/// product of typed figures can panic.
#[test]
fn line_figures_stop_at_their_real_world_range() {
    let code = |line: Line| price(&[line], &rates()).map(|_| ()).map_err(|e| e.code());
    let area = |m2: Decimal| Surface::Area { m2 };
    let ok = |line: Line| assert_eq!(code(line.clone()), Ok(()), "{line:?}");
    ok(line(10_000, area(dec!(0.01))));
    ok(line(1, area(dec!(1000))));
    ok(Line {
        consumables: dec!(100000),
        ..line(1, area(dec!(1)))
    });
    ok(Line {
        labour_minutes: dec!(10000),
        ..line(1, area(dec!(1)))
    });
    ok(Line {
        description: "é".repeat(2_000),
        ..line(1, area(dec!(1)))
    });
    ok(line(
        1,
        Surface::Dimensions {
            length_mm: dec!(20000),
            width_mm: dec!(20000),
        },
    ));
    let refused = price(
        &[line(1, area(dec!(1))), line(10_001, area(dec!(0.01)))],
        &rates(),
    )
    .unwrap_err();
    assert_eq!(refused.code(), "QUOTE_QUANTITY_OUT_OF_RANGE");
    assert_eq!(
        refused.to_string(),
        "ligne 2 : quantité : au plus 10\u{202f}000"
    );
    assert_eq!(refused.kind(), crate::ErrorKind::Validation);
    let cases = [
        (
            line(2_000_000_000, area(dec!(1))),
            "QUOTE_QUANTITY_OUT_OF_RANGE",
        ),
        (
            Line {
                description: "  ".into(),
                ..line(1, area(dec!(1)))
            },
            "QUOTE_DESCRIPTION_MISSING",
        ),
        (line(1, area(dec!(10000000))), "QUOTE_AREA_OUT_OF_RANGE"),
        (line(1, area(dec!(1000.0001))), "QUOTE_AREA_OUT_OF_RANGE"),
        (
            Line {
                consumables: dec!(2000000000000),
                ..line(1, area(dec!(1)))
            },
            "QUOTE_CONSUMABLES_OUT_OF_RANGE",
        ),
        (
            Line {
                labour_minutes: dec!(10000.01),
                ..line(1, area(dec!(1)))
            },
            "QUOTE_LABOUR_OUT_OF_RANGE",
        ),
        (
            Line {
                description: "x".repeat(200_000),
                ..line(1, area(dec!(1)))
            },
            "QUOTE_DESCRIPTION_TOO_LONG",
        ),
        // Near 1e20 mm², this product panicked in rust_decimal.
        (
            line(
                1,
                Surface::Dimensions {
                    length_mm: dec!(10000000000),
                    width_mm: dec!(10000000000),
                },
            ),
            "QUOTE_DIMENSION_OUT_OF_RANGE",
        ),
        (
            line(
                1,
                Surface::Dimensions {
                    length_mm: Decimal::MAX,
                    width_mm: Decimal::MAX,
                },
            ),
            "QUOTE_DIMENSION_OUT_OF_RANGE",
        ),
        // Each figure within range, the line's total is not: 10 000 parts × 100 000 €.
        (
            Line {
                labour_minutes: dec!(10000),
                ..line(10_000, area(dec!(1)))
            },
            "QUOTE_LINE_TOTAL_OUT_OF_RANGE",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(code(line), Err(expected));
    }
    // A catalogue price from before the bounds cannot overflow the powder cost either.
    let legacy = Line {
        powder: Some(powder("TP 7016 B", Decimal::MAX, dec!(5))),
        ..line(10_000, area(dec!(1000)))
    };
    assert_eq!(code(legacy), Err("AMOUNT_TOO_LARGE"));
}

#[test]
fn the_whole_quote_stops_at_ten_million_euros() {
    // 60 €/h without margin: a minute is 1 €, a part of 100 minutes 100 €.
    let flat = Rates {
        hourly_rate: dec!(60),
        labour_margin_pct: dec!(0),
        ..rates()
    };
    let big = Line {
        labour_minutes: dec!(100),
        vat_rate: dec!(0),
        ..line(10_000, Surface::Area { m2: dec!(1) })
    };
    let ten = vec![big.clone(); 10];
    assert_eq!(price(&ten, &flat).unwrap().total_ttc, dec!(10000000.00));
    let eleven = vec![big; 11];
    assert_eq!(
        price(&eleven, &flat).unwrap_err().code(),
        "QUOTE_TOTAL_OUT_OF_RANGE"
    );
    let too_many = vec![line(1, Surface::Area { m2: dec!(1) }); 201];
    assert_eq!(
        price(&too_many, &rates()).unwrap_err().code(),
        "QUOTE_LINES_OUT_OF_RANGE"
    );
    let greedy = Rates {
        hourly_rate: dec!(1000.01),
        ..rates()
    };
    assert_eq!(
        price(&ten_lines(), &greedy).unwrap_err().code(),
        "QUOTE_HOURLY_RATE_OUT_OF_RANGE"
    );
}

fn ten_lines() -> Vec<Line> {
    vec![line(1, Surface::Area { m2: dec!(1) }); 10]
}

mod numbering {
    use chrono::{TimeZone, Utc};

    use super::super::numbering::*;
    use crate::DomainError;

    #[test]
    fn patterns_format_the_year_and_a_padded_counter() {
        let pattern = NumberPattern::parse("DEV-{YYYY}-{NNNN}").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        assert_eq!(pattern.format(at, 42), "DEV-2026-0042");
        assert_eq!(
            pattern.format(at, 12_345),
            "DEV-2026-12345",
            "never truncated"
        );
        let monthly = NumberPattern::parse("D{YY}{MM}/{NNN}").unwrap();
        assert_eq!(monthly.format(at, 7), "D2611/007");
        // 31 December 23:30 in Paris is still that year, though UTC says 22:30.
        let new_years_eve = Utc.with_ymd_and_hms(2026, 12, 31, 22, 30, 0).unwrap();
        assert_eq!(pattern.format(new_years_eve, 1), "DEV-2026-0001");
        assert_eq!(aggregate_local_id(new_years_eve), "quote_numbering/2026");
        let after_midnight = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(aggregate_local_id(after_midnight), "quote_numbering/2027");
    }

    #[test]
    fn bad_patterns_are_refused() {
        for (pattern, code) in [
            ("DEV-{YYYY}", "NUMBER_PATTERN_NO_COUNTER"),
            ("{NNNN}-{NN}", "NUMBER_PATTERN_NO_COUNTER"),
            ("DEV {NNNN}", "NUMBER_PATTERN_INVALID"),
            ("DEV-{DATE}-{NNNN}", "NUMBER_PATTERN_INVALID"),
            ("DEV-{N}", "NUMBER_PATTERN_INVALID"),
            ("DEV-{NNNN", "NUMBER_PATTERN_INVALID"),
            ("", "NUMBER_PATTERN_INVALID"),
        ] {
            assert_eq!(
                NumberPattern::parse(pattern).unwrap_err().code(),
                code,
                "{pattern}"
            );
        }
    }

    #[test]
    fn the_counter_hands_out_the_next_number() {
        use cqrs_es::Aggregate;
        let mut counter = QuoteNumbering::default();
        for expected in 1..=3 {
            let events = counter.decide(crate::Stamped::at(
                Utc::now(),
                NumberingCommand::Take {
                    quote_id: uuid::Uuid::from_u128(expected.into()),
                },
            ));
            let NumberingEvent::Taken { sequence, .. } = events[0];
            assert_eq!(sequence, expected);
            counter.apply(events[0].clone());
        }
    }
}

mod lifecycle {
    use chrono::{NaiveDate, TimeZone, Utc};
    use cqrs_es::test::TestFramework;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use super::super::lifecycle::*;
    use crate::{DomainError, Stamped};

    type QuoteTest = TestFramework<Quote>;

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn content(deposit: Deposit) -> Content {
        Content {
            client_id: Uuid::from_u128(1),
            lines: super::workshop_quote(),
            rates: super::rates(),
            valid_until: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            deposit,
        }
    }

    fn created() -> QuoteEvent {
        QuoteEvent::Created {
            quote_id: Uuid::from_u128(9),
            number: "DEV-2026-0001".into(),
            version: 1,
            content: priced(content(Deposit::Percent(dec!(30))), now().date_naive()).unwrap(),
            created_at: now(),
        }
    }

    fn sent() -> QuoteEvent {
        QuoteEvent::Sent {
            version: 1,
            sent_at: now(),
            pdf_sha256: Some("c".repeat(64)),
        }
    }

    fn send() -> QuoteCommand {
        QuoteCommand::Send {
            pdf_sha256: "c".repeat(64),
        }
    }

    #[test]
    fn a_quote_is_priced_with_its_deposit() {
        // 30 % of 200.04 TTC = 60.012 → 60.01.
        let QuoteEvent::Created { content: first, .. } = created() else {
            unreachable!()
        };
        assert_eq!(first.priced.total_ttc, dec!(200.04));
        assert_eq!(first.deposit_due, dec!(60.01));
        let fixed = priced(content_with(Deposit::Amount(dec!(50))), now().date_naive()).unwrap();
        assert_eq!(fixed.deposit_due, dec!(50));
        for deposit in [
            Deposit::Amount(dec!(250)),
            Deposit::Percent(dec!(101)),
            Deposit::Amount(dec!(-1)),
        ] {
            assert_eq!(
                priced(content_with(deposit), now().date_naive())
                    .unwrap_err()
                    .code(),
                "QUOTE_DEPOSIT_INVALID"
            );
        }
        let past = Content {
            valid_until: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            ..content(Deposit::None)
        };
        assert_eq!(
            priced(past, now().date_naive()).unwrap_err(),
            QuoteError::ValidityPast
        );
    }

    fn content_with(deposit: Deposit) -> Content {
        content(deposit)
    }

    #[test]
    fn a_sent_quote_changes_only_by_a_new_version() {
        QuoteTest::with(())
            .given(vec![created(), sent()])
            .when(Stamped::at(
                now(),
                QuoteCommand::Edit {
                    content: content(Deposit::None),
                },
            ))
            .then_expect_error(QuoteError::NotDraft);
        QuoteTest::with(())
            .given(vec![created(), sent()])
            .when(Stamped::at(
                now(),
                QuoteCommand::Revise {
                    content: content(Deposit::None),
                },
            ))
            .then_expect_events(vec![QuoteEvent::Revised {
                version: 2,
                content: priced(content(Deposit::None), now().date_naive()).unwrap(),
                revised_at: now(),
            }]);
        QuoteTest::with(())
            .given(vec![created()])
            .when(Stamped::at(
                now(),
                QuoteCommand::Revise {
                    content: content(Deposit::None),
                },
            ))
            .then_expect_error(QuoteError::NotSent);
    }

    #[test]
    fn sending_refusing_and_expiring() {
        QuoteTest::with(())
            .given(vec![created()])
            .when(Stamped::at(now(), send()))
            .then_expect_events(vec![sent()]);
        QuoteTest::with(())
            .given(vec![created(), sent()])
            .when(Stamped::at(now(), send()))
            .then_expect_events(vec![]);
        QuoteTest::with(())
            .given(vec![created(), sent()])
            .when(Stamped::at(now(), QuoteCommand::Refuse))
            .then_expect_events(vec![QuoteEvent::Refused { refused_at: now() }]);
        QuoteTest::with(())
            .given(vec![created(), sent()])
            .when(Stamped::at(now(), QuoteCommand::Expire))
            .then_expect_error(QuoteError::StillValid {
                valid_until: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            });
        let later = Utc.with_ymd_and_hms(2026, 12, 26, 9, 0, 0).unwrap();
        QuoteTest::with(())
            .given(vec![created(), sent()])
            .when(Stamped::at(later, QuoteCommand::Expire))
            .then_expect_events(vec![QuoteEvent::Expired { expired_at: later }]);
        QuoteTest::with(())
            .given(vec![created()])
            .when(Stamped::at(later, send()))
            .then_expect_error(QuoteError::ValidityPast);
        QuoteTest::with(())
            .given_no_previous_events()
            .when(Stamped::at(now(), send()))
            .then_expect_error(QuoteError::NotFound);
    }
}

mod signature {
    use chrono::{NaiveDate, TimeZone, Utc};
    use cqrs_es::test::TestFramework;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use super::super::lifecycle::*;
    use crate::Stamped;

    type QuoteTest = TestFramework<Quote>;

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn content() -> PricedContent {
        priced(
            Content {
                client_id: Uuid::from_u128(1),
                lines: super::workshop_quote(),
                rates: super::rates(),
                valid_until: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
                deposit: Deposit::Percent(dec!(30)),
            },
            now().date_naive(),
        )
        .unwrap()
    }

    fn history() -> Vec<QuoteEvent> {
        vec![
            QuoteEvent::Created {
                quote_id: Uuid::from_u128(9),
                number: "DEV-2026-0001".into(),
                version: 1,
                content: content(),
                created_at: now(),
            },
            QuoteEvent::Sent {
                version: 1,
                sent_at: now(),
                pdf_sha256: Some("a".repeat(64)),
            },
        ]
    }

    fn signature(version: u32) -> Signature {
        Signature {
            signer: Signer::Client {
                account_id: Uuid::from_u128(5),
            },
            version,
            pdf_sha256: "a".repeat(64),
            image_sha256: "b".repeat(64),
            ip: Some("192.0.2.1".into()),
            user_agent: Some("Mozilla/5.0".into()),
            terms_accepted: true,
        }
    }

    #[test]
    fn signing_the_sent_version_accepts_it_with_everything_a_project_needs() {
        QuoteTest::with(())
            .given(history())
            .when(Stamped::at(
                now(),
                QuoteCommand::Sign {
                    signature: signature(1),
                },
            ))
            .then_expect_events(vec![
                QuoteEvent::Signed {
                    signature: signature(1),
                    signed_at: now(),
                },
                QuoteEvent::Accepted {
                    quote_id: Uuid::from_u128(9),
                    number: "DEV-2026-0001".into(),
                    version: 1,
                    content: content(),
                    accepted_at: now(),
                },
            ]);
    }

    #[test]
    fn a_signature_is_refused_twice_for_an_old_version_unsent_or_expired() {
        let mut signed = history();
        signed.push(QuoteEvent::Accepted {
            quote_id: Uuid::from_u128(9),
            number: "DEV-2026-0001".into(),
            version: 1,
            content: content(),
            accepted_at: now(),
        });
        QuoteTest::with(())
            .given(signed)
            .when(Stamped::at(
                now(),
                QuoteCommand::Sign {
                    signature: signature(1),
                },
            ))
            .then_expect_error(QuoteError::Accepted);
        QuoteTest::with(())
            .given(history())
            .when(Stamped::at(
                now(),
                QuoteCommand::Sign {
                    signature: signature(2),
                },
            ))
            .then_expect_error(QuoteError::WrongVersion {
                signed: 2,
                current: 1,
            });
        QuoteTest::with(())
            .given(history()[..1].to_vec())
            .when(Stamped::at(
                now(),
                QuoteCommand::Sign {
                    signature: signature(1),
                },
            ))
            .then_expect_error(QuoteError::NotSent);
        let incomplete = Signature {
            pdf_sha256: "pas une empreinte".into(),
            ..signature(1)
        };
        QuoteTest::with(())
            .given(history())
            .when(Stamped::at(
                now(),
                QuoteCommand::Sign {
                    signature: incomplete,
                },
            ))
            .then_expect_error(QuoteError::SignatureIncomplete);
        QuoteTest::with(())
            .given(history())
            .when(Stamped::at(
                now(),
                QuoteCommand::Sign {
                    signature: Signature {
                        terms_accepted: false,
                        ..signature(1)
                    },
                },
            ))
            .then_expect_error(QuoteError::TermsNotAccepted);
        // A PDF other than the one sent (re-rendered after a change of address…).
        QuoteTest::with(())
            .given(history())
            .when(Stamped::at(
                now(),
                QuoteCommand::Sign {
                    signature: Signature {
                        pdf_sha256: "d".repeat(64),
                        ..signature(1)
                    },
                },
            ))
            .then_expect_error(QuoteError::DocumentChanged);
        let too_late = Utc.with_ymd_and_hms(2026, 12, 26, 9, 0, 0).unwrap();
        QuoteTest::with(())
            .given(history())
            .when(Stamped::at(
                too_late,
                QuoteCommand::Sign {
                    signature: signature(1),
                },
            ))
            .then_expect_error(QuoteError::Expired {
                valid_until: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            });
    }
}

mod reminders {
    use chrono::{Duration, NaiveDate, TimeZone, Utc};
    use cqrs_es::test::TestFramework;
    use uuid::Uuid;

    use super::super::lifecycle::*;
    use crate::Stamped;

    type QuoteTest = TestFramework<Quote>;

    fn sent_at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn history() -> Vec<QuoteEvent> {
        vec![
            QuoteEvent::Created {
                quote_id: Uuid::from_u128(9),
                number: "DEV-2026-0001".into(),
                version: 1,
                content: priced(
                    Content {
                        client_id: Uuid::from_u128(1),
                        lines: super::workshop_quote(),
                        rates: super::rates(),
                        valid_until: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
                        deposit: Deposit::None,
                    },
                    sent_at().date_naive(),
                )
                .unwrap(),
                created_at: sent_at(),
            },
            QuoteEvent::Sent {
                version: 1,
                sent_at: sent_at(),
                pdf_sha256: Some("a".repeat(64)),
            },
        ]
    }

    fn remind(after_days: u16, at: chrono::DateTime<Utc>) -> Stamped<QuoteCommand> {
        Stamped::at(at, QuoteCommand::Remind { after_days })
    }

    #[test]
    fn a_reminder_is_due_its_day_and_sent_once_per_step() {
        let day2 = sent_at() + Duration::days(2);
        QuoteTest::with(())
            .given(history())
            .when(remind(2, day2 - Duration::minutes(1)))
            .then_expect_error(QuoteError::ReminderNotDue { after_days: 2 });
        QuoteTest::with(())
            .given(history())
            .when(remind(2, day2))
            .then_expect_events(vec![QuoteEvent::Reminded {
                version: 1,
                after_days: 2,
                reminded_at: day2,
            }]);
        let mut reminded = history();
        reminded.push(QuoteEvent::Reminded {
            version: 1,
            after_days: 2,
            reminded_at: day2,
        });
        QuoteTest::with(())
            .given(reminded.clone())
            .when(remind(2, day2 + Duration::hours(1)))
            .then_expect_events(vec![]);
        QuoteTest::with(())
            .given(reminded)
            .when(remind(7, sent_at() + Duration::days(7)))
            .then_expect_events(vec![QuoteEvent::Reminded {
                version: 1,
                after_days: 7,
                reminded_at: sent_at() + Duration::days(7),
            }]);
    }

    #[test]
    fn reminders_stop_once_the_quote_is_refused_or_signed() {
        let mut refused = history();
        refused.push(QuoteEvent::Refused {
            refused_at: sent_at(),
        });
        QuoteTest::with(())
            .given(refused)
            .when(remind(2, sent_at() + Duration::days(2)))
            .then_expect_error(QuoteError::NotSent);
        let mut accepted = history();
        accepted.push(QuoteEvent::Accepted {
            quote_id: Uuid::from_u128(9),
            number: "DEV-2026-0001".into(),
            version: 1,
            content: priced(
                Content {
                    client_id: Uuid::from_u128(1),
                    lines: super::workshop_quote(),
                    rates: super::rates(),
                    valid_until: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
                    deposit: Deposit::None,
                },
                sent_at().date_naive(),
            )
            .unwrap(),
            accepted_at: sent_at(),
        });
        QuoteTest::with(())
            .given(accepted)
            .when(remind(2, sent_at() + Duration::days(2)))
            .then_expect_error(QuoteError::Accepted);
    }
}
