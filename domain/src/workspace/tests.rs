use chrono::{DateTime, Duration, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::{DomainError, ErrorKind};

type WorkspaceTest = TestFramework<Workspace>;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 30, 0).unwrap()
}

const OWNER: Uuid = Uuid::from_u128(1);
const OPERATOR: Uuid = Uuid::from_u128(2);

fn name(text: &str) -> WorkspaceName {
    WorkspaceName::parse(text).unwrap()
}

fn consent() -> Consent {
    Consent {
        terms_version: "2026-09".into(),
        privacy_policy_version: "2026-09".into(),
        data_processing: true,
    }
}

fn sign_up(workspace_name: &str, consent: Consent) -> WorkspaceCommand {
    WorkspaceCommand::SignUp {
        name: workspace_name.into(),
        owner: OWNER,
        consent,
    }
}

fn signed_up() -> Vec<WorkspaceEvent> {
    vec![
        WorkspaceEvent::Registered {
            name: name("Thermolaquage du Val"),
            registered_at: t0(),
        },
        WorkspaceEvent::ConsentRecorded {
            account_id: OWNER,
            consent: consent(),
            recorded_at: t0(),
        },
        WorkspaceEvent::TrialStarted {
            plan: Plan::Pro,
            started_at: t0(),
            ends_at: t0() + Duration::days(30),
        },
        WorkspaceEvent::MemberJoined {
            account_id: OWNER,
            role: Role::Owner,
            joined_at: t0(),
        },
    ]
}

fn with_operator() -> Vec<WorkspaceEvent> {
    let mut events = signed_up();
    events.push(WorkspaceEvent::MemberJoined {
        account_id: OPERATOR,
        role: Role::Operator,
        joined_at: t0(),
    });
    events
}

fn stamped(body: WorkspaceCommand) -> Stamped<WorkspaceCommand> {
    Stamped::at(t0(), body)
}

#[test]
fn sign_up_opens_a_pro_trial_with_consent_and_an_owner() {
    WorkspaceTest::with(())
        .given_no_previous_events()
        .when(stamped(sign_up("  Thermolaquage   du Val ", consent())))
        .then_expect_events(signed_up());
}

#[test]
fn sign_up_without_every_consent_is_refused() {
    let refused = [
        Consent {
            data_processing: false,
            ..consent()
        },
        Consent {
            terms_version: " ".into(),
            ..consent()
        },
        Consent {
            privacy_policy_version: String::new(),
            ..consent()
        },
    ];
    for consent in refused {
        WorkspaceTest::with(())
            .given_no_previous_events()
            .when(stamped(sign_up("Atelier", consent)))
            .then_expect_error(WorkspaceError::ConsentMissing);
    }
}

#[test]
fn consent_versions_are_labels_not_documents() {
    let longest = "v".repeat(50);
    let given = Consent {
        terms_version: longest.clone(),
        privacy_policy_version: longest.clone(),
        ..consent()
    };
    assert_eq!(given.check(), Ok(()));
    let error = Consent {
        terms_version: format!("{longest}v"),
        ..consent()
    }
    .check()
    .unwrap_err();
    assert_eq!(error.code(), "CONSENT_VERSION_TOO_LONG");
    assert_eq!(error.kind(), ErrorKind::Validation);
}

#[test]
fn a_workspace_signs_up_only_once() {
    WorkspaceTest::with(())
        .given(signed_up())
        .when(stamped(sign_up("Autre", consent())))
        .then_expect_error(WorkspaceError::AlreadyRegistered);
}

#[test]
fn renaming_an_unknown_workspace_is_refused() {
    WorkspaceTest::with(())
        .given_no_previous_events()
        .when(stamped(WorkspaceCommand::Rename {
            name: "Atelier".into(),
        }))
        .then_expect_error(WorkspaceError::NotRegistered);
}

#[test]
fn renaming_to_the_same_name_records_nothing() {
    WorkspaceTest::with(())
        .given(signed_up())
        .when(stamped(WorkspaceCommand::Rename {
            name: "Thermolaquage du Val".into(),
        }))
        .then_expect_events(vec![]);
}

#[test]
fn renaming_records_the_new_name() {
    WorkspaceTest::with(())
        .given(signed_up())
        .when(stamped(WorkspaceCommand::Rename {
            name: "Poudrage Martin".into(),
        }))
        .then_expect_events(vec![WorkspaceEvent::Renamed {
            name: name("Poudrage Martin"),
            renamed_at: t0(),
        }]);
}

#[test]
fn the_jantes_module_is_off_until_switched_on() {
    let on = WorkspaceEvent::ModuleToggled {
        module: Module::Jantes,
        enabled: true,
        toggled_at: t0(),
    };
    WorkspaceTest::with(())
        .given(signed_up())
        .when(stamped(WorkspaceCommand::SetModule {
            module: Module::Jantes,
            enabled: false,
        }))
        .then_expect_events(vec![]);
    WorkspaceTest::with(())
        .given(signed_up())
        .when(stamped(WorkspaceCommand::SetModule {
            module: Module::Jantes,
            enabled: true,
        }))
        .then_expect_events(vec![on]);
}

