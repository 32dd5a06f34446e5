//! A workshop's invoicing settings: who sells (the mandatory mentions of a French invoice),
//! the number patterns, the payment terms and the chart of accounts the FEC export uses.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::client::identifiers::{company_number, vat_number};
use crate::client::Address;
use crate::quote::numbering::NumberPattern;
use crate::{DomainError, ErrorKind, Stamped};

pub const AGGREGATE_LOCAL_ID: &str = "invoice_settings";

/// The seller as every invoice names it (CGI art. 242 nonies A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Seller {
    pub legal_name: String,
    /// 14 digits; the SIREN is its first 9.
    pub siret: String,
    /// None under the VAT franchise.
    pub vat_number: Option<String>,
    pub address: Address,
    /// « SAS au capital de 10 000 € », « EI »…
    pub legal_form: Option<String>,
    /// « RCS Lyon 123 456 789 » or « RM 69 ».
    pub registration: Option<String>,
    pub iban: Option<String>,
    pub email: Option<String>,
    /// Franchise en base de TVA (art. 293 B du CGI).
    #[serde(default)]
    pub vat_franchise: bool,
}

impl Seller {
    pub fn siren(&self) -> &str {
        self.siret.get(..9).unwrap_or(&self.siret)
    }
}

/// Accounts of the FEC export (plan comptable général), per workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Chart {
    pub clients: String,
    pub sales: String,
    /// Services to EU businesses under reverse charge and outside the EU.
    pub sales_without_vat: String,
    pub deposits: String,
    pub vat_collected: String,
    pub bank: String,
    pub cash: String,
    pub sales_journal: String,
    pub bank_journal: String,
}

