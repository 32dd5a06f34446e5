//! Email templates of a workshop: MJML with `{variables}`, a French default for every email
//! the spec names (§2.2, §14), each editable per workspace.
//!
//! Rendering is pure (mrml parses and renders in memory), so validation happens in `decide`:
//! a template that would not render is refused when saved, not when a customer should have
//! received it.

mod defaults;
mod render;
#[cfg(test)]
mod tests;

pub use defaults::default_template;
pub use render::{check, render, sample_values, Rendered, VARIABLES};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::{DomainError, ErrorKind, Stamped};

/// Local id of the templates aggregate in its workspace.
pub const AGGREGATE_LOCAL_ID: &str = "email-templates";

/// Every email a workshop sends.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    QuoteNewClient,
    QuoteExistingClient,
    QuoteReminderDay2,
    QuoteReminderDay7,
    ReadyForPickup,
    Invoice,
    PaymentLink,
    ImportInvitation,
    ReviewRequest,
    ReviewReminder,
    TrialDay7,
    TrialDay15,
    TrialDay25,
    PriceChange,
    LowStock,
    /// The platform announces a change of its own prices or plans to a workshop (issue 21):
    /// the platform's template (the editor's), not the workshop's.
    PlanChange,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 16] = [
        Self::QuoteNewClient,
        Self::QuoteExistingClient,
        Self::QuoteReminderDay2,
        Self::QuoteReminderDay7,
        Self::ReadyForPickup,
        Self::Invoice,
        Self::PaymentLink,
        Self::ImportInvitation,
        Self::ReviewRequest,
        Self::ReviewReminder,
        Self::TrialDay7,
        Self::TrialDay15,
        Self::TrialDay25,
        Self::PriceChange,
        Self::LowStock,
        Self::PlanChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::QuoteNewClient => "quote_new_client",
            Self::QuoteExistingClient => "quote_existing_client",
            Self::QuoteReminderDay2 => "quote_reminder_day2",
            Self::QuoteReminderDay7 => "quote_reminder_day7",
            Self::ReadyForPickup => "ready_for_pickup",
            Self::Invoice => "invoice",
            Self::PaymentLink => "payment_link",
            Self::ImportInvitation => "import_invitation",
            Self::ReviewRequest => "review_request",
            Self::ReviewReminder => "review_reminder",
            Self::TrialDay7 => "trial_day7",
            Self::TrialDay15 => "trial_day15",
            Self::TrialDay25 => "trial_day25",
            Self::PriceChange => "price_change",
            Self::LowStock => "low_stock",
            Self::PlanChange => "plan_change",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Written by the platform in its own words, not a workshop's: a workshop neither lists
    /// nor customises it.
    pub fn is_the_platforms(self) -> bool {
        matches!(self, Self::PlanChange)
    }

    /// The kinds a workshop customises.
    pub fn workshop_kinds() -> impl Iterator<Item = TemplateKind> {
        Self::ALL
            .into_iter()
            .filter(|kind| !kind.is_the_platforms())
    }
}

/// A subject line and an MJML body, both with `{variables}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Template {
    pub subject: String,
    pub mjml: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("l'objet de l'email est obligatoire")]
    SubjectEmpty,
    #[error("le modèle dépasse {max} caractères")]
    TooLong { max: usize },
    #[error("variable inconnue : {{{name}}} (variables possibles : {known})")]
    UnknownVariable { name: String, known: String },
    #[error("MJML invalide : {detail}")]
    InvalidMjml { detail: String },
    #[error("valeur manquante pour la variable {{{name}}}")]
    MissingValue { name: String },
}

impl DomainError for TemplateError {
    fn code(&self) -> &'static str {
        match self {
            Self::SubjectEmpty => "TEMPLATE_SUBJECT_EMPTY",
            Self::TooLong { .. } => "TEMPLATE_TOO_LONG",
            Self::UnknownVariable { .. } => "TEMPLATE_UNKNOWN_VARIABLE",
            Self::InvalidMjml { .. } => "TEMPLATE_INVALID_MJML",
            Self::MissingValue { .. } => "TEMPLATE_MISSING_VALUE",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EmailTemplateCommand {
    Save {
        kind: TemplateKind,
        template: Template,
    },
    /// Back to the default text.
    Reset { kind: TemplateKind },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum EmailTemplateEvent {
    Saved {
        kind: TemplateKind,
        template: Template,
        saved_at: DateTime<Utc>,
    },
    Reset {
        kind: TemplateKind,
        reset_at: DateTime<Utc>,
    },
}

impl EmailTemplateEvent {
    pub const SAVED: &'static str = "EmailTemplateSaved";
    pub const RESET: &'static str = "EmailTemplateReset";
}

impl DomainEvent for EmailTemplateEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Saved { .. } => Self::SAVED,
            Self::Reset { .. } => Self::RESET,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// A workshop's customised templates; kinds absent use the default.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailTemplates {
    custom: BTreeMap<TemplateKind, Template>,
}

impl EmailTemplates {
    pub fn decide(
        &self,
        command: Stamped<EmailTemplateCommand>,
    ) -> Result<Vec<EmailTemplateEvent>, TemplateError> {
        match command.body {
            EmailTemplateCommand::Save { kind, template } => {
                check(&template)?;
                if self.custom.get(&kind) == Some(&template) {
                    return Ok(vec![]);
                }
                Ok(vec![EmailTemplateEvent::Saved {
                    kind,
                    template,
                    saved_at: command.now,
                }])
            }
            EmailTemplateCommand::Reset { kind } => {
                if !self.custom.contains_key(&kind) {
                    return Ok(vec![]);
                }
                Ok(vec![EmailTemplateEvent::Reset {
                    kind,
                    reset_at: command.now,
                }])
            }
        }
    }

    /// The template in force for `kind`.
    pub fn get(&self, kind: TemplateKind) -> Template {
        self.custom
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| default_template(kind))
    }
}

impl Aggregate for EmailTemplates {
    const TYPE: &'static str = "email_templates";
    type Command = Stamped<EmailTemplateCommand>;
    type Event = EmailTemplateEvent;
    type Error = TemplateError;
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
            EmailTemplateEvent::Saved { kind, template, .. } => {
                self.custom.insert(kind, template);
            }
            EmailTemplateEvent::Reset { kind, .. } => {
                self.custom.remove(&kind);
            }
        }
    }
}
