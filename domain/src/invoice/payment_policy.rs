//! Who may record which payment method (segregation of duties, issue 17 item 12). A payment
//! recorded by hand issues a legally numbered deposit invoice at once (CGI art. 289) that
//! only accounting can cancel, so the workshop chooses which methods each role takes; until
//! it does, an operator takes cash and card at the counter, accounting every method.
//! Owners and admins take every method: they set these rules, so limiting them would only
//! make them change the rules first.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use super::billing::PaymentMethod;
use crate::{DomainError, ErrorKind, Role, Stamped};

pub const AGGREGATE_LOCAL_ID: &str = "payment_policy";

/// The methods a person records by hand; Stripe payments only come from the webhook.
pub const MANUAL_METHODS: [PaymentMethod; 4] = [
    PaymentMethod::Card,
    PaymentMethod::Cash,
    PaymentMethod::Transfer,
    PaymentMethod::Cheque,
];

/// The roles whose methods the workshop chooses.
pub const CONFIGURABLE_ROLES: [Role; 2] = [Role::Operator, Role::Accounting];

/// The methods of each configurable role. Invariant: only [`CONFIGURABLE_ROLES`] as keys,
/// only [`MANUAL_METHODS`] as values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaymentMethodRules {
    by_role: BTreeMap<Role, BTreeSet<PaymentMethod>>,
}

impl Default for PaymentMethodRules {
    /// The counter takes cash and card; transfers and cheques are checked against the bank
    /// and the remittance slip, which is accounting's work.
    fn default() -> Self {
        Self {
            by_role: BTreeMap::from([
                (
                    Role::Operator,
                    BTreeSet::from([PaymentMethod::Cash, PaymentMethod::Card]),
                ),
                (Role::Accounting, MANUAL_METHODS.into_iter().collect()),
            ]),
        }
    }
}

impl PaymentMethodRules {
    /// What `role` may record by hand: every manual method for owners and admins, the rule
    /// for the configurable roles, nothing for anyone else.
    pub fn allowed(&self, role: Role) -> BTreeSet<PaymentMethod> {
        match role {
            Role::Owner | Role::Admin => MANUAL_METHODS.into_iter().collect(),
            _ => self.by_role.get(&role).cloned().unwrap_or_default(),
        }
    }

    /// Refuses a method `role` may not record, naming those it may.
    pub fn check(&self, role: Role, method: PaymentMethod) -> Result<(), PaymentPolicyError> {
        let allowed = self.allowed(role);
        if allowed.contains(&method) {
            return Ok(());
        }
        Err(PaymentPolicyError::MethodNotAllowed {
            role,
            method,
            allowed: allowed.into_iter().collect(),
        })
    }
}

