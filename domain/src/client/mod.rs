//! Clients of the workshop (spec §5.1): their details, the interaction journal, duplicates and
//! merges. A client is archived, never deleted here (erasure is a GDPR feature).

mod duplicate;
pub mod identifiers;
pub mod import;
pub mod phone;
pub mod portal;
mod profile;
pub mod sealed;
pub mod settings;
#[cfg(test)]
mod tests;
pub mod text;

pub use duplicate::{keys_for, match_keys, Criterion, DuplicateMatch, DuplicateOverride, MatchKey};
pub use profile::{
    Address, ClientKind, ClientProfile, MAX_ADDRESS_LINE_LENGTH, MAX_CITY_LENGTH, MAX_NOTES_LENGTH,
    MAX_TAGS,
};
pub use sealed::{Fingerprint, Sealed, SealedProfile, SubjectKey};

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::limits::excerpt;
use crate::{DomainError, ErrorKind, Stamped};

pub fn aggregate_local_id(client_id: Uuid) -> String {
    format!("client/{client_id}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Call,
    Email,
    Meeting,
    Note,
}

impl InteractionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Email => "email",
            Self::Meeting => "meeting",
            Self::Note => "note",
        }
    }
}

pub const MAX_INTERACTION_LENGTH: usize = 10_000;
/// Why a client is not a duplicate: a sentence or two (« cousin homonyme, autre SIRET »).
pub const MAX_OVERRIDE_REASON_LENGTH: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("la raison sociale est obligatoire pour un client professionnel")]
    CompanyNameMissing,
    #[error("le nom est obligatoire pour un particulier")]
    LastNameMissing,
    #[error("l'adresse email « {} » n'est pas valide", excerpt(.email))]
    EmailInvalid { email: String },
    #[error("le numéro « {} » n'est pas un numéro de téléphone valide", excerpt(.phone))]
    PhoneInvalid { phone: String },
    #[error("le SIREN/SIRET « {} » n'est pas valide (9 ou 14 chiffres, clé de contrôle)", excerpt(.siret))]
    SiretInvalid { siret: String },
    #[error("le numéro de TVA « {} » n'est pas valide pour son pays", excerpt(.vat))]
    VatInvalid { vat: String },
    #[error("le code postal « {} » n'est pas valide", excerpt(.postcode))]
    PostcodeInvalid { postcode: String },
    #[error("le pays « {} » doit être un code à deux lettres (FR, BE, DE…)", excerpt(.country))]
    CountryInvalid { country: String },
    #[error("une adresse doit avoir une rue et une ville")]
    AddressIncomplete,
    #[error("{field} : au plus {max} caractères")]
    TooLong { field: &'static str, max: usize },
    #[error("au plus {max} étiquettes par client")]
    TooManyTags { max: usize },
    #[error("ce client existe déjà")]
    AlreadyCreated,
    #[error("ce client n'existe pas")]
    NotFound,
    #[error("ce client est archivé : restaurez-le d'abord")]
    Archived,
    #[error("ce client a été fusionné dans un autre : modifiez celui-ci")]
    Merged,
    #[error("un client ne peut pas être fusionné avec lui-même")]
    MergeWithItself,
    #[error("le texte de l'interaction est vide")]
    InteractionEmpty,
    #[error("donnez la raison pour laquelle ce client n'est pas un doublon")]
    OverrideReasonMissing,
    #[error("ce client n'a pas d'adresse email")]
    NoEmail,
    #[error(transparent)]
    Bound(#[from] crate::limits::OutOfBounds),
}

impl DomainError for ClientError {
    fn code(&self) -> &'static str {
        match self {
            Self::CompanyNameMissing => "CLIENT_COMPANY_NAME_MISSING",
            Self::LastNameMissing => "CLIENT_LAST_NAME_MISSING",
            Self::EmailInvalid { .. } => "CLIENT_EMAIL_INVALID",
            Self::PhoneInvalid { .. } => "CLIENT_PHONE_INVALID",
            Self::SiretInvalid { .. } => "CLIENT_SIRET_INVALID",
            Self::VatInvalid { .. } => "CLIENT_VAT_INVALID",
            Self::PostcodeInvalid { .. } => "CLIENT_POSTCODE_INVALID",
            Self::CountryInvalid { .. } => "CLIENT_COUNTRY_INVALID",
            Self::AddressIncomplete => "CLIENT_ADDRESS_INCOMPLETE",
            Self::TooLong { .. } => "CLIENT_FIELD_TOO_LONG",
            Self::TooManyTags { .. } => "CLIENT_TOO_MANY_TAGS",
            Self::AlreadyCreated => "CLIENT_ALREADY_EXISTS",
            Self::NotFound => "CLIENT_NOT_FOUND",
            Self::Archived => "CLIENT_ARCHIVED",
            Self::Merged => "CLIENT_MERGED",
            Self::MergeWithItself => "CLIENT_MERGE_SELF",
            Self::InteractionEmpty => "INTERACTION_EMPTY",
            Self::OverrideReasonMissing => "DUPLICATE_REASON_MISSING",
            Self::NoEmail => "CLIENT_NO_EMAIL",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::AlreadyCreated | Self::Archived | Self::Merged => ErrorKind::Conflict,
            Self::NotFound => ErrorKind::NotFound,
            _ => ErrorKind::Validation,
        }
    }
}

