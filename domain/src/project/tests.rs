use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::lifecycle::*;
use super::workflow::*;
use crate::powder::{Finish, PowderIdentity, PowderKind};
use crate::quote::pricing::{Line, LinePowder, Surface};
use crate::{DomainError, Stamped};

type ProjectTest = TestFramework<Project>;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap()
}

fn gate_powder() -> LinePowder {
    LinePowder {
        identity: PowderIdentity::new("TP 7016 B", PowderKind::Polyester, Finish::Gloss).unwrap(),
        price_per_kg: dec!(12.90),
        consumption_kg_m2: dec!(0.175),
        cure_temperature_c: 200,
        cure_minutes: 10,
    }
}

fn lines() -> Vec<Line> {
    let line = |description: &str, quantity, m2, powder: Option<LinePowder>, coats| Line {
        description: description.into(),
        quantity,
        surface: Surface::Area { m2 },
        powder,
        coats,
        primer: false,
        varnish: false,
        labour_minutes: dec!(10),
        consumables: dec!(0),
        discount_pct: dec!(0),
        vat_rate: dec!(20),
    };
    vec![
        line("Portail", 2, dec!(2), Some(gate_powder()), 2),
        line("Poteaux", 2, dec!(0.5), Some(gate_powder()), 1),
        line("Sablage seul", 1, dec!(1), None, 1),
    ]
}

/// A short workflow: reception, sandblasting (skippable), coating, QC.
fn workflow() -> WorkflowSettings {
    let step = |key: &str, kind, skippable| StepDef {
        key: key.into(),
        label: key.into(),
        kind,
        skippable,
    };
    WorkflowSettings {
        steps: vec![
            step("reception", StepKind::Reception, false),
            step("sablage", StepKind::Preparation, true),
            step("poudrage", StepKind::Coating, false),
            step("controle", StepKind::QualityControl, false),
        ],
        qc_checklist: vec!["Teinte".into(), "Épaisseur".into()],
        defect_types: vec!["Coulure".into(), "Manque de poudre".into()],
        watermark_photos: false,
    }
}

fn created() -> ProjectEvent {
    let workflow = workflow();
    ProjectEvent::Created {
        project_id: Uuid::from_u128(7),
        number: "P26-0001".into(),
        intake: Intake {
            client_id: Uuid::from_u128(1),
            quote: None,
            parts: parts_from_lines("P26-0001", &lines()).unwrap(),
            deposited_on: NaiveDate::from_ymd_opt(2026, 11, 25),
            promised_on: NaiveDate::from_ymd_opt(2026, 12, 2),
            end_use: Some("Extérieur".into()),
            priority: Priority::Normal,
        },
        steps: workflow.steps,
        qc_checklist: workflow.qc_checklist,
        defect_types: workflow.defect_types,
        created_at: now(),
    }
}

fn at(command: ProjectCommand) -> Stamped<ProjectCommand> {
    Stamped::at(now(), command)
}

fn validate(step: &str) -> Stamped<ProjectCommand> {
    at(ProjectCommand::ValidateStep { step: step.into() })
}

fn validated(step: &str, consumption: Vec<PowderUse>) -> ProjectEvent {
    ProjectEvent::StepValidated {
        step: step.into(),
        consumption,
        batch: None,
        validated_at: now(),
    }
}

fn answers(passed: bool) -> Vec<QcAnswer> {
    vec![
        QcAnswer {
            item: "Teinte".into(),
            passed: true,
            comment: None,
        },
        QcAnswer {
            item: "Épaisseur".into(),
            passed,
            comment: (!passed).then(|| "45 µm au lieu de 60".into()),
        },
    ]
}

/// Up to the QC step: reception validated, sandblasting skipped, coating validated.
fn at_qc() -> Vec<ProjectEvent> {
    vec![
        created(),
        validated("reception", vec![]),
        ProjectEvent::StepSkipped {
            step: "sablage".into(),
            reason: "acier neuf".into(),
            skipped_at: now(),
        },
        validated("poudrage", vec![]),
    ]
}