impl Default for Chart {
    fn default() -> Self {
        Self {
            clients: "411000".into(),
            sales: "706000".into(),
            sales_without_vat: "706200".into(),
            deposits: "419100".into(),
            vat_collected: "445710".into(),
            bank: "512000".into(),
            cash: "530000".into(),
            sales_journal: "VE".into(),
            bank_journal: "BQ".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InvoiceSettings {
    /// None until the workshop fills it in: no invoice is issued without it.
    pub seller: Option<Seller>,
    pub invoice_pattern: NumberPattern,
    pub credit_note_pattern: NumberPattern,
    /// Days from issue to the due date.
    pub payment_days: u16,
    /// The late-payment rate mention (art. L441-10 du code de commerce).
    pub late_penalty: String,
    pub chart: Chart,
    /// The workshop's connected Stripe account (`acct_…`), paid through the platform.
    #[serde(default)]
    pub stripe_account: Option<String>,
}

impl Default for InvoiceSettings {
    fn default() -> Self {
        Self {
            seller: None,
            invoice_pattern: NumberPattern::parse("FACT-{YYYY}-{NNNN}")
                .expect("the default invoice pattern is valid"),
            credit_note_pattern: NumberPattern::parse("AV-{YYYY}-{NNNN}")
                .expect("the default credit note pattern is valid"),
            payment_days: 30,
            late_penalty: "taux de refinancement de la BCE majoré de 10 points".into(),
            chart: Chart::default(),
            stripe_account: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceSettingsError {
    #[error("la raison sociale, l'adresse et un SIRET valide (14 chiffres) sont requis")]
    Seller,
    #[error("le numéro de TVA intracommunautaire de l'atelier n'est pas valide")]
    VatNumber,
    #[error("le délai de paiement va de 0 à 60 jours (article L441-10 du code de commerce)")]
    PaymentDays,
    #[error("les numéros de compte sont des chiffres (3 à 20), les codes journaux 1 à 6 lettres ou chiffres")]
    Chart,
    #[error("la mention des pénalités de retard est requise")]
    LatePenalty,
    #[error("le compte Stripe connecté s'écrit acct_ suivi de lettres et chiffres")]
    StripeAccount,
    #[error(transparent)]
    Bound(#[from] crate::limits::OutOfBounds),
}

impl DomainError for InvoiceSettingsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Seller => "SELLER_INVALID",
            Self::VatNumber => "VAT_NUMBER_INVALID",
            Self::PaymentDays => "PAYMENT_DAYS_INVALID",
            Self::Chart => "CHART_INVALID",
            Self::LatePenalty => "LATE_PENALTY_MISSING",
            Self::StripeAccount => "STRIPE_ACCOUNT_INVALID",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

impl InvoiceSettings {
    pub fn validate(mut self) -> Result<Self, InvoiceSettingsError> {
        if let Some(seller) = &self.seller {
            let bound = crate::limits::invoice_settings::SELLER_TEXT;
            bound.check(&seller.legal_name)?;
            for text in [&seller.legal_form, &seller.registration, &seller.email] {
                bound.check_optional(text.as_deref())?;
            }
            let address = &seller.address;
            for text in [
                &address.line1,
                &address.postcode,
                &address.city,
                &address.country,
            ] {
                bound.check(text)?;
            }
            bound.check_optional(address.line2.as_deref())?;
            if let Some(iban) = &seller.iban {
                crate::limits::invoice_settings::IBAN
                    .check(&iban.replace(char::is_whitespace, ""))?;
            }
        }
        crate::limits::invoice_settings::LATE_PENALTY.check(self.late_penalty.trim())?;
        if let Some(seller) = self.seller.as_mut() {
            let siret = company_number(&seller.siret).filter(|number| number.len() == 14);
            // Street, postcode and town: an invoice without one is not addressed (CGI art.
            // 242 nonies A names the seller's address).
            let address_ok = [
                &seller.address.line1,
                &seller.address.postcode,
                &seller.address.city,
            ]
            .iter()
            .all(|part| !part.trim().is_empty());
            match siret {
                Some(siret) if !seller.legal_name.trim().is_empty() && address_ok => {
                    seller.siret = siret;
                }
                _ => return Err(InvoiceSettingsError::Seller),
            }
            seller.legal_name = seller.legal_name.trim().to_owned();
            seller.vat_number = match seller.vat_number.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(given) => Some(vat_number(given).ok_or(InvoiceSettingsError::VatNumber)?),
            };
        }
        self.stripe_account = self
            .stripe_account
            .map(|account| account.trim().to_owned())
            .filter(|account| !account.is_empty());
        if let Some(account) = &self.stripe_account {
            let id_ok = account.len() <= 64
                && account.strip_prefix("acct_").is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if !id_ok {
                return Err(InvoiceSettingsError::StripeAccount);
            }
        }
        if self.payment_days > 60 {
            return Err(InvoiceSettingsError::PaymentDays);
        }
        if self.late_penalty.trim().is_empty() {
            return Err(InvoiceSettingsError::LatePenalty);
        }
        let chart = &self.chart;
        let account = |value: &String| is_chart_account(value);
        let journal = |value: &String| {
            (1..=6).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphanumeric())
        };
        let accounts = [
            &chart.clients,
            &chart.sales,
            &chart.sales_without_vat,
            &chart.deposits,
            &chart.vat_collected,
            &chart.bank,
            &chart.cash,
        ];
        if !accounts.into_iter().all(account)
            || !journal(&chart.sales_journal)
            || !journal(&chart.bank_journal)
        {
            return Err(InvoiceSettingsError::Chart);
        }
        Ok(self)
    }
}

/// An account number of the plan comptable général: 3 to 20 digits.
fn is_chart_account(value: &str) -> bool {
    (3..=20).contains(&value.len()) && value.chars().all(|c| c.is_ascii_digit())
}

/// One line of the Pennylane mapping `connectPennylane` stores: our account, trimmed, and
/// Pennylane's id for it. The connection lives beside the log (its token is sealed), so the
/// command side calls this before storing.
pub fn pennylane_account(
    account: &str,
    ledger_account_id: i64,
) -> Result<(String, i64), InvoiceSettingsError> {
    let account = account.trim();
    crate::limits::invoice_settings::PENNYLANE_ACCOUNT.check(account)?;
    if !is_chart_account(account) {
        return Err(InvoiceSettingsError::Chart);
    }
    crate::limits::invoice_settings::PENNYLANE_LEDGER_ACCOUNT_ID
        .check_integer(ledger_account_id)?;
    Ok((account.to_owned(), ledger_account_id))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InvoiceSettingsCommand {
    Change(InvoiceSettings),
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum InvoiceSettingsEvent {
    Changed {
        settings: InvoiceSettings,
        changed_at: DateTime<Utc>,
    },
}

impl InvoiceSettingsEvent {
    pub const CHANGED: &'static str = "InvoiceSettingsChanged";
}

impl DomainEvent for InvoiceSettingsEvent {
    fn event_type(&self) -> String {
        Self::CHANGED.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoicePolicy {
    settings: InvoiceSettings,
}

impl InvoicePolicy {
    pub fn decide(
        &self,
        command: Stamped<InvoiceSettingsCommand>,
    ) -> Result<Vec<InvoiceSettingsEvent>, InvoiceSettingsError> {
        let InvoiceSettingsCommand::Change(settings) = command.body;
        let settings = settings.validate()?;
        if settings == self.settings {
            return Ok(vec![]);
        }
        Ok(vec![InvoiceSettingsEvent::Changed {
            settings,
            changed_at: command.now,
        }])
    }
}

impl Aggregate for InvoicePolicy {
    const TYPE: &'static str = "invoice_settings";
    type Command = Stamped<InvoiceSettingsCommand>;
    type Event = InvoiceSettingsEvent;
    type Error = InvoiceSettingsError;
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
        let InvoiceSettingsEvent::Changed { settings, .. } = event;
        self.settings = settings;
    }
}