/// The command side validates the profile and seals it with the client's key before it
/// reaches the aggregate, which never holds personal data in clear (ADR 0005).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClientCommand {
    /// `duplicate_override` is given when the user saves despite the warning the command
    /// side raised from the read model.
    Create {
        client_id: Uuid,
        profile: SealedProfile,
        duplicate_override: Option<DuplicateOverride>,
        /// Also invite the client to the customer portal (imports).
        invitation: Option<Invitation>,
    },
    Edit {
        profile: SealedProfile,
        duplicate_override: Option<DuplicateOverride>,
    },
    Archive,
    Restore,
    RecordInteraction {
        interaction_id: Uuid,
        kind: InteractionKind,
        occurred_at: DateTime<Utc>,
        /// Checked by [`interaction_text`], then sealed.
        text: Sealed,
    },
    /// This client is a duplicate of `survivor`: it stops here, its history goes there.
    MergeInto {
        survivor_id: Uuid,
    },
    /// The survivor's side of a merge.
    Absorb {
        merged_id: Uuid,
    },
    /// The client was sent an invitation to the customer portal.
    InviteToPortal {
        invitation: Invitation,
    },
    /// The client accepted: `account_id` is its portal login.
    ActivatePortal {
        account_id: Uuid,
    },
    /// The workshop takes the portal access back: the login and any link not yet used.
    RevokePortal,
}

/// Why a client's portal access ended. Changing the email, merging or archiving the record
/// ends it by itself: a login is tied to the address it was invited at, on this record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortalRevocation {
    EmailChanged,
    Archived,
    Merged,
    ByWorkshop,
}

impl PortalRevocation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailChanged => "email_changed",
            Self::Archived => "archived",
            Self::Merged => "merged",
            Self::ByWorkshop => "by_workshop",
        }
    }

    /// For the audit log and the workshop's screens.
    pub fn french(self) -> &'static str {
        match self {
            Self::EmailChanged => "l'adresse email du client a changé",
            Self::Archived => "le client a été archivé",
            Self::Merged => "le client a été fusionné dans un autre",
            Self::ByWorkshop => "retiré par l'atelier",
        }
    }
}

/// Where and how a portal invitation greets the client, sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Invitation {
    pub email: Sealed,
    pub display_name: Sealed,
}

/// An interaction's text as it may be recorded: trimmed, not empty, bounded.
pub fn interaction_text(text: &str) -> Result<String, ClientError> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(ClientError::InteractionEmpty);
    }
    if text.chars().count() > MAX_INTERACTION_LENGTH {
        return Err(ClientError::TooLong {
            field: "interaction",
            max: MAX_INTERACTION_LENGTH,
        });
    }
    Ok(text)
}

