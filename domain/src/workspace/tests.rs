use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

type WorkspaceTest = TestFramework<Workspace>;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 30, 0).unwrap()
}

fn name(text: &str) -> WorkspaceName {
    WorkspaceName::parse(text).unwrap()
}

fn registered() -> WorkspaceEvent {
    WorkspaceEvent::Registered {
        name: name("Thermolaquage du Val"),
        registered_at: t0(),
    }
}

fn stamped(body: WorkspaceCommand) -> Stamped<WorkspaceCommand> {
    Stamped::at(t0(), body)
}

#[test]
fn a_new_workspace_registers_with_a_cleaned_name() {
    WorkspaceTest::with(())
        .given_no_previous_events()
        .when(stamped(WorkspaceCommand::Register {
            name: "  Thermolaquage   du Val ".into(),
        }))
        .then_expect_events(vec![registered()]);
}

#[test]
fn a_workspace_registers_only_once() {
    WorkspaceTest::with(())
        .given(vec![registered()])
        .when(stamped(WorkspaceCommand::Register {
            name: "Autre".into(),
        }))
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
        .given(vec![registered()])
        .when(stamped(WorkspaceCommand::Rename {
            name: "Thermolaquage du Val".into(),
        }))
        .then_expect_events(vec![]);
}

#[test]
fn renaming_records_the_new_name() {
    WorkspaceTest::with(())
        .given(vec![registered()])
        .when(stamped(WorkspaceCommand::Rename {
            name: "Poudrage Martin".into(),
        }))
        .then_expect_events(vec![WorkspaceEvent::Renamed {
            name: name("Poudrage Martin"),
            renamed_at: t0(),
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
    let renamed = WorkspaceEvent::Renamed {
        name: name("A"),
        renamed_at: t0(),
    };
    assert_eq!(
        cqrs_es::DomainEvent::event_type(&registered()),
        "WorkspaceRegistered"
    );
    assert_eq!(
        cqrs_es::DomainEvent::event_type(&renamed),
        "WorkspaceRenamed"
    );
}
