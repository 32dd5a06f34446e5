use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::{DomainError, Stamped};

type ClientTest = TestFramework<Client>;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn id() -> Uuid {
    Uuid::from_u128(7)
}

fn garage() -> ClientProfile {
    ClientProfile {
        kind: ClientKind::Professional,
        company_name: Some("  Garage   Martin ".into()),
        siret: Some("732 829 320 00074".into()),
        vat_number: Some("fr 40 303265045".into()),
        first_name: Some("Éloïse".into()),
        last_name: Some("Martin".into()),
        email: Some(" Contact@Garage-Martin.FR ".into()),
        phones: vec!["06 12 34 56 78".into(), "+33 6 12 34 56 78".into()],
        billing_address: Some(Address {
            line1: "12 rue des Forges".into(),
            line2: None,
            postcode: "49000".into(),
            city: "Angers".into(),
            country: "".into(),
        }),
        delivery_address: None,
        tags: vec!["Garage".into(), "garage".into(), " jantes ".into()],
        notes: Some("  ".into()),
    }
}

fn key() -> SubjectKey {
    SubjectKey([7; 32])
}

fn sealed(profile: ClientProfile) -> SealedProfile {
    SealedProfile::seal(&profile.validate().unwrap(), &key(), [1; 12])
}

fn created() -> ClientEvent {
    ClientEvent::Created {
        client_id: id(),
        profile: sealed(garage()),
        duplicate_override: None,
        created_at: now(),
    }
}

#[test]
fn a_profile_is_stored_in_its_normal_form() {
    let profile = garage().validate().unwrap();
    assert_eq!(profile.company_name.as_deref(), Some("Garage Martin"));
    assert_eq!(profile.siret.as_deref(), Some("73282932000074"));
    assert_eq!(profile.vat_number.as_deref(), Some("FR40303265045"));
    assert_eq!(profile.email.as_deref(), Some("contact@garage-martin.fr"));
    assert_eq!(profile.phones, ["+33612345678"], "one number typed twice");
    assert_eq!(profile.tags, ["Garage", "jantes"]);
    assert_eq!(profile.notes, None);
    assert_eq!(profile.billing_address.unwrap().country, "FR");
    assert_eq!(garage().validate().unwrap().display_name(), "Garage Martin");
}

#[test]
fn bad_profiles_say_what_is_wrong() {
    let cases: Vec<(ClientProfile, &str)> = vec![
        (
            ClientProfile {
                company_name: None,
                ..garage()
            },
            "CLIENT_COMPANY_NAME_MISSING",
        ),
        (
            ClientProfile {
                kind: ClientKind::Private,
                last_name: Some(" ".into()),
                ..garage()
            },
            "CLIENT_LAST_NAME_MISSING",
        ),
        (
            ClientProfile {
                email: Some("pas-un-email".into()),
                ..garage()
            },
            "CLIENT_EMAIL_INVALID",
        ),
        (
            ClientProfile {
                phones: vec!["06 12".into()],
                ..garage()
            },
            "CLIENT_PHONE_INVALID",
        ),
        (
            ClientProfile {
                siret: Some("73282932000075".into()),
                ..garage()
            },
            "CLIENT_SIRET_INVALID",
        ),
        (
            ClientProfile {
                vat_number: Some("FR41303265045".into()),
                ..garage()
            },
            "CLIENT_VAT_INVALID",
        ),
        (
            ClientProfile {
                billing_address: Some(Address {
                    line1: "1 rue".into(),
                    line2: None,
                    postcode: "4900".into(),
                    city: "Angers".into(),
                    country: "FR".into(),
                }),
                ..garage()
            },
            "CLIENT_POSTCODE_INVALID",
        ),
        (
            ClientProfile {
                billing_address: Some(Address {
                    line1: "é".repeat(MAX_ADDRESS_LINE_LENGTH + 1),
                    line2: None,
                    postcode: "49000".into(),
                    city: "Angers".into(),
                    country: "FR".into(),
                }),
                ..garage()
            },
            "CLIENT_FIELD_TOO_LONG",
        ),
        (
            ClientProfile {
                delivery_address: Some(Address {
                    line1: "1 rue".into(),
                    line2: Some("é".repeat(MAX_ADDRESS_LINE_LENGTH + 1)),
                    postcode: "49000".into(),
                    city: "Angers".into(),
                    country: "FR".into(),
                }),
                ..garage()
            },
            "CLIENT_FIELD_TOO_LONG",
        ),
        (
            ClientProfile {
                billing_address: Some(Address {
                    line1: "1 rue".into(),
                    line2: None,
                    postcode: "49000".into(),
                    city: "é".repeat(MAX_CITY_LENGTH + 1),
                    country: "FR".into(),
                }),
                ..garage()
            },
            "CLIENT_FIELD_TOO_LONG",
        ),
        (
            ClientProfile {
                tags: (0..21).map(|n| format!("t{n}")).collect(),
                ..garage()
            },
            "CLIENT_TOO_MANY_TAGS",
        ),
    ];
    for (profile, code) in cases {
        assert_eq!(profile.validate().map_err(|e| e.code()).err(), Some(code));
    }
}

