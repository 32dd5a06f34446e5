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
        trial_days: crate::platform::catalogue::DEFAULT_TRIAL_DAYS,
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
            invitation: None,
        },
    ]
}

fn with_operator() -> Vec<WorkspaceEvent> {
    let mut events = signed_up();
    events.push(WorkspaceEvent::MemberJoined {
        account_id: OPERATOR,
        role: Role::Operator,
        joined_at: t0(),
        invitation: None,
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
            invited: vec![],
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
            invitation: None,
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
        invitation: None,
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
            invited: vec![],
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

const INVITATION: Uuid = Uuid::from_u128(100);
const OTHER_INVITATION: Uuid = Uuid::from_u128(101);
const NEWCOMER: Uuid = Uuid::from_u128(200);

fn invited(invitation_id: Uuid, role: Role, by: Uuid) -> WorkspaceEvent {
    WorkspaceEvent::MemberInvited {
        invitation_id,
        role,
        invited_by: by,
        invited_at: t0(),
        expires_at: t0() + Duration::days(INVITATION_DAYS),
    }
}

fn revoked(invitation_id: Uuid, by: Uuid, reason: RevocationReason) -> WorkspaceEvent {
    WorkspaceEvent::InvitationRevoked {
        invitation_id,
        by,
        reason,
        revoked_at: t0(),
    }
}

fn with(
    mut events: Vec<WorkspaceEvent>,
    more: impl IntoIterator<Item = WorkspaceEvent>,
) -> Vec<WorkspaceEvent> {
    events.extend(more);
    events
}

fn accept(invitation_id: Uuid) -> WorkspaceCommand {
    WorkspaceCommand::AcceptInvitation {
        invitation_id,
        account_id: NEWCOMER,
    }
}

#[test]
fn an_invitation_names_its_role_and_inviter_and_lasts_seven_days() {
    WorkspaceTest::with(())
        .given(with_admin())
        .when(stamped(WorkspaceCommand::Invite {
            invitation_id: INVITATION,
            role: Role::Operator,
            by: ADMIN,
        }))
        .then_expect_events(vec![invited(INVITATION, Role::Operator, ADMIN)]);
    WorkspaceTest::with(())
        .given(with(
            with_admin(),
            [invited(INVITATION, Role::Operator, ADMIN)],
        ))
        .when(stamped(WorkspaceCommand::Invite {
            invitation_id: INVITATION,
            role: Role::Operator,
            by: ADMIN,
        }))
        .then_expect_error(WorkspaceError::InvitationExists);
}

#[test]
fn a_client_is_never_invited_as_a_member() {
    WorkspaceTest::with(())
        .given(with_admin())
        .when(stamped(WorkspaceCommand::Invite {
            invitation_id: INVITATION,
            role: Role::Client,
            by: OWNER,
        }))
        .then_expect_error(WorkspaceError::InvitationRoleClient);
    assert_eq!(
        WorkspaceError::InvitationRoleClient.kind(),
        ErrorKind::Validation
    );
}

#[test]
fn owners_invite_anyone_admins_anyone_but_owners_and_nobody_else_invites() {
    for (by, role, refused) in [
        (OWNER, Role::Owner, None),
        (OWNER, Role::Accounting, None),
        (ADMIN, Role::Admin, None),
        (ADMIN, Role::Owner, Some(WorkspaceError::OwnerOnly)),
        (OPERATOR, Role::Operator, Some(WorkspaceError::NotAnInviter)),
        (NEWCOMER, Role::Operator, Some(WorkspaceError::NotAnInviter)),
        (OWNER, Role::Editor, Some(WorkspaceError::RoleNotAssignable)),
    ] {
        let test =
            WorkspaceTest::with(())
                .given(with_admin())
                .when(stamped(WorkspaceCommand::Invite {
                    invitation_id: INVITATION,
                    role,
                    by,
                }));
        match refused {
            None => test.then_expect_events(vec![invited(INVITATION, role, by)]),
            Some(error) => test.then_expect_error(error),
        }
    }
}

#[test]
fn accepting_grants_the_role_the_invitation_recorded_once() {
    let pending = with(with_admin(), [invited(INVITATION, Role::Accounting, ADMIN)]);
    let joined = WorkspaceEvent::MemberJoined {
        account_id: NEWCOMER,
        role: Role::Accounting,
        joined_at: t0(),
        invitation: Some(INVITATION),
    };
    WorkspaceTest::with(())
        .given(pending.clone())
        .when(stamped(accept(INVITATION)))
        .then_expect_events(vec![joined.clone()]);
    WorkspaceTest::with(())
        .given(with(pending.clone(), [joined]))
        .when(stamped(WorkspaceCommand::AcceptInvitation {
            invitation_id: INVITATION,
            account_id: Uuid::from_u128(201),
        }))
        .then_expect_error(WorkspaceError::InvitationAccepted);
    // Someone already in cannot take a second role through a link.
    WorkspaceTest::with(())
        .given(pending)
        .when(stamped(WorkspaceCommand::AcceptInvitation {
            invitation_id: INVITATION,
            account_id: OPERATOR,
        }))
        .then_expect_error(WorkspaceError::AlreadyMember);
}

#[test]
fn acceptance_checks_the_invitation_is_still_pending() {
    let pending = with(with_admin(), [invited(INVITATION, Role::Operator, ADMIN)]);
    WorkspaceTest::with(())
        .given(pending.clone())
        .when(stamped(accept(OTHER_INVITATION)))
        .then_expect_error(WorkspaceError::InvitationNotFound);
    WorkspaceTest::with(())
        .given(pending.clone())
        .when(Stamped::at(
            t0() + Duration::days(INVITATION_DAYS),
            accept(INVITATION),
        ))
        .then_expect_error(WorkspaceError::InvitationExpired);
    WorkspaceTest::with(())
        .given(with(
            pending,
            [revoked(INVITATION, OWNER, RevocationReason::Withdrawn)],
        ))
        .when(stamped(accept(INVITATION)))
        .then_expect_error(WorkspaceError::InvitationRevoked);
}

#[test]
fn acceptance_checks_the_inviter_may_still_grant_the_role() {
    // A log in which the inviter lost the role without the invitation being revoked (no
    // decision of today writes that, but acceptance must not rely on it).
    let demoted = with(
        with_admin(),
        [
            invited(INVITATION, Role::Admin, ADMIN),
            WorkspaceEvent::MemberRoleChanged {
                account_id: ADMIN,
                role: Role::Operator,
                changed_at: t0(),
            },
        ],
    );
    WorkspaceTest::with(())
        .given(demoted)
        .when(stamped(accept(INVITATION)))
        .then_expect_error(WorkspaceError::InviterLostRights);
    let gone = with(
        with_admin(),
        [
            invited(INVITATION, Role::Operator, ADMIN),
            WorkspaceEvent::MemberDeactivated {
                account_id: ADMIN,
                deactivated_at: t0(),
            },
        ],
    );
    WorkspaceTest::with(())
        .given(gone)
        .when(stamped(accept(INVITATION)))
        .then_expect_error(WorkspaceError::InviterLostRights);
}

#[test]
fn deactivating_an_inviter_revokes_their_pending_invitations() {
    let events = with(
        with_admin(),
        [
            invited(INVITATION, Role::Operator, ADMIN),
            invited(OTHER_INVITATION, Role::Operator, OWNER),
        ],
    );
    WorkspaceTest::with(())
        .given(events)
        .when(stamped(WorkspaceCommand::Deactivate {
            account_id: ADMIN,
            by: OWNER,
            invited: vec![],
        }))
        .then_expect_events(vec![
            WorkspaceEvent::MemberDeactivated {
                account_id: ADMIN,
                deactivated_at: t0(),
            },
            revoked(INVITATION, OWNER, RevocationReason::InviterDeactivated),
        ]);
}

#[test]
fn a_demoted_inviter_keeps_only_the_invitations_their_new_role_could_send() {
    let events = with(
        with_admin(),
        [
            invited(INVITATION, Role::Owner, OWNER),
            invited(OTHER_INVITATION, Role::Operator, OWNER),
            WorkspaceEvent::MemberRoleChanged {
                account_id: ADMIN,
                role: Role::Owner,
                changed_at: t0(),
            },
        ],
    );
    // An owner made admin: the owner invitation goes, the operator one stays.
    WorkspaceTest::with(())
        .given(events.clone())
        .when(stamped(WorkspaceCommand::ChangeRole {
            account_id: OWNER,
            role: Role::Admin,
            by: ADMIN,
        }))
        .then_expect_events(vec![
            WorkspaceEvent::MemberRoleChanged {
                account_id: OWNER,
                role: Role::Admin,
                changed_at: t0(),
            },
            revoked(INVITATION, ADMIN, RevocationReason::InviterDemoted),
        ]);
    // An admin made operator: all of theirs go.
    let admin_invites = with(
        with_admin(),
        [
            invited(INVITATION, Role::Admin, ADMIN),
            invited(OTHER_INVITATION, Role::Accounting, ADMIN),
        ],
    );
    WorkspaceTest::with(())
        .given(admin_invites)
        .when(stamped(WorkspaceCommand::ChangeRole {
            account_id: ADMIN,
            role: Role::Operator,
            by: OWNER,
        }))
        .then_expect_events(vec![
            WorkspaceEvent::MemberRoleChanged {
                account_id: ADMIN,
                role: Role::Operator,
                changed_at: t0(),
            },
            revoked(INVITATION, OWNER, RevocationReason::InviterDemoted),
            revoked(OTHER_INVITATION, OWNER, RevocationReason::InviterDemoted),
        ]);
}

#[test]
fn deactivating_a_member_revokes_the_pending_invitations_addressed_to_them() {
    let events = with(
        with_admin(),
        [
            invited(INVITATION, Role::Admin, OWNER),
            invited(OTHER_INVITATION, Role::Admin, OWNER),
            revoked(OTHER_INVITATION, OWNER, RevocationReason::Withdrawn),
        ],
    );
    WorkspaceTest::with(())
        .given(events)
        .when(stamped(WorkspaceCommand::Deactivate {
            account_id: OPERATOR,
            by: ADMIN,
            // An unknown id (a portal link, another workshop's) is no invitation of ours.
            invited: vec![INVITATION, OTHER_INVITATION, Uuid::from_u128(999)],
        }))
        .then_expect_events(vec![
            WorkspaceEvent::MemberDeactivated {
                account_id: OPERATOR,
                deactivated_at: t0(),
            },
            revoked(INVITATION, ADMIN, RevocationReason::InviteeDeactivated),
        ]);
}

#[test]
fn a_pending_invitation_is_revoked_once_by_whoever_could_send_it() {
    let pending = with(
        with_admin(),
        [
            invited(INVITATION, Role::Operator, OWNER),
            invited(OTHER_INVITATION, Role::Owner, OWNER),
        ],
    );
    let revoke =
        |invitation_id, by| stamped(WorkspaceCommand::RevokeInvitation { invitation_id, by });
    WorkspaceTest::with(())
        .given(pending.clone())
        .when(revoke(INVITATION, ADMIN))
        .then_expect_events(vec![revoked(
            INVITATION,
            ADMIN,
            RevocationReason::Withdrawn,
        )]);
    WorkspaceTest::with(())
        .given(with(
            pending.clone(),
            [revoked(INVITATION, ADMIN, RevocationReason::Withdrawn)],
        ))
        .when(revoke(INVITATION, ADMIN))
        .then_expect_events(vec![]);
    for (invitation_id, by, error) in [
        (OTHER_INVITATION, ADMIN, WorkspaceError::OwnerOnly),
        (INVITATION, OPERATOR, WorkspaceError::NotAnInviter),
        (
            Uuid::from_u128(999),
            OWNER,
            WorkspaceError::InvitationNotFound,
        ),
    ] {
        WorkspaceTest::with(())
            .given(pending.clone())
            .when(revoke(invitation_id, by))
            .then_expect_error(error);
    }
    WorkspaceTest::with(())
        .given(pending.clone())
        .when(Stamped::at(
            t0() + Duration::days(INVITATION_DAYS),
            WorkspaceCommand::RevokeInvitation {
                invitation_id: INVITATION,
                by: OWNER,
            },
        ))
        .then_expect_error(WorkspaceError::InvitationExpired);
    WorkspaceTest::with(())
        .given(with(
            pending,
            [WorkspaceEvent::MemberJoined {
                account_id: NEWCOMER,
                role: Role::Operator,
                joined_at: t0(),
                invitation: Some(INVITATION),
            }],
        ))
        .when(revoke(INVITATION, OWNER))
        .then_expect_error(WorkspaceError::InvitationAccepted);
}

#[test]
fn members_joined_before_invitations_were_events_still_read() {
    let old: WorkspaceEvent = serde_json::from_value(serde_json::json!({
        "MemberJoined": { "account_id": OWNER, "role": "owner", "joined_at": t0() }
    }))
    .unwrap();
    assert_eq!(
        old,
        WorkspaceEvent::MemberJoined {
            account_id: OWNER,
            role: Role::Owner,
            joined_at: t0(),
            invitation: None,
        }
    );
    // And a direct addition still writes the payload it always wrote.
    let text = serde_json::to_value(&old).unwrap();
    assert!(text["MemberJoined"].get("invitation").is_none(), "{text}");
}