#[test]
fn parts_carry_their_code_surface_and_powder_to_use() {
    let parts = parts_from_lines("P26-0001", &lines()).unwrap();
    let codes: Vec<&str> = parts.iter().map(|part| part.code.as_str()).collect();
    assert_eq!(codes, ["P26-0001-1", "P26-0001-2", "P26-0001-3"]);
    // 2 × 2 m² × 0.175 kg/m² × 2 coats = 1.4 kg; 2 × 0.5 × 0.175 × 1 = 0.175 kg.
    let kg: Vec<_> = parts.iter().map(|part| part.powder_kg).collect();
    assert_eq!(kg, [dec!(1.4), dec!(0.175), dec!(0)]);
    assert_eq!(parts[0].surface_m2, dec!(4));
    let mut bad = lines();
    bad[0].coats = 4;
    assert_eq!(
        parts_from_lines("P26-0001", &bad).unwrap_err().code(),
        "QUOTE_COATS_INVALID"
    );
}

#[test]
fn steps_are_validated_in_order_and_coating_takes_the_powder() {
    ProjectTest::with(())
        .given(vec![created()])
        .when(validate("poudrage"))
        .then_expect_error(ProjectError::StepOutOfOrder {
            expected: "reception".into(),
            given: "poudrage".into(),
        });
    for unknown in ["", "peinture", &"é".repeat(100_000)] {
        ProjectTest::with(())
            .given(vec![created()])
            .when(validate(unknown))
            .then_expect_error(ProjectError::UnknownStep);
    }
    ProjectTest::with(())
        .given(vec![created(), validated("reception", vec![])])
        .when(at(ProjectCommand::SkipStep {
            step: "sablage".into(),
            reason: "  ".into(),
        }))
        .then_expect_error(ProjectError::ReasonMissing);
    let mut coating = at_qc();
    coating.pop();
    ProjectTest::with(())
        .given(coating)
        .when(validate("poudrage"))
        .then_expect_events(vec![validated(
            "poudrage",
            vec![PowderUse {
                powder_key: crate::powder::catalogue::aggregate_local_id(&gate_powder().identity),
                kg: dec!(1.575),
            }],
        )]);
    ProjectTest::with(())
        .given(vec![
            created(),
            validated("reception", vec![]),
            validated("sablage", vec![]),
        ])
        .when(at(ProjectCommand::SkipStep {
            step: "poudrage".into(),
            reason: "déjà peint".into(),
        }))
        .then_expect_error(ProjectError::StepNotSkippable {
            step: "poudrage".into(),
        });
}

#[test]
fn quality_control_answers_every_point_and_blocks_ready_until_passed() {
    ProjectTest::with(())
        .given(at_qc())
        .when(validate("controle"))
        .then_expect_error(ProjectError::QcNotPassed);
    ProjectTest::with(())
        .given(at_qc())
        .when(at(ProjectCommand::RecordQc {
            answers: answers(true)[..1].to_vec(),
        }))
        .then_expect_error(ProjectError::QcIncomplete {
            missing: "Épaisseur".into(),
        });
    ProjectTest::with(())
        .given(vec![created()])
        .when(at(ProjectCommand::RecordQc {
            answers: answers(true),
        }))
        .then_expect_error(ProjectError::NotAtQc);
    let mut failed = at_qc();
    failed.push(ProjectEvent::QcRecorded {
        answers: answers(false),
        passed: false,
        recorded_at: now(),
    });
    ProjectTest::with(())
        .given(failed)
        .when(validate("controle"))
        .then_expect_error(ProjectError::QcNotPassed);
    let mut passed = at_qc();
    passed.push(ProjectEvent::QcRecorded {
        answers: answers(true),
        passed: true,
        recorded_at: now(),
    });
    ProjectTest::with(())
        .given(passed)
        .when(validate("controle"))
        .then_expect_events(vec![
            validated("controle", vec![]),
            ProjectEvent::Ready { ready_at: now() },
        ]);
}