#[test]
fn a_refusal_quotes_only_the_start_of_what_was_typed() {
    let typed = "0".repeat(100_000);
    let error = ClientProfile {
        phones: vec![typed],
        ..garage()
    }
    .validate()
    .unwrap_err();
    assert_eq!(error.code(), "CLIENT_PHONE_INVALID");
    assert_eq!(
        error.to_string(),
        format!(
            "le numéro « {}… » n'est pas un numéro de téléphone valide",
            "0".repeat(40)
        )
    );
}

#[test]
fn edits_record_what_changed_and_nothing_when_nothing_did() {
    let moved = sealed(ClientProfile {
        email: Some("atelier@garage-martin.fr".into()),
        ..garage()
    });
    ClientTest::with(())
        .given(vec![created()])
        .when(Stamped::at(
            now(),
            ClientCommand::Edit {
                profile: moved.clone(),
                duplicate_override: None,
            },
        ))
        .then_expect_events(vec![ClientEvent::Edited {
            profile: moved,
            changed: vec!["email".into()],
            duplicate_override: None,
            edited_at: now(),
        }]);
    // Sealed again with another nonce: other ciphertext, same fields, no event.
    ClientTest::with(())
        .given(vec![created()])
        .when(Stamped::at(
            now(),
            ClientCommand::Edit {
                profile: SealedProfile::seal(&garage().validate().unwrap(), &key(), [9; 12]),
                duplicate_override: None,
            },
        ))
        .then_expect_events(vec![]);
}

#[test]
fn the_log_holds_the_profile_sealed() {
    let event = serde_json::to_string(&created()).unwrap();
    for clear in [
        "Martin",
        "garage-martin",
        "612345678",
        "Angers",
        "73282932000074",
    ] {
        assert!(!event.contains(clear), "{clear} in clear: {event}");
    }
    let ClientEvent::Created { profile, .. } = created() else {
        unreachable!()
    };
    assert_eq!(profile.open(&key()), Some(garage().validate().unwrap()));
    assert_eq!(profile.open(&SubjectKey([0; 32])), None);
}

#[test]
fn reasons_and_interactions_must_say_something() {
    assert_eq!(
        override_reason("  "),
        Err(ClientError::OverrideReasonMissing)
    );
    assert_eq!(override_reason(" cousine "), Ok("cousine".to_owned()));
    let longest = "é".repeat(MAX_OVERRIDE_REASON_LENGTH);
    assert_eq!(override_reason(&longest), Ok(longest.clone()));
    assert_eq!(
        override_reason(&format!("{longest}é")).map_err(|e| e.to_string()),
        Err("raison du doublon : au plus 2000 caractères".to_owned())
    );
    assert_eq!(interaction_text("   "), Err(ClientError::InteractionEmpty));
    assert_eq!(
        interaction_text(&"x".repeat(MAX_INTERACTION_LENGTH + 1)).map_err(|e| e.code()),
        Err("CLIENT_FIELD_TOO_LONG")
    );
}

fn invitation() -> Invitation {
    Invitation {
        email: Sealed::seal(&key(), [2; 12], "contact@garage-martin.fr"),
        display_name: Sealed::seal(&key(), [3; 12], "Garage Martin"),
    }
}

