//! The quote aggregate (spec §5.2): a numbered, priced offer to a client, edited while a
//! draft, sent, then accepted (by signature), refused or expired. A sent quote never changes:
//! a correction is a new version, which must be sent (and signed) again.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pricing::{cents, price, Line, Priced, PricingError, Rates};
use crate::digest::is_sha256;
use crate::limits;
use crate::{DomainError, ErrorKind, Stamped};

pub fn aggregate_local_id(quote_id: Uuid) -> String {
    format!("quote/{quote_id}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Sent,
    Accepted,
    Refused,
    Expired,
}

/// What the client pays on signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Deposit {
    None,
    /// € TTC.
    Amount(Decimal),
    /// % of the total TTC.
    Percent(Decimal),
}

/// What the workshop offers: the client, the priced lines, the terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Content {
    pub client_id: Uuid,
    pub lines: Vec<Line>,
    pub rates: Rates,
    pub valid_until: NaiveDate,
    pub deposit: Deposit,
}

/// Content with its figures, as the log keeps them: a quote's amounts never move after the
/// fact, even if the pricing rules change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PricedContent {
    pub content: Content,
    pub priced: Priced,
    /// € TTC due on signature.
    pub deposit_due: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error(transparent)]
    Pricing(#[from] PricingError),
    #[error("la date de validité ne peut pas être passée")]
    ValidityPast,
    #[error("l'acompte doit être positif et ne pas dépasser le total TTC ({ttc} €)")]
    Deposit { ttc: Decimal },
    #[error("ce devis existe déjà")]
    AlreadyCreated,
    #[error("ce devis n'existe pas")]
    NotFound,
    #[error("seul un brouillon se modifie : créez une nouvelle version")]
    NotDraft,
    #[error("ce devis n'a pas été envoyé")]
    NotSent,
    #[error("ce devis est encore valable jusqu'au {valid_until}")]
    StillValid { valid_until: NaiveDate },
    #[error("un devis accepté ne change plus")]
    Accepted,
    #[error("la signature porte sur la version {signed} ; la version en cours est la {current}")]
    WrongVersion { signed: u32, current: u32 },
    #[error("la signature est incomplète (empreintes du PDF et de l'image attendues)")]
    SignatureIncomplete,
    #[error("ce devis n'est plus valable depuis le {valid_until}")]
    Expired { valid_until: NaiveDate },
    #[error("le signataire doit avoir lu et accepté les conditions générales avant de signer")]
    TermsNotAccepted,
    #[error(
        "le PDF signé n'est pas celui envoyé au client : affichez la version envoyée et signez-la"
    )]
    DocumentChanged,
    #[error("l'empreinte du PDF envoyé est attendue")]
    DocumentMissing,
    #[error("la relance à J+{after_days} n'est pas encore due")]
    ReminderNotDue { after_days: u16 },
}

impl DomainError for QuoteError {
    fn code(&self) -> &'static str {
        match self {
            Self::Pricing(error) => error.code(),
            Self::ValidityPast => "QUOTE_VALIDITY_PAST",
            Self::Deposit { .. } => "QUOTE_DEPOSIT_INVALID",
            Self::AlreadyCreated => "QUOTE_ALREADY_EXISTS",
            Self::NotFound => "QUOTE_NOT_FOUND",
            Self::NotDraft => "QUOTE_NOT_DRAFT",
            Self::NotSent => "QUOTE_NOT_SENT",
            Self::StillValid { .. } => "QUOTE_STILL_VALID",
            Self::Accepted => "QUOTE_ACCEPTED",
            Self::WrongVersion { .. } => "QUOTE_VERSION_CHANGED",
            Self::SignatureIncomplete => "SIGNATURE_INCOMPLETE",
            Self::Expired { .. } => "QUOTE_EXPIRED",
            Self::TermsNotAccepted => "TERMS_NOT_ACCEPTED",
            Self::DocumentChanged => "QUOTE_DOCUMENT_CHANGED",
            Self::DocumentMissing => "QUOTE_DOCUMENT_MISSING",
            Self::ReminderNotDue { .. } => "QUOTE_REMINDER_NOT_DUE",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Pricing(_)
            | Self::ValidityPast
            | Self::Deposit { .. }
            | Self::SignatureIncomplete
            | Self::TermsNotAccepted
            | Self::DocumentMissing => ErrorKind::Validation,
            Self::NotFound => ErrorKind::NotFound,
            _ => ErrorKind::Conflict,
        }
    }
}