#[test]
fn a_non_conformity_sends_the_project_back_and_the_qc_must_pass_again() {
    let declare = |return_to: &str, defect: &str| {
        at(ProjectCommand::DeclareNonConformity {
            nc_id: Uuid::from_u128(3),
            defect_type: defect.into(),
            comment: Some("coulure sur le vantail gauche".into()),
            corrective_action: Some("reprise au poudrage".into()),
            return_to: return_to.into(),
        })
    };
    ProjectTest::with(())
        .given(at_qc())
        .when(declare("poudrage", "Rayure"))
        .then_expect_error(ProjectError::UnknownDefect {
            defect: "Rayure".into(),
        });
    ProjectTest::with(())
        .given(vec![created()])
        .when(declare("controle", "Coulure"))
        .then_expect_error(ProjectError::ReturnForward {
            step: "controle".into(),
        });
    let nc = ProjectEvent::NonConformityDeclared {
        nc_id: Uuid::from_u128(3),
        at_step: "controle".into(),
        defect_type: "Coulure".into(),
        comment: Some("coulure sur le vantail gauche".into()),
        corrective_action: Some("reprise au poudrage".into()),
        return_to: "poudrage".into(),
        declared_at: now(),
    };
    ProjectTest::with(())
        .given(at_qc())
        .when(declare("poudrage", "Coulure"))
        .then_expect_events(vec![nc.clone()]);
    // Back at coating: coating again takes powder again (the rework is real powder).
    let mut back = at_qc();
    back.push(ProjectEvent::QcRecorded {
        answers: answers(true),
        passed: true,
        recorded_at: now(),
    });
    back.push(nc);
    ProjectTest::with(())
        .given(back.clone())
        .when(validate("controle"))
        .then_expect_error(ProjectError::StepOutOfOrder {
            expected: "poudrage".into(),
            given: "controle".into(),
        });
    back.push(validated("poudrage", vec![]));
    ProjectTest::with(())
        .given(back)
        .when(validate("controle"))
        .then_expect_error(ProjectError::QcNotPassed);
}

#[test]
fn a_ready_project_is_delivered_once_and_then_frozen() {
    ProjectTest::with(())
        .given(vec![created()])
        .when(at(ProjectCommand::Deliver))
        .then_expect_error(ProjectError::NotReady);
    let ready = vec![created(), ProjectEvent::Ready { ready_at: now() }];
    ProjectTest::with(())
        .given(ready.clone())
        .when(at(ProjectCommand::Deliver))
        .then_expect_events(vec![ProjectEvent::Delivered {
            delivered_at: now(),
        }]);
    let mut delivered = ready;
    delivered.push(ProjectEvent::Delivered {
        delivered_at: now(),
    });
    ProjectTest::with(())
        .given(delivered.clone())
        .when(at(ProjectCommand::Deliver))
        .then_expect_events(vec![]);
    ProjectTest::with(())
        .given(delivered)
        .when(validate("reception"))
        .then_expect_error(ProjectError::Delivered);
}

#[test]
fn a_promised_date_before_the_deposit_is_refused() {
    let ProjectEvent::Created { mut intake, .. } = created() else {
        unreachable!()
    };
    intake.promised_on = NaiveDate::from_ymd_opt(2026, 11, 20);
    ProjectTest::with(())
        .given_no_previous_events()
        .when(at(ProjectCommand::Create {
            project_id: Uuid::from_u128(7),
            number: "P26-0001".into(),
            intake,
            workflow: workflow(),
        }))
        .then_expect_error(ProjectError::PromisedBeforeDeposit);
}