/// The reason typed to save despite a duplicate warning: it must say something.
pub fn override_reason(text: &str) -> Result<String, ClientError> {
    let reason = text.trim().to_owned();
    if reason.is_empty() {
        return Err(ClientError::OverrideReasonMissing);
    }
    if reason.chars().count() > MAX_OVERRIDE_REASON_LENGTH {
        return Err(ClientError::TooLong {
            field: "raison du doublon",
            max: MAX_OVERRIDE_REASON_LENGTH,
        });
    }
    Ok(reason)
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ClientEvent {
    Created {
        client_id: Uuid,
        profile: SealedProfile,
        duplicate_override: Option<DuplicateOverride>,
        created_at: DateTime<Utc>,
    },
    Edited {
        profile: SealedProfile,
        changed: Vec<String>,
        duplicate_override: Option<DuplicateOverride>,
        edited_at: DateTime<Utc>,
    },
    Archived {
        archived_at: DateTime<Utc>,
    },
    Restored {
        restored_at: DateTime<Utc>,
    },
    InteractionRecorded {
        interaction_id: Uuid,
        kind: InteractionKind,
        occurred_at: DateTime<Utc>,
        text: Sealed,
        recorded_at: DateTime<Utc>,
    },
    MergedInto {
        survivor_id: Uuid,
        merged_at: DateTime<Utc>,
    },
    Absorbed {
        merged_id: Uuid,
        absorbed_at: DateTime<Utc>,
    },
    InvitedToPortal {
        invitation: Invitation,
        invited_at: DateTime<Utc>,
    },
    PortalActivated {
        account_id: Uuid,
        activated_at: DateTime<Utc>,
    },
    /// The portal access ended: `account_id` is the login it had, if the client had accepted;
    /// links sent before `revoked_at` no longer open it.
    PortalRevoked {
        account_id: Option<Uuid>,
        reason: PortalRevocation,
        revoked_at: DateTime<Utc>,
    },
}

impl ClientEvent {
    pub const CREATED: &'static str = "ClientCreated";
    pub const EDITED: &'static str = "ClientEdited";
    pub const ARCHIVED: &'static str = "ClientArchived";
    pub const RESTORED: &'static str = "ClientRestored";
    pub const INTERACTION_RECORDED: &'static str = "ClientInteractionRecorded";
    pub const MERGED_INTO: &'static str = "ClientMergedInto";
    pub const ABSORBED: &'static str = "ClientAbsorbed";
    pub const INVITED_TO_PORTAL: &'static str = "ClientInvitedToPortal";
    pub const PORTAL_ACTIVATED: &'static str = "ClientPortalActivated";
    pub const PORTAL_REVOKED: &'static str = "ClientPortalRevoked";
    pub const ALL: [&'static str; 10] = [
        Self::CREATED,
        Self::EDITED,
        Self::ARCHIVED,
        Self::RESTORED,
        Self::INTERACTION_RECORDED,
        Self::MERGED_INTO,
        Self::ABSORBED,
        Self::INVITED_TO_PORTAL,
        Self::PORTAL_ACTIVATED,
        Self::PORTAL_REVOKED,
    ];
}

impl DomainEvent for ClientEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Created { .. } => Self::CREATED,
            Self::Edited { .. } => Self::EDITED,
            Self::Archived { .. } => Self::ARCHIVED,
            Self::Restored { .. } => Self::RESTORED,
            Self::InteractionRecorded { .. } => Self::INTERACTION_RECORDED,
            Self::MergedInto { .. } => Self::MERGED_INTO,
            Self::Absorbed { .. } => Self::ABSORBED,
            Self::InvitedToPortal { .. } => Self::INVITED_TO_PORTAL,
            Self::PortalActivated { .. } => Self::PORTAL_ACTIVATED,
            Self::PortalRevoked { .. } => Self::PORTAL_REVOKED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    id: Option<Uuid>,
    /// What the profile looks like, field by field, without its data.
    fingerprint: Option<Fingerprint>,
    has_email: bool,
    archived: bool,
    merged_into: Option<Uuid>,
    portal_account: Option<Uuid>,
}

impl Client {
    /// A client that may still change: exists, not archived, not merged away.
    fn active(&self) -> Result<&Fingerprint, ClientError> {
        let fingerprint = self.fingerprint.as_ref().ok_or(ClientError::NotFound)?;
        if self.merged_into.is_some() {
            return Err(ClientError::Merged);
        }
        if self.archived {
            return Err(ClientError::Archived);
        }
        Ok(fingerprint)
    }

    /// The revocation that goes with a change ending the portal access, if there is one.
    fn portal_ends(&self, reason: PortalRevocation, now: DateTime<Utc>) -> Option<ClientEvent> {
        // A link still waiting needs no event: acceptance checks the record's address and
        // state again.
        self.portal_account
            .map(|account_id| ClientEvent::PortalRevoked {
                account_id: Some(account_id),
                reason,
                revoked_at: now,
            })
    }

    fn existing(&self) -> Result<(), ClientError> {
        self.fingerprint.as_ref().ok_or(ClientError::NotFound)?;
        match self.merged_into {
            Some(_) => Err(ClientError::Merged),
            None => Ok(()),
        }
    }