/// Prices `content` and checks its terms on `today` (Paris).
pub fn priced(content: Content, today: NaiveDate) -> Result<PricedContent, QuoteError> {
    if content.valid_until < today {
        return Err(QuoteError::ValidityPast);
    }
    limits::quote::VALID_UNTIL
        .check(content.valid_until, today)
        .map_err(PricingError::from)?;
    let priced = price(&content.lines, &content.rates)?;
    let ttc = priced.total_ttc;
    let deposit_due = match &content.deposit {
        Deposit::None => Decimal::ZERO,
        Deposit::Amount(amount) if !amount.is_sign_negative() && *amount <= ttc => *amount,
        Deposit::Percent(pct) if !pct.is_sign_negative() && *pct <= Decimal::ONE_HUNDRED => {
            let share = limits::mul(ttc, *pct, "acompte").map_err(PricingError::from)?;
            cents(share / Decimal::ONE_HUNDRED)
        }
        _ => return Err(QuoteError::Deposit { ttc }),
    };
    Ok(PricedContent {
        content,
        priced,
        deposit_due,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuoteCommand {
    /// `number` comes from the workshop's counter, taken in the same commit.
    Create {
        quote_id: Uuid,
        number: String,
        content: Content,
    },
    Edit {
        content: Content,
    },
    /// `pdf_sha256`: the digest of the exact PDF the client receives, frozen with the version.
    Send {
        pdf_sha256: String,
    },
    /// A new version of a sent, refused or expired quote, back to draft.
    Revise {
        content: Content,
    },
    Refuse,
    /// A sent quote past its validity date.
    Expire,
    /// The last step, after the signer was shown the terms and the exact PDF: signing accepts
    /// the version that was sent. Once per version.
    Sign {
        signature: Signature,
    },
    /// Reminds the client of a sent quote `after_days` days after sending (once per step).
    Remind {
        after_days: u16,
    },
}

/// Who signed: the client in its portal, or a staff member for the client with the client's
/// signed paper scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Signer {
    Client { account_id: Uuid },
    StaffOnBehalf { account_id: Uuid },
}

/// What the signature journal keeps (the image itself is stored beside, by its digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Signature {
    pub signer: Signer,
    /// The version the signer saw: signing an older one is refused.
    pub version: u32,
    /// SHA-256 of the exact PDF shown and signed, hex.
    pub pdf_sha256: String,
    /// SHA-256 of the signature image (drawn, uploaded or scanned), hex.
    pub image_sha256: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The signer was shown the conditions (CGV) and accepted them before signing.
    #[serde(default)]
    pub terms_accepted: bool,
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum QuoteEvent {
    Created {
        quote_id: Uuid,
        number: String,
        version: u32,
        content: PricedContent,
        created_at: DateTime<Utc>,
    },
    Edited {
        content: PricedContent,
        edited_at: DateTime<Utc>,
    },
    Sent {
        version: u32,
        sent_at: DateTime<Utc>,
        /// SHA-256 of the PDF sent, the one the client must sign (absent before signatures).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pdf_sha256: Option<String>,
    },
    Revised {
        version: u32,
        content: PricedContent,
        revised_at: DateTime<Utc>,
    },
    Refused {
        refused_at: DateTime<Utc>,
    },
    Expired {
        expired_at: DateTime<Utc>,
    },
    Signed {
        signature: Signature,
        signed_at: DateTime<Utc>,
    },
    /// What projects are made of: the accepted version with its figures.
    Accepted {
        quote_id: Uuid,
        number: String,
        version: u32,
        content: PricedContent,
        accepted_at: DateTime<Utc>,
    },
    /// The client was reminded of the unsigned quote, `after_days` after it was sent.
    Reminded {
        version: u32,
        after_days: u16,
        reminded_at: DateTime<Utc>,
    },
}

impl QuoteEvent {
    pub const CREATED: &'static str = "QuoteCreated";
    pub const EDITED: &'static str = "QuoteEdited";
    pub const SENT: &'static str = "QuoteSent";
    pub const REVISED: &'static str = "QuoteRevised";
    pub const REFUSED: &'static str = "QuoteRefused";
    pub const EXPIRED: &'static str = "QuoteExpired";
    pub const SIGNED: &'static str = "QuoteSigned";
    pub const ACCEPTED: &'static str = "QuoteAccepted";
    pub const REMINDED: &'static str = "QuoteReminded";
}

impl DomainEvent for QuoteEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Created { .. } => Self::CREATED,
            Self::Edited { .. } => Self::EDITED,
            Self::Sent { .. } => Self::SENT,
            Self::Revised { .. } => Self::REVISED,
            Self::Refused { .. } => Self::REFUSED,
            Self::Expired { .. } => Self::EXPIRED,
            Self::Signed { .. } => Self::SIGNED,
            Self::Accepted { .. } => Self::ACCEPTED,
            Self::Reminded { .. } => Self::REMINDED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    id: Option<Uuid>,
    number: String,
    status: Option<Status>,
    version: u32,
    valid_until: Option<NaiveDate>,
    /// The current version's content, what an acceptance hands to the project.
    content: Option<PricedContent>,
    /// When the current version was sent and the digest of its PDF.
    sent_at: Option<DateTime<Utc>>,
    sent_pdf_sha256: Option<String>,
    /// The reminder steps (days after sending) already sent for the current version.
    reminded: Vec<u16>,
}

impl Quote {
    pub fn decide(&self, command: Stamped<QuoteCommand>) -> Result<Vec<QuoteEvent>, QuoteError> {
        let now = command.now;
        let today = now.with_timezone(&Paris).date_naive();
        if let QuoteCommand::Create {
            quote_id,
            number,
            content,
        } = command.body
        {
            if self.status.is_some() {
                return Err(QuoteError::AlreadyCreated);
            }
            return Ok(vec![QuoteEvent::Created {
                quote_id,
                number,
                version: 1,
                content: priced(content, today)?,
                created_at: now,
            }]);
        }
        let status = self.status.ok_or(QuoteError::NotFound)?;
        if status == Status::Accepted {
            // One signature per version: a second attempt finds the quote accepted.
            return Err(QuoteError::Accepted);
        }
        match command.body {
            QuoteCommand::Create { .. } => unreachable!("handled above"),
            QuoteCommand::Edit { content } => {
                if status != Status::Draft {
                    return Err(QuoteError::NotDraft);
                }
                Ok(vec![QuoteEvent::Edited {
                    content: priced(content, today)?,
                    edited_at: now,
                }])
            }
            QuoteCommand::Send { pdf_sha256 } => match status {
                Status::Draft => {
                    // Sending an out-of-date draft would offer what can no longer be signed.
                    if self.valid_until.is_some_and(|until| until < today) {
                        return Err(QuoteError::ValidityPast);
                    }
                    if !is_sha256(&pdf_sha256) {
                        return Err(QuoteError::DocumentMissing);
                    }
                    Ok(vec![QuoteEvent::Sent {
                        version: self.version,
                        sent_at: now,
                        pdf_sha256: Some(pdf_sha256),
                    }])
                }
                Status::Sent => Ok(vec![]),
                _ => Err(QuoteError::NotDraft),
            },
            QuoteCommand::Revise { content } => match status {
                Status::Draft => Err(QuoteError::NotSent),
                _ => Ok(vec![QuoteEvent::Revised {
                    version: self.version + 1,
                    content: priced(content, today)?,
                    revised_at: now,
                }]),
            },
            QuoteCommand::Refuse => match status {
                Status::Sent => Ok(vec![QuoteEvent::Refused { refused_at: now }]),
                Status::Refused => Ok(vec![]),
                _ => Err(QuoteError::NotSent),
            },
            QuoteCommand::Sign { signature } => {
                if status != Status::Sent {
                    return Err(QuoteError::NotSent);
                }
                if signature.version != self.version {
                    return Err(QuoteError::WrongVersion {
                        signed: signature.version,
                        current: self.version,
                    });
                }
                if !is_sha256(&signature.pdf_sha256) || !is_sha256(&signature.image_sha256) {
                    return Err(QuoteError::SignatureIncomplete);
                }
                if !signature.terms_accepted {
                    return Err(QuoteError::TermsNotAccepted);
                }
                // The signer signs what the client received, byte for byte.
                if self
                    .sent_pdf_sha256
                    .as_ref()
                    .is_some_and(|sent| !sent.eq_ignore_ascii_case(&signature.pdf_sha256))
                {
                    return Err(QuoteError::DocumentChanged);
                }
                if let Some(until) = self.valid_until.filter(|until| *until < today) {
                    return Err(QuoteError::Expired { valid_until: until });
                }
                let content = self.content.clone().ok_or(QuoteError::NotFound)?;
                Ok(vec![
                    QuoteEvent::Signed {
                        signature,
                        signed_at: now,
                    },
                    QuoteEvent::Accepted {
                        quote_id: self.id.ok_or(QuoteError::NotFound)?,
                        number: self.number.clone(),
                        version: self.version,
                        content,
                        accepted_at: now,
                    },
                ])
            }
            QuoteCommand::Remind { after_days } => {
                if status != Status::Sent {
                    return Err(QuoteError::NotSent);
                }
                if self.reminded.contains(&after_days) {
                    return Ok(vec![]);
                }
                let due = self
                    .sent_at
                    .is_some_and(|sent| now >= sent + chrono::Duration::days(after_days.into()));
                if !due {
                    return Err(QuoteError::ReminderNotDue { after_days });
                }
                Ok(vec![QuoteEvent::Reminded {
                    version: self.version,
                    after_days,
                    reminded_at: now,
                }])
            }
            QuoteCommand::Expire => match (status, self.valid_until) {
                (Status::Sent, Some(until)) if until < today => {
                    Ok(vec![QuoteEvent::Expired { expired_at: now }])
                }
                (Status::Sent, Some(until)) => Err(QuoteError::StillValid { valid_until: until }),
                (Status::Expired, _) => Ok(vec![]),
                _ => Err(QuoteError::NotSent),
            },
        }
    }
}

impl Aggregate for Quote {
    const TYPE: &'static str = "quote";
    type Command = Stamped<QuoteCommand>;
    type Event = QuoteEvent;
    type Error = QuoteError;
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
            QuoteEvent::Created {
                quote_id,
                number,
                version,
                content,
                ..
            } => {
                self.id = Some(quote_id);
                self.number = number;
                self.status = Some(Status::Draft);
                self.version = version;
                self.valid_until = Some(content.content.valid_until);
                self.content = Some(content);
            }
            QuoteEvent::Edited { content, .. } => {
                self.valid_until = Some(content.content.valid_until);
                self.content = Some(content);
            }
            QuoteEvent::Sent {
                sent_at,
                pdf_sha256,
                ..
            } => {
                self.status = Some(Status::Sent);
                self.sent_at = Some(sent_at);
                self.sent_pdf_sha256 = pdf_sha256;
                self.reminded.clear();
            }
            QuoteEvent::Revised {
                version, content, ..
            } => {
                self.status = Some(Status::Draft);
                self.version = version;
                self.valid_until = Some(content.content.valid_until);
                self.content = Some(content);
            }
            QuoteEvent::Refused { .. } => self.status = Some(Status::Refused),
            QuoteEvent::Expired { .. } => self.status = Some(Status::Expired),
            QuoteEvent::Signed { .. } => {}
            QuoteEvent::Accepted { .. } => self.status = Some(Status::Accepted),
            QuoteEvent::Reminded { after_days, .. } => self.reminded.push(after_days),
        }
    }
}