#[test]
fn workflows_keep_one_coating_before_one_qc_and_sane_lists() {
    assert!(WorkflowSettings::default().validate().is_ok());
    assert!(workflow().validate().is_ok());
    let mut no_qc = workflow();
    no_qc.steps.pop();
    let mut qc_first = workflow();
    qc_first.steps.swap(2, 3);
    let mut skippable_coating = workflow();
    skippable_coating.steps[2].skippable = true;
    let mut twin_keys = workflow();
    twin_keys.steps[1].key = "reception".into();
    let mut bad_key = workflow();
    bad_key.steps[1].key = "Sablage fin".into();
    let mut empty_checklist = workflow();
    empty_checklist.qc_checklist.clear();
    let mut twin_defects = workflow();
    twin_defects.defect_types.push("coulure".into());
    for (settings, code) in [
        (no_qc, "WORKFLOW_COATING_QC"),
        (qc_first, "WORKFLOW_COATING_QC"),
        (skippable_coating, "WORKFLOW_COATING_QC"),
        (twin_keys, "WORKFLOW_STEP_KEY_INVALID"),
        (bad_key, "WORKFLOW_STEP_KEY_INVALID"),
        (empty_checklist, "WORKFLOW_LIST_INVALID"),
        (twin_defects, "WORKFLOW_LIST_INVALID"),
    ] {
        assert_eq!(settings.validate().unwrap_err().code(), code);
    }
}

#[test]
fn project_numbers_are_short_and_by_paris_year() {
    let new_year_eve = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
    assert_eq!(super::numbering::format(new_year_eve, 42), "P27-0042");
    assert_eq!(super::numbering::format(now(), 7), "P26-0007");
}

mod photos {
    use super::*;
    use crate::project::photo::{Annotation, Photo, PhotoStage, Point};
    use cqrs_es::Aggregate;

    fn photo(id: u128) -> Photo {
        Photo {
            photo_id: Uuid::from_u128(id),
            stage: PhotoStage::Before,
            step: Some("reception".into()),
            nc_id: None,
            content_type: "image/jpeg".into(),
            size_bytes: 2_400_000,
            sha256: "e".repeat(64),
            caption: Some("rouille sur le vantail".into()),
        }
    }

    fn arrow(x: f64, colour: &str) -> Annotation {
        Annotation::Arrow {
            from: Point { x, y: 0.5 },
            to: Point { x: 0.2, y: 0.2 },
            colour: colour.into(),
        }
    }

    fn added(id: u128) -> ProjectEvent {
        ProjectEvent::PhotoAdded {
            photo: photo(id),
            added_at: now(),
        }
    }

    #[test]
    fn a_shop_floor_upload_past_the_purge_threshold_stays_within_its_daily_budget() {
        use crate::project::photo::{PurgeBudget, PurgeBudgetError};
        // 2.4 MB photos; a 100 MB quota purges from 90 MB on; a 5 MB budget a day.
        let budget = |used_mb: u64, sent_today_mb: u64| PurgeBudget {
            used_bytes: used_mb * 1_000_000,
            quota_bytes: 100_000_000,
            sent_today_bytes: sent_today_mb * 1_000_000,
            daily_budget_bytes: 5_000_000,
        };
        for (used, sent, ok) in [
            (10, 50, true),  // far from the threshold: nothing purged, no budget spent
            (87, 50, true),  // 89.4 MB after it: still below the threshold
            (88, 50, false), // 90.4 MB after it: the threshold is passed
            (88, 2, true),   // within the day's budget
            (95, 3, false),  // 5.4 MB today with it
            (95, 0, true),
        ] {
            assert_eq!(
                budget(used, sent).check(2_400_000).is_ok(),
                ok,
                "{used} MB used, {sent} MB sent today"
            );
        }
        let refused = ProjectError::from(budget(95, 3).check(2_400_000).unwrap_err());
        assert_eq!(refused.code(), "PHOTO_PURGE_BUDGET_SPENT");
        assert!(
            refused.to_string().contains("3 Mo") && refused.to_string().contains("5 Mo"),
            "{refused}"
        );
        ProjectTest::with(())
            .given(vec![created()])
            .when(at(ProjectCommand::AddPhoto {
                photo: photo(1),
                purge_budget: Some(budget(95, 3)),
            }))
            .then_expect_error(ProjectError::PurgeBudget(PurgeBudgetError {
                daily_budget_bytes: 5_000_000,
                sent_today_bytes: 3_000_000,
            }));
        ProjectTest::with(())
            .given(vec![created()])
            .when(at(ProjectCommand::AddPhoto {
                photo: photo(1),
                purge_budget: Some(budget(95, 0)),
            }))
            .then_expect_events(vec![added(1)]);
    }