#[test]
fn members_join_once_with_a_member_role() {
    WorkspaceTest::with(())
        .given(with_operator())
        .when(stamped(WorkspaceCommand::AddMember {
            account_id: OPERATOR,
            role: Role::Admin,
        }))
        .then_expect_error(WorkspaceError::AlreadyMember);
    WorkspaceTest::with(())
        .given(signed_up())
        .when(stamped(WorkspaceCommand::AddMember {
            account_id: OPERATOR,
            role: Role::Editor,
        }))
        .then_expect_error(WorkspaceError::RoleNotAssignable);
}

#[test]
fn the_last_owner_can_neither_leave_nor_be_demoted() {
    WorkspaceTest::with(())
        .given(with_operator())
        .when(stamped(WorkspaceCommand::Deactivate {
            account_id: OWNER,
            by: OWNER,
        }))
        .then_expect_error(WorkspaceError::LastOwner);
    WorkspaceTest::with(())
        .given(with_operator())
        .when(stamped(WorkspaceCommand::ChangeRole {
            account_id: OWNER,
            role: Role::Admin,
            by: OWNER,
        }))
        .then_expect_error(WorkspaceError::LastOwner);
}

#[test]
fn a_deactivated_member_can_be_added_again() {
    let mut events = with_operator();
    events.push(WorkspaceEvent::MemberDeactivated {
        account_id: OPERATOR,
        deactivated_at: t0(),
    });
    WorkspaceTest::with(())
        .given(events.clone())
        .when(stamped(WorkspaceCommand::ChangeRole {
            account_id: OPERATOR,
            role: Role::Admin,
            by: OWNER,
        }))
        .then_expect_error(WorkspaceError::NotAMember);
    WorkspaceTest::with(())
        .given(events)
        .when(stamped(WorkspaceCommand::AddMember {
            account_id: OPERATOR,
            role: Role::Accounting,
        }))
        .then_expect_events(vec![WorkspaceEvent::MemberJoined {
            account_id: OPERATOR,
            role: Role::Accounting,
            joined_at: t0(),
        }]);
}

#[test]
fn workspace_names() {
    let too_long = "x".repeat(WorkspaceName::MAX_CHARS + 1);
    let longest = "é".repeat(WorkspaceName::MAX_CHARS);
    for (input, expected) in [
        ("Atelier Dupont", Ok("Atelier Dupont")),
        ("  Atelier\n\tDupont  ", Ok("Atelier Dupont")),
        (longest.as_str(), Ok(longest.as_str())),
        ("", Err(WorkspaceError::NameEmpty)),
        ("   \n ", Err(WorkspaceError::NameEmpty)),
        (
            too_long.as_str(),
            Err(WorkspaceError::NameTooLong {
                max: WorkspaceName::MAX_CHARS,
            }),
        ),
    ] {
        let parsed = WorkspaceName::parse(input);
        assert_eq!(
            parsed.as_ref().map(WorkspaceName::as_str),
            expected.as_ref().map(|s| *s),
            "{input:?}"
        );
    }
}

#[test]
fn event_type_strings_are_the_log_contract() {
    let types: Vec<String> = signed_up()
        .iter()
        .map(cqrs_es::DomainEvent::event_type)
        .collect();
    assert_eq!(
        types,
        [
            "WorkspaceRegistered",
            "WorkspaceConsentRecorded",
            "WorkspaceTrialStarted",
            "WorkspaceMemberJoined"
        ]
    );
}

const ADMIN: Uuid = Uuid::from_u128(3);

fn with_admin() -> Vec<WorkspaceEvent> {
    let mut events = with_operator();
    events.push(WorkspaceEvent::MemberJoined {
        account_id: ADMIN,
        role: Role::Admin,
        joined_at: t0(),
    });
    events
}

#[test]
fn only_an_owner_makes_demotes_or_deactivates_an_owner() {
    for command in [
        WorkspaceCommand::ChangeRole {
            account_id: ADMIN,
            role: Role::Owner,
            by: ADMIN,
        },
        WorkspaceCommand::ChangeRole {
            account_id: OPERATOR,
            role: Role::Owner,
            by: ADMIN,
        },
        WorkspaceCommand::ChangeRole {
            account_id: OWNER,
            role: Role::Operator,
            by: ADMIN,
        },
        WorkspaceCommand::Deactivate {
            account_id: OWNER,
            by: ADMIN,
        },
    ] {
        WorkspaceTest::with(())
            .given(with_admin())
            .when(stamped(command))
            .then_expect_error(WorkspaceError::OwnerOnly);
    }
    WorkspaceTest::with(())
        .given(with_admin())
        .when(stamped(WorkspaceCommand::ChangeRole {
            account_id: OPERATOR,
            role: Role::Accounting,
            by: ADMIN,
        }))
        .then_expect_events(vec![WorkspaceEvent::MemberRoleChanged {
            account_id: OPERATOR,
            role: Role::Accounting,
            changed_at: t0(),
        }]);
    WorkspaceTest::with(())
        .given(with_admin())
        .when(stamped(WorkspaceCommand::ChangeRole {
            account_id: ADMIN,
            role: Role::Owner,
            by: OWNER,
        }))
        .then_expect_events(vec![WorkspaceEvent::MemberRoleChanged {
            account_id: ADMIN,
            role: Role::Owner,
            changed_at: t0(),
        }]);
}