#[test]
fn archived_and_merged_clients_are_frozen() {
    let archived = ClientEvent::Archived { archived_at: now() };
    let edit = || ClientCommand::Edit {
        profile: sealed(ClientProfile {
            notes: Some("autre".into()),
            ..garage()
        }),
        duplicate_override: None,
    };
    ClientTest::with(())
        .given(vec![created(), archived.clone()])
        .when(Stamped::at(now(), edit()))
        .then_expect_error(ClientError::Archived);
    ClientTest::with(())
        .given(vec![created(), archived])
        .when(Stamped::at(now(), ClientCommand::Archive))
        .then_expect_events(vec![]);
    let merged = ClientEvent::MergedInto {
        survivor_id: Uuid::from_u128(8),
        merged_at: now(),
    };
    for command in [
        edit(),
        ClientCommand::Archive,
        ClientCommand::InviteToPortal {
            invitation: invitation(),
        },
    ] {
        ClientTest::with(())
            .given(vec![created(), merged.clone()])
            .when(Stamped::at(now(), command))
            .then_expect_error(ClientError::Merged);
    }
    ClientTest::with(())
        .given(vec![created()])
        .when(Stamped::at(
            now(),
            ClientCommand::MergeInto { survivor_id: id() },
        ))
        .then_expect_error(ClientError::MergeWithItself);
}

#[test]
fn match_keys_ignore_accents_and_case_and_follow_the_criteria() {
    let profile = garage().validate().unwrap();
    let same_person = ClientProfile {
        kind: ClientKind::Private,
        company_name: None,
        first_name: Some("ELOISE".into()),
        last_name: Some("martin".into()),
        email: None,
        phones: vec![],
        siret: None,
        vat_number: None,
        ..garage()
    }
    .validate()
    .unwrap();
    let shared: Vec<MatchKey> = match_keys(&profile)
        .into_iter()
        .filter(|key| match_keys(&same_person).contains(key))
        .collect();
    assert_eq!(
        shared,
        [MatchKey {
            criterion: Criterion::Name,
            key: "martin|eloise".into()
        }]
    );
    let only_email: BTreeSet<Criterion> = [Criterion::Email].into_iter().collect();
    assert_eq!(
        keys_for(&profile, &only_email),
        [MatchKey {
            criterion: Criterion::Email,
            key: "contact@garage-martin.fr".into()
        }]
    );
    let criteria: Vec<Criterion> = match_keys(&profile).iter().map(|k| k.criterion).collect();
    assert_eq!(
        criteria,
        [
            Criterion::Email,
            Criterion::Phone,
            Criterion::Name,
            Criterion::CompanyPostcode
        ]
    );
}

#[test]
fn an_import_completes_a_known_client_without_erasing_it() {
    let known = garage().validate().unwrap();
    let imported = ClientProfile {
        kind: ClientKind::Professional,
        company_name: Some("Garage Martin".into()),
        siret: None,
        vat_number: None,
        first_name: None,
        last_name: None,
        email: Some("compta@garage-martin.fr".into()),
        phones: vec!["+33241000000".into(), "+33612345678".into()],
        billing_address: None,
        delivery_address: None,
        tags: vec!["JANTES".into(), "pro".into()],
        notes: None,
    };
    let completed = known.overlaid_with(&imported);
    assert_eq!(completed.email.as_deref(), Some("compta@garage-martin.fr"));
    assert_eq!(
        completed.siret, known.siret,
        "empty cells keep what was known"
    );
    assert_eq!(completed.phones, ["+33612345678", "+33241000000"]);
    assert_eq!(completed.tags, ["Garage", "jantes", "pro"]);
    assert_eq!(completed.billing_address, known.billing_address);
}

#[test]
fn an_invitation_needs_an_email() {
    let without_email = sealed(ClientProfile {
        email: None,
        ..garage()
    });
    ClientTest::with(())
        .given_no_previous_events()
        .when(Stamped::at(
            now(),
            ClientCommand::Create {
                client_id: id(),
                profile: without_email,
                duplicate_override: None,
                invitation: Some(invitation()),
            },
        ))
        .then_expect_error(ClientError::NoEmail);
    ClientTest::with(())
        .given_no_previous_events()
        .when(Stamped::at(
            now(),
            ClientCommand::Create {
                client_id: id(),
                profile: sealed(garage()),
                duplicate_override: None,
                invitation: Some(invitation()),
            },
        ))
        .then_expect_events(vec![
            created(),
            ClientEvent::InvitedToPortal {
                invitation: invitation(),
                invited_at: now(),
            },
        ]);
}