    #[test]
    fn photos_are_added_once_even_after_delivery_and_annotated_over_the_image() {
        let delivered = vec![
            created(),
            ProjectEvent::Ready { ready_at: now() },
            ProjectEvent::Delivered {
                delivered_at: now(),
            },
        ];
        ProjectTest::with(())
            .given(delivered)
            .when(at(ProjectCommand::AddPhoto {
                photo: photo(1),
                purge_budget: None,
            }))
            .then_expect_events(vec![added(1)]);
        ProjectTest::with(())
            .given(vec![created(), added(1)])
            .when(at(ProjectCommand::AddPhoto {
                photo: photo(1),
                purge_budget: None,
            }))
            .then_expect_events(vec![]);
        ProjectTest::with(())
            .given(vec![created(), added(1)])
            .when(at(ProjectCommand::AnnotatePhoto {
                photo_id: Uuid::from_u128(1),
                annotations: vec![arrow(0.5, "#FF0000")],
            }))
            .then_expect_events(vec![ProjectEvent::PhotoAnnotated {
                photo_id: Uuid::from_u128(1),
                annotations: vec![arrow(0.5, "#FF0000")],
                annotated_at: now(),
            }]);
        for (annotation, code) in [
            (arrow(1.5, "#FF0000"), "ANNOTATION_POSITION_INVALID"),
            (arrow(0.5, "rouge"), "ANNOTATION_COLOUR_INVALID"),
            (
                Annotation::Text {
                    at: Point { x: 0.1, y: 0.1 },
                    text: " ".into(),
                    colour: "#000000".into(),
                },
                "ANNOTATION_TEXT_INVALID",
            ),
        ] {
            let mut project = Project::default();
            project.apply(created());
            project.apply(added(1));
            let error = project
                .decide(at(ProjectCommand::AnnotatePhoto {
                    photo_id: Uuid::from_u128(1),
                    annotations: vec![annotation],
                }))
                .unwrap_err();
            assert_eq!(error.code(), code);
        }
    }

    #[test]
    fn only_the_quota_purges_photos_and_a_purged_photo_is_gone() {
        let purged = ProjectEvent::PhotosPurged {
            photo_ids: vec![Uuid::from_u128(1)],
            purged_at: now(),
        };
        ProjectTest::with(())
            .given(vec![created(), added(1)])
            .when(at(ProjectCommand::PurgePhotos {
                photo_ids: vec![Uuid::from_u128(1), Uuid::from_u128(9)],
            }))
            .then_expect_events(vec![purged.clone()]);
        ProjectTest::with(())
            .given(vec![created(), added(1), purged])
            .when(at(ProjectCommand::AnnotatePhoto {
                photo_id: Uuid::from_u128(1),
                annotations: vec![],
            }))
            .then_expect_error(ProjectError::PhotoNotFound);
    }
}

mod batches {
    use super::*;

    fn at_coating() -> Vec<ProjectEvent> {
        let mut events = at_qc();
        events.pop();
        events
    }

    fn enter(batch: u128, ranks: &[u16]) -> Stamped<ProjectCommand> {
        at(ProjectCommand::EnterBatch {
            batch_id: Uuid::from_u128(batch),
            batch_number: format!("S26-000{batch}"),
            ranks: ranks.to_vec(),
        })
    }

    fn entered(batch: u128, ranks: &[u16]) -> ProjectEvent {
        ProjectEvent::EnteredBatch {
            batch_id: Uuid::from_u128(batch),
            batch_number: format!("S26-000{batch}"),
            ranks: ranks.to_vec(),
            entered_at: now(),
        }
    }