/// « carte bancaire, espèces », « aucun »: the refusal and the audit label say it alike.
pub fn method_labels<'a>(methods: impl IntoIterator<Item = &'a PaymentMethod>) -> String {
    let labels: Vec<&str> = methods.into_iter().map(|method| method.label()).collect();
    if labels.is_empty() {
        return "aucun".to_owned();
    }
    labels.join(", ")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentPolicyError {
    #[error("moyen de paiement (input.method) : le rôle {} n'enregistre pas de paiement par {} ; moyens permis : {}. Demandez à la compta ou au gérant", .role.french(), .method.label(), method_labels(.allowed))]
    MethodNotAllowed {
        role: Role,
        method: PaymentMethod,
        allowed: Vec<PaymentMethod>,
    },
    #[error("rôle (role) : seuls les moyens des opérateurs et de la compta se règlent ; gérants et administrateurs les ont tous")]
    RoleNotConfigurable,
    #[error("moyens de paiement (methods) : les paiements Stripe arrivent par le webhook, pas par une saisie")]
    StripeByHand,
}

impl DomainError for PaymentPolicyError {
    fn code(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed { .. } => "PAYMENT_METHOD_NOT_ALLOWED",
            Self::RoleNotConfigurable => "PAYMENT_POLICY_ROLE_INVALID",
            Self::StripeByHand => "PAYMENT_METHOD_INVALID",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::MethodNotAllowed { .. } => ErrorKind::Forbidden,
            Self::RoleNotConfigurable | Self::StripeByHand => ErrorKind::Validation,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PaymentPolicyCommand {
    /// An empty set: the role records no payment.
    SetMethods {
        role: Role,
        methods: BTreeSet<PaymentMethod>,
    },
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum PaymentPolicyEvent {
    PaymentMethodsSet {
        role: Role,
        methods: BTreeSet<PaymentMethod>,
        set_at: DateTime<Utc>,
    },
}

impl PaymentPolicyEvent {
    pub const PAYMENT_METHODS_SET: &'static str = "PaymentMethodsSet";
}

impl DomainEvent for PaymentPolicyEvent {
    fn event_type(&self) -> String {
        Self::PAYMENT_METHODS_SET.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// One stream per workshop, one event per change a person makes: it stays short.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentPolicy {
    rules: PaymentMethodRules,
}

impl PaymentPolicy {
    pub fn rules(&self) -> &PaymentMethodRules {
        &self.rules
    }

    pub fn decide(
        &self,
        command: Stamped<PaymentPolicyCommand>,
    ) -> Result<Vec<PaymentPolicyEvent>, PaymentPolicyError> {
        let PaymentPolicyCommand::SetMethods { role, methods } = command.body;
        if !CONFIGURABLE_ROLES.contains(&role) {
            return Err(PaymentPolicyError::RoleNotConfigurable);
        }
        if methods.contains(&PaymentMethod::Stripe) {
            return Err(PaymentPolicyError::StripeByHand);
        }
        if self.rules.allowed(role) == methods {
            return Ok(vec![]);
        }
        Ok(vec![PaymentPolicyEvent::PaymentMethodsSet {
            role,
            methods,
            set_at: command.now,
        }])
    }
}

impl PaymentMethodRules {
    /// What [`PaymentPolicyEvent::PaymentMethodsSet`] says, applied: the read model and the
    /// aggregate share it.
    pub fn apply(&mut self, event: &PaymentPolicyEvent) {
        let PaymentPolicyEvent::PaymentMethodsSet { role, methods, .. } = event;
        self.by_role.insert(*role, methods.clone());
    }
}

impl Aggregate for PaymentPolicy {
    const TYPE: &'static str = "payment_policy";
    type Command = Stamped<PaymentPolicyCommand>;
    type Event = PaymentPolicyEvent;
    type Error = PaymentPolicyError;
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
        self.rules.apply(&event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(body: PaymentPolicyCommand) -> Stamped<PaymentPolicyCommand> {
        Stamped::at(Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap(), body)
    }

    #[test]
    fn by_default_operators_take_cash_and_card_and_accounting_every_manual_method() {
        let rules = PaymentMethodRules::default();
        for (role, method, ok) in [
            (Role::Operator, PaymentMethod::Cash, true),
            (Role::Operator, PaymentMethod::Card, true),
            (Role::Operator, PaymentMethod::Transfer, false),
            (Role::Operator, PaymentMethod::Cheque, false),
            (Role::Accounting, PaymentMethod::Cheque, true),
            (Role::Accounting, PaymentMethod::Transfer, true),
            (Role::Owner, PaymentMethod::Transfer, true),
            (Role::Admin, PaymentMethod::Cheque, true),
            (Role::Owner, PaymentMethod::Stripe, false),
            (Role::Client, PaymentMethod::Cash, false),
        ] {
            assert_eq!(rules.check(role, method).is_ok(), ok, "{role:?} {method:?}");
        }
        let refused = rules
            .check(Role::Operator, PaymentMethod::Cheque)
            .unwrap_err();
        assert_eq!(refused.code(), "PAYMENT_METHOD_NOT_ALLOWED");
        assert_eq!(refused.kind(), ErrorKind::Forbidden);
        assert!(
            refused.to_string().contains("input.method")
                && refused.to_string().contains("chèque")
                && refused.to_string().contains("carte bancaire, espèces"),
            "{refused}"
        );
    }

    #[test]
    fn a_workshop_sets_the_methods_of_operators_and_accounting_only() {
        let policy = PaymentPolicy::default();
        let cheque = BTreeSet::from([PaymentMethod::Cheque]);
        let events = policy
            .decide(at(PaymentPolicyCommand::SetMethods {
                role: Role::Operator,
                methods: cheque.clone(),
            }))
            .unwrap();
        assert_eq!(events.len(), 1);
        let mut changed = policy.clone();
        changed.apply(events[0].clone());
        assert!(changed
            .rules()
            .check(Role::Operator, PaymentMethod::Cheque)
            .is_ok());
        assert!(changed
            .rules()
            .check(Role::Operator, PaymentMethod::Cash)
            .is_err());
        // The same again records nothing.
        let again = changed.decide(at(PaymentPolicyCommand::SetMethods {
            role: Role::Operator,
            methods: cheque,
        }));
        assert_eq!(again, Ok(vec![]));
        for (role, methods, error) in [
            (
                Role::Owner,
                BTreeSet::new(),
                PaymentPolicyError::RoleNotConfigurable,
            ),
            (
                Role::Client,
                BTreeSet::from([PaymentMethod::Cash]),
                PaymentPolicyError::RoleNotConfigurable,
            ),
            (
                Role::Accounting,
                BTreeSet::from([PaymentMethod::Stripe]),
                PaymentPolicyError::StripeByHand,
            ),
        ] {
            assert_eq!(
                policy.decide(at(PaymentPolicyCommand::SetMethods { role, methods })),
                Err(error),
                "{role:?}"
            );
        }
    }
}
