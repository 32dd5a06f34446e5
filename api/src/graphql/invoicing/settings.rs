//! What a workshop sets up to invoice, as GraphQL shows it: the invoicing settings (seller,
//! numbering, terms, chart of accounts) and their input, the Pennylane connector, and the
//! payment methods each role records by hand.

use async_graphql::{InputObject, SimpleObject};
use domain::invoice::payment_policy::PaymentMethodRules;
use domain::invoice::settings::{Chart, InvoiceSettings, Seller};
use domain::quote::numbering::NumberPattern;

use super::types::PaymentMethodValue;
use crate::graphql::client::AddressNode;
use crate::graphql::types::RoleValue;
use crate::ApiError;

/// Le vendeur tel que chaque facture le nomme.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "Seller", input_name = "SellerInput")]
pub struct SellerNode {
    pub legal_name: String,
    /// 14 chiffres.
    pub siret: String,
    pub vat_number: Option<String>,
    pub address: AddressNode,
    /// « SAS au capital de 10 000 € ».
    pub legal_form: Option<String>,
    /// « RCS Lyon 123 456 789 ».
    pub registration: Option<String>,
    pub iban: Option<String>,
    pub email: Option<String>,
    /// Franchise en base de TVA (art. 293 B du CGI).
    #[graphql(default)]
    pub vat_franchise: bool,
}

/// Le plan de comptes de l'export FEC.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "Chart", input_name = "ChartInput")]
pub struct ChartNode {
    pub clients: String,
    pub sales: String,
    pub sales_without_vat: String,
    pub deposits: String,
    pub vat_collected: String,
    pub bank: String,
    pub cash: String,
    pub sales_journal: String,
    pub bank_journal: String,
}

#[derive(SimpleObject)]
pub struct InvoiceSettingsNode {
    pub seller: Option<SellerNode>,
    /// `FACT-{YYYY}-{NNNN}`.
    pub invoice_pattern: String,
    pub credit_note_pattern: String,
    pub payment_days: u16,
    pub late_penalty: String,
    pub chart: ChartNode,
    /// Le compte Stripe connecté de l'atelier (`acct_…`).
    pub stripe_account: Option<String>,
}

#[derive(InputObject)]
pub struct InvoiceSettingsInput {
    pub seller: Option<SellerNode>,
    pub invoice_pattern: String,
    pub credit_note_pattern: String,
    pub payment_days: u16,
    pub late_penalty: String,
    pub chart: Option<ChartNode>,
    pub stripe_account: Option<String>,
}

impl InvoiceSettingsInput {
    /// The settings as typed, trimmed: an empty optional mention is none, the seller's
    /// country defaults to France; a bad number pattern is refused.
    pub fn settings(self) -> Result<InvoiceSettings, ApiError> {
        let pattern = |text: &str| {
            NumberPattern::parse(text.trim()).map_err(|error| ApiError::domain(&error))
        };
        let chart = self.chart.map_or_else(Chart::default, |chart| Chart {
            clients: chart.clients.trim().to_owned(),
            sales: chart.sales.trim().to_owned(),
            sales_without_vat: chart.sales_without_vat.trim().to_owned(),
            deposits: chart.deposits.trim().to_owned(),
            vat_collected: chart.vat_collected.trim().to_owned(),
            bank: chart.bank.trim().to_owned(),
            cash: chart.cash.trim().to_owned(),
            sales_journal: chart.sales_journal.trim().to_owned(),
            bank_journal: chart.bank_journal.trim().to_owned(),
        });
        Ok(InvoiceSettings {
            seller: self.seller.map(|seller| Seller {
                legal_name: seller.legal_name,
                siret: seller.siret,
                vat_number: seller.vat_number,
                address: domain::client::Address {
                    country: if seller.address.country.trim().is_empty() {
                        "FR".to_owned()
                    } else {
                        seller.address.country.trim().to_uppercase()
                    },
                    ..seller.address.into()
                },
                legal_form: seller.legal_form.filter(|text| !text.trim().is_empty()),
                registration: seller.registration.filter(|text| !text.trim().is_empty()),
                iban: seller.iban.filter(|text| !text.trim().is_empty()),
                email: seller.email.filter(|text| !text.trim().is_empty()),
                vat_franchise: seller.vat_franchise,
            }),
            invoice_pattern: pattern(&self.invoice_pattern)?,
            credit_note_pattern: pattern(&self.credit_note_pattern)?,
            payment_days: self.payment_days,
            late_penalty: self.late_penalty.trim().to_owned(),
            chart,
            stripe_account: self.stripe_account,
        })
    }
}