    fn coat(batch: u128, ranks: &[u16]) -> Stamped<ProjectCommand> {
        at(ProjectCommand::CoatInBatch {
            batch_id: Uuid::from_u128(batch),
            ranks: ranks.to_vec(),
        })
    }

    fn coated(batch: u128, ranks: &[u16]) -> ProjectEvent {
        ProjectEvent::CoatedInBatch {
            batch_id: Uuid::from_u128(batch),
            batch_number: format!("S26-000{batch}"),
            ranks: ranks.to_vec(),
            coated_at: now(),
        }
    }

    #[test]
    fn only_coated_parts_of_a_project_at_the_coating_step_enter_a_batch_once() {
        ProjectTest::with(())
            .given(vec![created()])
            .when(enter(1, &[1]))
            .then_expect_error(ProjectError::NotAtCoating {
                number: "P26-0001".into(),
                current: "« reception »".into(),
            });
        ProjectTest::with(())
            .given(at_coating())
            .when(enter(1, &[3]))
            .then_expect_error(ProjectError::PartNotCoated {
                number: "P26-0001".into(),
                rank: 3,
            });
        let mut in_one = at_coating();
        in_one.push(entered(1, &[1]));
        ProjectTest::with(())
            .given(in_one.clone())
            .when(enter(2, &[1, 2]))
            .then_expect_error(ProjectError::PartInBatch {
                code: "P26-0001-1".into(),
                batch: "S26-0001".into(),
            });
        // Entering again the same batch writes nothing.
        ProjectTest::with(())
            .given(in_one)
            .when(enter(1, &[1]))
            .then_expect_events(vec![]);
    }

    #[test]
    fn the_last_batch_to_close_validates_the_coating_without_taking_powder_twice() {
        let mut both = at_coating();
        both.extend([entered(1, &[1]), entered(2, &[2])]);
        // The gate (2 coats) and the posts (1 coat) have different keys: two batches.
        ProjectTest::with(())
            .given(both.clone())
            .when(validate("poudrage"))
            .then_expect_error(ProjectError::InBatch {
                codes: "P26-0001-1, P26-0001-2".into(),
                batch: "S26-0001".into(),
            });
        ProjectTest::with(())
            .given(both.clone())
            .when(coat(1, &[1]))
            .then_expect_events(vec![coated(1, &[1])]);
        both.push(coated(1, &[1]));
        ProjectTest::with(())
            .given(both)
            .when(coat(2, &[2]))
            .then_expect_events(vec![
                coated(2, &[2]),
                ProjectEvent::StepValidated {
                    step: "poudrage".into(),
                    consumption: vec![],
                    batch: Some("S26-0002".into()),
                    validated_at: now(),
                },
            ]);
    }

    #[test]
    fn parts_a_batch_powdered_are_not_taken_again_by_the_manual_coating() {
        let mut one = at_coating();
        one.extend([entered(1, &[1]), coated(1, &[1])]);
        let posts = PowderUse {
            powder_key: crate::powder::catalogue::aggregate_local_id(&gate_powder().identity),
            kg: dec!(0.175),
        };
        ProjectTest::with(())
            .given(one.clone())
            .when(validate("poudrage"))
            .then_expect_events(vec![validated("poudrage", vec![posts])]);
        // A non-conformity back to the coating: everything is powdered (and taken) again.
        one.push(ProjectEvent::NonConformityDeclared {
            nc_id: Uuid::from_u128(9),
            at_step: "poudrage".into(),
            defect_type: "Coulure".into(),
            comment: None,
            corrective_action: None,
            return_to: "poudrage".into(),
            declared_at: now(),
        });
        let all = PowderUse {
            powder_key: crate::powder::catalogue::aggregate_local_id(&gate_powder().identity),
            kg: dec!(1.575),
        };
        ProjectTest::with(())
            .given(one)
            .when(validate("poudrage"))
            .then_expect_events(vec![validated("poudrage", vec![all])]);
    }
}
