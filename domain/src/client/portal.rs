//! Which client record a portal invitation opens (issue 17): exactly the one it was sent
//! for, and only while that record is still the client the link was meant for.

use chrono::{DateTime, Utc};

/// The record an invitation names, as the workshop's file shows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitedRecord<'a> {
    pub email: Option<&'a str>,
    pub archived: bool,
    pub merged: bool,
    /// The last time the workshop (or a change of address, an archive, a merge) ended the
    /// record's portal access.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Whether a link sent to `sent_to` at `sent_at` still opens `record`'s portal: the record
/// still has that address (someone else may hold it now), it is neither archived nor merged,
/// and its access was not taken back after the link left.
pub fn invitation_opens(sent_to: &str, sent_at: DateTime<Utc>, record: &InvitedRecord) -> bool {
    let same_address = record
        .email
        .is_some_and(|email| email.trim().eq_ignore_ascii_case(sent_to.trim()));
    let revoked_since = record.revoked_at.is_some_and(|revoked| revoked >= sent_at);
    same_address && !record.archived && !record.merged && !revoked_since
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn sent_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn record() -> InvitedRecord<'static> {
        InvitedRecord {
            email: Some("paul@exemple.fr"),
            archived: false,
            merged: false,
            revoked_at: None,
        }
    }

    #[test]
    fn a_link_opens_the_record_while_it_is_the_one_it_was_sent_for() {
        assert!(invitation_opens("Paul@Exemple.fr", sent_at(), &record()));
        let revoked_before = InvitedRecord {
            revoked_at: Some(sent_at() - Duration::minutes(1)),
            ..record()
        };
        assert!(invitation_opens(
            "paul@exemple.fr",
            sent_at(),
            &revoked_before
        ));
    }

    #[test]
    fn a_new_address_an_archive_a_merge_or_a_later_revocation_close_it() {
        let cases = [
            InvitedRecord {
                email: Some("autre@exemple.fr"),
                ..record()
            },
            InvitedRecord {
                email: None,
                ..record()
            },
            InvitedRecord {
                archived: true,
                ..record()
            },
            InvitedRecord {
                merged: true,
                ..record()
            },
            InvitedRecord {
                revoked_at: Some(sent_at()),
                ..record()
            },
        ];
        for case in cases {
            assert!(
                !invitation_opens("paul@exemple.fr", sent_at(), &case),
                "{case:?}"
            );
        }
    }
}
