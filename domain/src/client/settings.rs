//! The CRM settings of a workshop: which criteria make two clients look like duplicates.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use super::Criterion;
use crate::Stamped;

pub const AGGREGATE_LOCAL_ID: &str = "crm_settings";

/// Every criterion until the workshop chooses: a warning too many costs a click, a missed
/// duplicate costs a split history.
pub fn default_criteria() -> BTreeSet<Criterion> {
    Criterion::ALL.into_iter().collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CrmSettingsCommand {
    /// An empty set turns duplicate detection off.
    SetDuplicateCriteria(BTreeSet<Criterion>),
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CrmSettingsEvent {
    DuplicateCriteriaSet {
        criteria: BTreeSet<Criterion>,
        set_at: DateTime<Utc>,
    },
}

impl CrmSettingsEvent {
    pub const DUPLICATE_CRITERIA_SET: &'static str = "DuplicateCriteriaSet";
}

impl DomainEvent for CrmSettingsEvent {
    fn event_type(&self) -> String {
        Self::DUPLICATE_CRITERIA_SET.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmSettings {
    criteria: BTreeSet<Criterion>,
}

impl Default for CrmSettings {
    fn default() -> Self {
        Self {
            criteria: default_criteria(),
        }
    }
}

impl CrmSettings {
    pub fn decide(&self, command: Stamped<CrmSettingsCommand>) -> Vec<CrmSettingsEvent> {
        let CrmSettingsCommand::SetDuplicateCriteria(criteria) = command.body;
        if criteria == self.criteria {
            return vec![];
        }
        vec![CrmSettingsEvent::DuplicateCriteriaSet {
            criteria,
            set_at: command.now,
        }]
    }
}

impl Aggregate for CrmSettings {
    const TYPE: &'static str = "crm_settings";
    type Command = Stamped<CrmSettingsCommand>;
    type Event = CrmSettingsEvent;
    type Error = crate::Never;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command) {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let CrmSettingsEvent::DuplicateCriteriaSet { criteria, .. } = event;
        self.criteria = criteria;
    }
}