    pub fn decide(&self, command: Stamped<ClientCommand>) -> Result<Vec<ClientEvent>, ClientError> {
        let now = command.now;
        match command.body {
            ClientCommand::Create {
                client_id,
                profile,
                duplicate_override,
                invitation,
            } => {
                if self.fingerprint.is_some() {
                    return Err(ClientError::AlreadyCreated);
                }
                if invitation.is_some() && !profile.has_email {
                    return Err(ClientError::NoEmail);
                }
                let mut events = vec![ClientEvent::Created {
                    client_id,
                    profile,
                    duplicate_override,
                    created_at: now,
                }];
                events.extend(invitation.map(|invitation| ClientEvent::InvitedToPortal {
                    invitation,
                    invited_at: now,
                }));
                Ok(events)
            }
            ClientCommand::Edit {
                profile,
                duplicate_override,
            } => {
                let before = self.active()?;
                let changed: Vec<String> = profile
                    .fingerprint
                    .iter()
                    .filter(|(field, digest)| before.get(*field) != Some(digest))
                    .map(|(field, _)| field.clone())
                    .collect();
                if changed.is_empty() {
                    return Ok(vec![]);
                }
                let email_changed = changed.iter().any(|field| field == "email");
                let mut events = vec![ClientEvent::Edited {
                    profile,
                    changed,
                    duplicate_override,
                    edited_at: now,
                }];
                if email_changed {
                    events.extend(self.portal_ends(PortalRevocation::EmailChanged, now));
                }
                Ok(events)
            }
            ClientCommand::Archive => {
                self.existing()?;
                Ok(if self.archived {
                    vec![]
                } else {
                    let mut events = vec![ClientEvent::Archived { archived_at: now }];
                    events.extend(self.portal_ends(PortalRevocation::Archived, now));
                    events
                })
            }
            ClientCommand::Restore => {
                self.existing()?;
                Ok(if self.archived {
                    vec![ClientEvent::Restored { restored_at: now }]
                } else {
                    vec![]
                })
            }
            ClientCommand::RecordInteraction {
                interaction_id,
                kind,
                occurred_at,
                text,
            } => {
                // Notes on an archived client are still history worth keeping.
                self.existing()?;
                let paris = chrono_tz::Europe::Paris;
                crate::limits::client::INTERACTION_ON.check(
                    occurred_at.with_timezone(&paris).date_naive(),
                    now.with_timezone(&paris).date_naive(),
                )?;
                Ok(vec![ClientEvent::InteractionRecorded {
                    interaction_id,
                    kind,
                    occurred_at,
                    text,
                    recorded_at: now,
                }])
            }
            ClientCommand::MergeInto { survivor_id } => {
                self.active()?;
                if Some(survivor_id) == self.id {
                    return Err(ClientError::MergeWithItself);
                }
                let mut events = vec![ClientEvent::MergedInto {
                    survivor_id,
                    merged_at: now,
                }];
                events.extend(self.portal_ends(PortalRevocation::Merged, now));
                Ok(events)
            }
            ClientCommand::Absorb { merged_id } => {
                self.active()?;
                if Some(merged_id) == self.id {
                    return Err(ClientError::MergeWithItself);
                }
                Ok(vec![ClientEvent::Absorbed {
                    merged_id,
                    absorbed_at: now,
                }])
            }
            ClientCommand::ActivatePortal { account_id } => {
                self.active()?;
                if self.portal_account == Some(account_id) {
                    return Ok(vec![]);
                }
                Ok(vec![ClientEvent::PortalActivated {
                    account_id,
                    activated_at: now,
                }])
            }
            ClientCommand::RevokePortal => {
                // Also without a login: links sent and not yet used stop working.
                self.existing()?;
                Ok(vec![ClientEvent::PortalRevoked {
                    account_id: self.portal_account,
                    reason: PortalRevocation::ByWorkshop,
                    revoked_at: now,
                }])
            }
            ClientCommand::InviteToPortal { invitation } => {
                self.active()?;
                if !self.has_email {
                    return Err(ClientError::NoEmail);
                }
                Ok(vec![ClientEvent::InvitedToPortal {
                    invitation,
                    invited_at: now,
                }])
            }
        }
    }
}

impl Aggregate for Client {
    const TYPE: &'static str = "client";
    type Command = Stamped<ClientCommand>;
    type Event = ClientEvent;
    type Error = ClientError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ClientEvent::Created {
                client_id, profile, ..
            } => {
                self.id = Some(client_id);
                self.has_email = profile.has_email;
                self.fingerprint = Some(profile.fingerprint);
            }
            ClientEvent::Edited { profile, .. } => {
                self.has_email = profile.has_email;
                self.fingerprint = Some(profile.fingerprint);
            }
            ClientEvent::Archived { .. } => self.archived = true,
            ClientEvent::Restored { .. } => self.archived = false,
            ClientEvent::MergedInto { survivor_id, .. } => self.merged_into = Some(survivor_id),
            ClientEvent::PortalActivated { account_id, .. } => {
                self.portal_account = Some(account_id)
            }
            ClientEvent::PortalRevoked { .. } => self.portal_account = None,
            ClientEvent::InteractionRecorded { .. }
            | ClientEvent::Absorbed { .. }
            | ClientEvent::InvitedToPortal { .. } => {}
        }
    }
}