impl From<InvoiceSettings> for InvoiceSettingsNode {
    fn from(settings: InvoiceSettings) -> Self {
        let chart = settings.chart;
        Self {
            stripe_account: settings.stripe_account,
            seller: settings.seller.map(|seller| SellerNode {
                legal_name: seller.legal_name,
                siret: seller.siret,
                vat_number: seller.vat_number,
                address: AddressNode {
                    line1: seller.address.line1,
                    line2: seller.address.line2,
                    postcode: seller.address.postcode,
                    city: seller.address.city,
                    country: seller.address.country,
                },
                legal_form: seller.legal_form,
                registration: seller.registration,
                iban: seller.iban,
                email: seller.email,
                vat_franchise: seller.vat_franchise,
            }),
            invoice_pattern: settings.invoice_pattern.as_str().to_owned(),
            credit_note_pattern: settings.credit_note_pattern.as_str().to_owned(),
            payment_days: settings.payment_days,
            late_penalty: settings.late_penalty,
            chart: ChartNode {
                clients: chart.clients,
                sales: chart.sales,
                sales_without_vat: chart.sales_without_vat,
                deposits: chart.deposits,
                vat_collected: chart.vat_collected,
                bank: chart.bank,
                cash: chart.cash,
                sales_journal: chart.sales_journal,
                bank_journal: chart.bank_journal,
            },
        }
    }
}

/// Un compte de notre plan et le compte Pennylane (identifiant numérique) qui lui répond.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "PennylaneAccount", input_name = "PennylaneAccountInput")]
pub struct PennylaneAccountNode {
    /// `706000`, `706200`, `419100`…
    pub account: String,
    pub ledger_account_id: i64,
}

/// L'envoi d'une facture à Pennylane.
#[derive(SimpleObject)]
pub struct PennylanePushNode {
    pub invoice_number: String,
    /// `sending`, `sent` ou `failed` (réessayé plus tard).
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub remote_url: Option<String>,
}

/// Le connecteur Pennylane de l'atelier (le jeton n'est jamais renvoyé).
#[derive(SimpleObject)]
pub struct PennylaneNode {
    pub connected: bool,
    pub connected_at: Option<chrono::DateTime<chrono::Utc>>,
    pub accounts: Vec<PennylaneAccountNode>,
    /// Les 100 derniers envois.
    pub pushes: Vec<PennylanePushNode>,
}

impl From<projections::pennylane::Push> for PennylanePushNode {
    fn from(push: projections::pennylane::Push) -> Self {
        Self {
            invoice_number: push.invoice_number,
            status: push.status,
            attempts: push.attempts,
            last_error: push.last_error,
            next_attempt_at: push.next_attempt_at,
            remote_url: push.remote_url,
        }
    }
}

impl From<projections::pennylane::Status> for PennylaneNode {
    fn from(status: projections::pennylane::Status) -> Self {
        let (connected_at, accounts) = match status.connection {
            Some(connection) => (Some(connection.connected_at), connection.accounts),
            None => (None, Default::default()),
        };
        Self {
            connected: connected_at.is_some(),
            connected_at,
            accounts: accounts
                .into_iter()
                .map(|(account, ledger_account_id)| PennylaneAccountNode {
                    account,
                    ledger_account_id,
                })
                .collect(),
            pushes: status.pushes.into_iter().map(Into::into).collect(),
        }
    }
}

/// Les moyens de paiement qu'un rôle enregistre à la main.
#[derive(SimpleObject)]
pub struct PaymentMethodRuleNode {
    pub role: RoleValue,
    pub methods: Vec<PaymentMethodValue>,
}

/// The methods each staff role may record, every role listed even when it may record none.
pub fn rule_nodes(rules: &PaymentMethodRules) -> Vec<PaymentMethodRuleNode> {
    [
        RoleValue::Owner,
        RoleValue::Admin,
        RoleValue::Operator,
        RoleValue::Accounting,
    ]
    .into_iter()
    .map(|role| PaymentMethodRuleNode {
        role,
        methods: rules
            .allowed(role.into())
            .into_iter()
            .map(Into::into)
            .collect(),
    })
    .collect()
}