#[test]
fn a_portal_is_activated_once_per_account() {
    let account_id = Uuid::from_u128(42);
    let activated = ClientEvent::PortalActivated {
        account_id,
        activated_at: now(),
    };
    ClientTest::with(())
        .given(vec![created()])
        .when(Stamped::at(
            now(),
            ClientCommand::ActivatePortal { account_id },
        ))
        .then_expect_events(vec![activated.clone()]);
    ClientTest::with(())
        .given(vec![created(), activated])
        .when(Stamped::at(
            now(),
            ClientCommand::ActivatePortal { account_id },
        ))
        .then_expect_events(vec![]);
}

fn with_portal() -> Vec<ClientEvent> {
    vec![
        created(),
        ClientEvent::PortalActivated {
            account_id: Uuid::from_u128(42),
            activated_at: now(),
        },
    ]
}

fn revoked(reason: PortalRevocation) -> ClientEvent {
    ClientEvent::PortalRevoked {
        account_id: Some(Uuid::from_u128(42)),
        reason,
        revoked_at: now(),
    }
}

#[test]
fn a_new_email_archiving_or_merging_ends_the_portal_access() {
    let moved = sealed(ClientProfile {
        email: Some("atelier@garage-martin.fr".into()),
        ..garage()
    });
    ClientTest::with(())
        .given(with_portal())
        .when(Stamped::at(
            now(),
            ClientCommand::Edit {
                profile: moved.clone(),
                duplicate_override: None,
            },
        ))
        .then_expect_events(vec![
            ClientEvent::Edited {
                profile: moved,
                changed: vec!["email".into()],
                duplicate_override: None,
                edited_at: now(),
            },
            revoked(PortalRevocation::EmailChanged),
        ]);
    ClientTest::with(())
        .given(with_portal())
        .when(Stamped::at(now(), ClientCommand::Archive))
        .then_expect_events(vec![
            ClientEvent::Archived { archived_at: now() },
            revoked(PortalRevocation::Archived),
        ]);
    let survivor_id = Uuid::from_u128(8);
    ClientTest::with(())
        .given(with_portal())
        .when(Stamped::at(now(), ClientCommand::MergeInto { survivor_id }))
        .then_expect_events(vec![
            ClientEvent::MergedInto {
                survivor_id,
                merged_at: now(),
            },
            revoked(PortalRevocation::Merged),
        ]);
}

#[test]
fn another_change_keeps_the_portal_and_a_client_without_one_has_nothing_to_end() {
    let renamed = sealed(ClientProfile {
        notes: Some("Livre le mardi".into()),
        ..garage()
    });
    ClientTest::with(())
        .given(with_portal())
        .when(Stamped::at(
            now(),
            ClientCommand::Edit {
                profile: renamed.clone(),
                duplicate_override: None,
            },
        ))
        .then_expect_events(vec![ClientEvent::Edited {
            profile: renamed,
            changed: vec!["notes".into()],
            duplicate_override: None,
            edited_at: now(),
        }]);
    ClientTest::with(())
        .given(vec![created()])
        .when(Stamped::at(now(), ClientCommand::Archive))
        .then_expect_events(vec![ClientEvent::Archived { archived_at: now() }]);
}

#[test]
fn the_workshop_revokes_a_login_or_links_still_waiting_and_the_client_can_be_invited_again() {
    ClientTest::with(())
        .given(with_portal())
        .when(Stamped::at(now(), ClientCommand::RevokePortal))
        .then_expect_events(vec![revoked(PortalRevocation::ByWorkshop)]);
    ClientTest::with(())
        .given(vec![created()])
        .when(Stamped::at(now(), ClientCommand::RevokePortal))
        .then_expect_events(vec![ClientEvent::PortalRevoked {
            account_id: None,
            reason: PortalRevocation::ByWorkshop,
            revoked_at: now(),
        }]);
    let mut events = with_portal();
    events.push(revoked(PortalRevocation::ByWorkshop));
    let account_id = Uuid::from_u128(42);
    ClientTest::with(())
        .given(events)
        .when(Stamped::at(
            now(),
            ClientCommand::ActivatePortal { account_id },
        ))
        .then_expect_events(vec![ClientEvent::PortalActivated {
            account_id,
            activated_at: now(),
        }]);
}
