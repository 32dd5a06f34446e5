//! Payments and invoices over GraphQL (spec §7.2): the invoicing settings (seller identity,
//! numbering, terms, chart of accounts), what a signed quote owes and has received, manual
//! payments and refunds, final invoices and credit notes, and the lists the accountant
//! works from. Downloads (PDF, FEC, CSV) are REST: see `http::exports`.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::NaiveDate;
use commands::invoice_settings::InvoiceSettingsSaveError;
use commands::invoicing::{BillingSaveError, PaymentDraft};
use domain::invoice::billing::PaymentMethod;
use domain::invoice::payment_policy::{
    PaymentMethodRules, PaymentPolicyCommand, PaymentPolicyError, AGGREGATE_LOCAL_ID as POLICY_ID,
};
use domain::invoice::settings::{Chart, InvoiceSettings, Seller};
use domain::quote::numbering::NumberPattern;
use domain::ErrorKind;
use projections::invoicing::{InvoiceRow, PaymentRow, Period};
use projections::tenant;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::client::AddressNode;
use super::types::RoleValue;
use super::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i32 = 500;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::invoice::billing::PaymentMethod")]
pub enum PaymentMethodValue {
    Card,
    Cash,
    Transfer,
    Cheque,
    Stripe,
}

fn method_text(method: PaymentMethod) -> String {
    serde_json::to_value(method)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

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

#[derive(SimpleObject)]
pub struct VatLineNode {
    pub rate: Decimal,
    pub base_ht: Decimal,
    pub vat: Decimal,
}

#[derive(SimpleObject)]
pub struct InvoiceLineNode {
    pub description: String,
    pub quantity: Decimal,
    pub unit_price_ht: Decimal,
    pub total_ht: Decimal,
    pub vat_rate: Decimal,
}

#[derive(SimpleObject)]
pub struct DeductionNode {
    pub number: String,
    pub issued_on: NaiveDate,
    pub total_ttc: Decimal,
    pub vat: Vec<VatLineNode>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKindValue {
    /// Facture d'acompte.
    Deposit,
    /// Facture finale (solde).
    Final,
    /// Avoir.
    CreditNote,
}

/// Une facture émise : immuable, corrigée seulement par un avoir.
#[derive(SimpleObject)]
pub struct InvoiceNode {
    pub id: ID,
    pub number: String,
    pub kind: InvoiceKindValue,
    pub quote_id: ID,
    pub quote_number: String,
    pub client_id: ID,
    pub client_name: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub lines: Vec<InvoiceLineNode>,
    pub vat: Vec<VatLineNode>,
    pub total_ht: Decimal,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    pub deductions: Vec<DeductionNode>,
    /// Reste à payer : total moins les acomptes déduits.
    pub due_ttc: Decimal,
    pub mentions: Vec<String>,
    /// L'avoir qui l'annule, le cas échéant.
    pub credited_by: Option<String>,
    /// L'avoir annule cette facture.
    pub credit_note_of: Option<String>,
    pub pdf_url: String,
}

impl InvoiceNode {
    fn of(row: InvoiceRow) -> Result<Self, ApiError> {
        let document = row
            .document()
            .ok_or_else(|| ApiError::internal(format!("invoice {} unreadable", row.invoice_id)))?;
        let vat = |totals: &[domain::quote::pricing::VatTotal]| {
            totals
                .iter()
                .map(|total| VatLineNode {
                    rate: total.rate,
                    base_ht: total.base_ht,
                    vat: total.vat,
                })
                .collect::<Vec<_>>()
        };
        let (kind, credit_note_of) = match &document.kind {
            domain::invoice::document::InvoiceKind::Deposit => (InvoiceKindValue::Deposit, None),
            domain::invoice::document::InvoiceKind::Final => (InvoiceKindValue::Final, None),
            domain::invoice::document::InvoiceKind::CreditNote { of_number, .. } => {
                (InvoiceKindValue::CreditNote, Some(of_number.clone()))
            }
        };
        Ok(Self {
            pdf_url: format!("/api/v1/invoices/{}/invoice.pdf", row.invoice_id),
            id: ID(row.invoice_id.to_string()),
            number: row.number,
            kind,
            quote_id: ID(row.quote_id.to_string()),
            quote_number: document.quote_number.clone(),
            client_id: ID(row.client_id.to_string()),
            client_name: row.client_name,
            issued_on: row.issued_on,
            due_on: row.due_on,
            lines: document
                .lines
                .iter()
                .map(|line| InvoiceLineNode {
                    description: line.description.clone(),
                    quantity: line.quantity,
                    unit_price_ht: line.unit_price_ht,
                    total_ht: line.total_ht,
                    vat_rate: line.vat_rate,
                })
                .collect(),
            vat: vat(&document.vat),
            total_ht: document.total_ht,
            total_vat: document.total_vat,
            total_ttc: document.total_ttc,
            deductions: document
                .deductions
                .iter()
                .map(|deduction| DeductionNode {
                    number: deduction.number.clone(),
                    issued_on: deduction.issued_on,
                    total_ttc: deduction.total_ttc,
                    vat: vat(&deduction.vat),
                })
                .collect(),
            due_ttc: document.due_ttc,
            mentions: document.mentions.clone(),
            credited_by: row.credited_by,
            credit_note_of,
        })
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKindValue {
    Payment,
    Refund,
}

#[derive(SimpleObject)]
pub struct PaymentNode {
    pub id: ID,
    pub kind: PaymentKindValue,
    pub quote_id: ID,
    pub client_id: ID,
    pub client_name: String,
    pub method: String,
    pub amount: Decimal,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    /// Le justificatif scanné, s'il y en a un.
    pub receipt_url: Option<String>,
    /// Qui l'a saisi (absent pour les paiements d'avant la vérification).
    pub recorded_by: Option<ID>,
    pub recorded_by_role: Option<RoleValue>,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Saisi par un opérateur : la compta le vérifie.
    pub review_due: bool,
    pub reviewed_by: Option<ID>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<PaymentRow> for PaymentNode {
    fn from(row: PaymentRow) -> Self {
        Self {
            id: ID(row.payment_id.to_string()),
            kind: if row.kind == "refund" {
                PaymentKindValue::Refund
            } else {
                PaymentKindValue::Payment
            },
            quote_id: ID(row.quote_id.to_string()),
            client_id: ID(row.client_id.to_string()),
            client_name: row.client_name,
            method: row.method,
            amount: row.amount,
            reference: row.reference,
            received_on: row.received_on,
            receipt_url: row
                .receipt_sha256
                .map(|sha256| format!("/api/v1/receipts/{sha256}")),
            recorded_by: row.recorded_by.map(|id| ID(id.to_string())),
            recorded_by_role: row
                .recorded_by_role
                .as_deref()
                .and_then(RoleValue::from_stored),
            recorded_at: row.recorded_at,
            review_due: row.review_due,
            reviewed_by: row.reviewed_by.map(|id| ID(id.to_string())),
            reviewed_at: row.reviewed_at,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatusValue {
    Unpaid,
    DepositPaid,
    Paid,
    Refunded,
}

impl PaymentStatusValue {
    fn of(stored: &str) -> Self {
        match stored {
            "deposit_paid" => Self::DepositPaid,
            "paid" => Self::Paid,
            "refunded" => Self::Refunded,
            _ => Self::Unpaid,
        }
    }
}

/// Ce que doit un devis signé et ce qu'il a reçu.
#[derive(SimpleObject)]
pub struct BillingNode {
    pub quote_id: ID,
    pub quote_number: String,
    pub total_ttc: Decimal,
    pub deposit_due: Decimal,
    pub paid: Decimal,
    pub refunded: Decimal,
    /// Reste à payer.
    pub balance: Decimal,
    pub status: PaymentStatusValue,
    pub payments: Vec<PaymentNode>,
    pub invoices: Vec<InvoiceNode>,
    /// Liens de paiement en ligne envoyés, du plus récent au plus ancien.
    pub payment_links: Vec<PaymentLinkNode>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::invoice::billing::LinkPurpose")]
pub enum LinkPurposeValue {
    /// L'acompte restant.
    Deposit,
    /// Le solde.
    Balance,
}

#[derive(SimpleObject)]
pub struct PaymentLinkNode {
    pub url: String,
    pub amount: Decimal,
    /// `deposit` ou `balance`.
    pub purpose: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(InputObject)]
pub struct PaymentInput {
    /// € TTC, au centime.
    pub amount: Decimal,
    pub method: PaymentMethodValue,
    /// N° de chèque, référence de virement…
    pub reference: Option<String>,
    /// Aujourd'hui si absent.
    pub received_on: Option<NaiveDate>,
    /// Le justificatif scanné (chèque, ticket CB) : PNG ou JPEG en base64 (URL `data:`),
    /// 1 Mo au plus.
    pub receipt: Option<String>,
}

#[derive(InputObject)]
pub struct RefundInput {
    pub amount: Decimal,
    pub method: PaymentMethodValue,
    pub reason: String,
}

fn not_found(what: &'static str, message: &'static str) -> ApiError {
    ApiError::new(ErrorKind::NotFound, what, message)
}

fn uuid(id: &ID, what: &'static str, message: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found(what, message))
}

fn quote_uuid(id: &ID) -> Result<Uuid, ApiError> {
    uuid(id, "QUOTE_NOT_FOUND", "ce devis n'existe pas")
}

fn save_error(error: BillingSaveError) -> ApiError {
    match error {
        BillingSaveError::MethodNotAllowed(error) => {
            ApiError::domain(&error).with_field("input.method")
        }
        BillingSaveError::Billing(error) => ApiError::from(error),
        BillingSaveError::Database(error) => ApiError::from(error),
        BillingSaveError::Commit(commands::AppendError::Conflict) => {
            ApiError::domain(&BillingSaveError::Commit(commands::AppendError::Conflict))
        }
        BillingSaveError::Commit(error) => ApiError::internal(error.to_string()),
        refused => ApiError::domain(&refused),
    }
}

fn settings_error(error: InvoiceSettingsSaveError) -> ApiError {
    match error {
        InvoiceSettingsSaveError::Settings(error) => ApiError::from(error),
        InvoiceSettingsSaveError::Database(error) => ApiError::from(error),
        InvoiceSettingsSaveError::StripeAccountTaken => {
            ApiError::domain(&error).with_field("input.stripeAccount")
        }
        InvoiceSettingsSaveError::Commit(commands::AppendError::Conflict) => {
            ApiError::domain(&error)
        }
        InvoiceSettingsSaveError::Commit(error) => ApiError::internal(error.to_string()),
    }
}

fn today() -> NaiveDate {
    commands::invoicing::paris_day(chrono::Utc::now())
}

async fn billing_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<BillingNode, ApiError> {
    let billing = projections::views::billing::billing(&state(ctx).pool, workspace_id, quote_id)
        .await?
        .ok_or_else(|| not_found("QUOTE_NOT_FOUND", "ce devis n'existe pas"))?;
    Ok(BillingNode {
        quote_id: ID(quote_id.to_string()),
        quote_number: billing.quote_number,
        balance: billing.balance,
        total_ttc: billing.total_ttc,
        deposit_due: billing.deposit_due,
        paid: billing.paid,
        refunded: billing.refunded,
        status: PaymentStatusValue::of(&billing.status),
        payments: billing
            .payments
            .into_iter()
            .map(PaymentNode::from)
            .collect(),
        invoices: billing
            .invoices
            .into_iter()
            .map(InvoiceNode::of)
            .collect::<Result<_, _>>()?,
        payment_links: billing
            .payment_links
            .into_iter()
            .map(|link| PaymentLinkNode {
                url: link.url,
                amount: link.amount,
                purpose: link.purpose,
                expires_at: link.expires_at,
            })
            .collect(),
    })
}

async fn invoice_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    invoice_id: Uuid,
) -> Result<InvoiceNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = projections::invoicing::find_invoice(&mut *tx, workspace_id, invoice_id).await?;
    tx.commit().await?;
    InvoiceNode::of(
        row.ok_or_else(|| not_found("INVOICE_NOT_FOUND", "cette facture n'existe pas"))?,
    )
}

/// Une archive mensuelle du FEC, conservée au moins jusqu'à `keepUntil`.
#[derive(SimpleObject)]
pub struct FecArchiveNode {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub bytes: i64,
    pub lines: i64,
    pub archived_at: chrono::DateTime<chrono::Utc>,
    pub keep_until: NaiveDate,
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

impl From<projections::fec_archive::Archive> for FecArchiveNode {
    fn from(archive: projections::fec_archive::Archive) -> Self {
        Self {
            period_start: archive.period_start,
            period_end: archive.period_end,
            file_name: archive.file_name,
            sha256: archive.sha256,
            bytes: archive.bytes,
            lines: archive.lines,
            archived_at: archive.archived_at,
            keep_until: archive.keep_until,
        }
    }
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

async fn pennylane_node(ctx: &Context<'_>, workspace_id: Uuid) -> Result<PennylaneNode, ApiError> {
    let status = projections::pennylane::status(&state(ctx).pool, workspace_id).await?;
    let (connected_at, accounts) = match status.connection {
        Some(connection) => (Some(connection.connected_at), connection.accounts),
        None => (None, Default::default()),
    };
    Ok(PennylaneNode {
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
    })
}

/// Les moyens de paiement qu'un rôle enregistre à la main.
#[derive(SimpleObject)]
pub struct PaymentMethodRuleNode {
    pub role: RoleValue,
    pub methods: Vec<PaymentMethodValue>,
}

fn rule_nodes(rules: &PaymentMethodRules) -> Vec<PaymentMethodRuleNode> {
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

async fn rules_in_force(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<Vec<PaymentMethodRuleNode>, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rules = projections::invoicing::payment_method_rules(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(rule_nodes(&rules))
}

/// One of the workshop's payments; another workshop's is not found.
async fn payment_row(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    payment_id: Uuid,
) -> Result<PaymentRow, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = projections::invoicing::find_payment(&mut *tx, workspace_id, payment_id).await?;
    tx.commit().await?;
    row.ok_or_else(payment_not_found)
}

fn payment_not_found() -> ApiError {
    not_found("PAYMENT_NOT_FOUND", "ce paiement n'existe pas")
}

#[derive(Default)]
pub struct InvoicingQuery;

#[Object]
impl InvoicingQuery {
    /// Les réglages de facturation de l'atelier.
    async fn invoice_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<InvoiceSettingsNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::InvoiceSettings)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let settings = projections::invoicing::settings(&mut *tx, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(settings.into())
    }

    /// Ce que doit un devis signé, ses paiements et ses factures.
    async fn billing(&self, ctx: &Context<'_>, quote_id: ID) -> async_graphql::Result<BillingNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Billing)?;
        Ok(billing_node(ctx, actor.workspace_id, quote_uuid(&quote_id)?).await?)
    }

    /// Les factures et avoirs par date d'émission, puis numéro.
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        client_id: Option<ID>,
        #[graphql(default = 100)] first: i32,
        #[graphql(default = 0)] offset: i32,
    ) -> async_graphql::Result<Vec<InvoiceNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Invoices)?;
        let period = Period {
            from,
            to,
            client_id: client_id.map(|id| Uuid::parse_str(&id).unwrap_or_default()),
            quote_id: None,
        };
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let rows = projections::invoicing::invoices(
            &mut *tx,
            actor.workspace_id,
            &period,
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .map(InvoiceNode::of)
            .collect::<Result<_, _>>()?)
    }

    /// Les archives mensuelles du FEC, la plus récente d'abord (téléchargement :
    /// `/api/v1/exports/fec-archive?month=AAAA-MM`).
    async fn fec_archives(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FecArchiveNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::FecArchives)?;
        let archives = projections::fec_archive::archives(&state(ctx).pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        Ok(archives.into_iter().map(Into::into).collect())
    }

    /// Le connecteur Pennylane et l'état des envois.
    async fn pennylane(&self, ctx: &Context<'_>) -> async_graphql::Result<PennylaneNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Pennylane)?;
        Ok(pennylane_node(ctx, actor.workspace_id).await?)
    }

    /// Une facture.
    async fn invoice(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<InvoiceNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Invoice)?;
        let invoice_id = uuid(&id, "INVOICE_NOT_FOUND", "cette facture n'existe pas")?;
        Ok(invoice_node(ctx, actor.workspace_id, invoice_id).await?)
    }

    /// Les moyens de paiement que chaque rôle enregistre à la main (réglés par le gérant ;
    /// par défaut : opérateurs espèces et carte, compta tous).
    async fn payment_method_rules(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<PaymentMethodRuleNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PaymentMethodRules)?;
        Ok(rules_in_force(ctx, actor.workspace_id).await?)
    }

    /// Les paiements saisis par un opérateur que personne n'a encore vérifiés, du plus
    /// ancien au plus récent. Compta, gérant, administrateur.
    async fn payments_to_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 100)] first: i32,
        #[graphql(default = 0)] offset: i32,
    ) -> async_graphql::Result<Vec<PaymentNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PaymentsToReview)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let rows = projections::invoicing::payments_to_review(
            &mut *tx,
            actor.workspace_id,
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(rows.into_iter().map(PaymentNode::from).collect())
    }

    /// Les paiements et remboursements par date, filtrés par moyen de paiement.
    #[allow(clippy::too_many_arguments)] // one per GraphQL argument
    async fn payments(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        client_id: Option<ID>,
        method: Option<PaymentMethodValue>,
        #[graphql(default = 100)] first: i32,
        #[graphql(default = 0)] offset: i32,
    ) -> async_graphql::Result<Vec<PaymentNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Payments)?;
        let period = Period {
            from,
            to,
            client_id: client_id.map(|id| Uuid::parse_str(&id).unwrap_or_default()),
            quote_id: None,
        };
        let method = method.map(|method| method_text(method.into()));
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let rows = projections::invoicing::payments(
            &mut *tx,
            actor.workspace_id,
            &period,
            method.as_deref(),
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(rows.into_iter().map(PaymentNode::from).collect())
    }
}

#[derive(Default)]
pub struct InvoicingMutation;

#[Object]
impl InvoicingMutation {
    /// Règle la facturation : identité de l'atelier, numérotation, délais, plan de comptes.
    /// Gérant ou administrateur.
    async fn update_invoice_settings(
        &self,
        ctx: &Context<'_>,
        input: InvoiceSettingsInput,
    ) -> async_graphql::Result<InvoiceSettingsNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateInvoiceSettings)?;
        let pattern = |text: &str| {
            NumberPattern::parse(text.trim()).map_err(|error| ApiError::domain(&error))
        };
        let chart = input.chart.map_or_else(Chart::default, |chart| Chart {
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
        let settings = InvoiceSettings {
            seller: input.seller.map(|seller| Seller {
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
            invoice_pattern: pattern(&input.invoice_pattern)?,
            credit_note_pattern: pattern(&input.credit_note_pattern)?,
            payment_days: input.payment_days,
            late_penalty: input.late_penalty.trim().to_owned(),
            chart,
            stripe_account: input.stripe_account,
        };
        let state = state(ctx);
        let receipt = commands::invoice_settings::save_invoice_settings(
            &state.commands,
            &meta(ctx, &actor),
            settings,
        )
        .await
        .map_err(settings_error)?;
        state
            .await_batch(&receipt, &[projections::invoicing::NAME])
            .await?;
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let settings = projections::invoicing::settings(&mut *tx, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        Ok(settings.into())
    }

    /// Connecte Pennylane : chaque facture émise ensuite y est envoyée (Factur-X), avec le
    /// compte Pennylane de chaque compte de notre plan. Le jeton est scellé. Gérant ou
    /// administrateur.
    async fn connect_pennylane(
        &self,
        ctx: &Context<'_>,
        token: String,
        accounts: Vec<PennylaneAccountNode>,
    ) -> async_graphql::Result<PennylaneNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ConnectPennylane)?;
        let state = state(ctx);
        commands::pennylane::connect(
            &state.pool,
            &state.secrets,
            actor.workspace_id,
            &token,
            accounts
                .into_iter()
                .map(|mapping| (mapping.account, mapping.ledger_account_id)),
        )
        .await
        .map_err(|error| match error {
            commands::pennylane::ConnectionError::Database(cause) => ApiError::from(cause),
            refused => ApiError::domain(&refused),
        })?;
        Ok(pennylane_node(ctx, actor.workspace_id).await?)
    }

    /// Déconnecte Pennylane (le jeton est effacé ; l'historique des envois reste).
    async fn disconnect_pennylane(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<PennylaneNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::DisconnectPennylane)?;
        commands::pennylane::disconnect(&state(ctx).pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        Ok(pennylane_node(ctx, actor.workspace_id).await?)
    }

    /// Choisit les moyens de paiement qu'un rôle (opérateur ou compta) enregistre à la main.
    /// Gérant ou administrateur.
    async fn set_payment_methods(
        &self,
        ctx: &Context<'_>,
        role: RoleValue,
        methods: Vec<PaymentMethodValue>,
    ) -> async_graphql::Result<Vec<PaymentMethodRuleNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SetPaymentMethods)?;
        let state = state(ctx);
        let receipt = state
            .commands
            .payment_policy
            .execute(
                &meta(ctx, &actor),
                POLICY_ID,
                PaymentPolicyCommand::SetMethods {
                    role: role.into(),
                    methods: methods.into_iter().map(Into::into).collect(),
                },
            )
            .await
            .map_err(|error| match error {
                commands::CommandError::Rejected(refused) => {
                    let field = match refused {
                        PaymentPolicyError::RoleNotConfigurable => "role",
                        _ => "methods",
                    };
                    ApiError::domain(&refused).with_field(field)
                }
                other => ApiError::from(other),
            })?;
        state
            .await_projections(&receipt, &[projections::invoicing::NAME])
            .await?;
        Ok(rules_in_force(ctx, actor.workspace_id).await?)
    }

    /// Marque vérifié un paiement saisi par un opérateur : il quitte la liste à vérifier.
    /// Compta, gérant ou administrateur, jamais la personne qui l'a saisi.
    async fn mark_payment_reviewed(
        &self,
        ctx: &Context<'_>,
        payment_id: ID,
    ) -> async_graphql::Result<PaymentNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::MarkPaymentReviewed)?;
        let payment_id = Uuid::parse_str(&payment_id).map_err(|_| payment_not_found())?;
        let quote_id = payment_row(ctx, actor.workspace_id, payment_id)
            .await?
            .quote_id;
        let state = state(ctx);
        let receipt = commands::invoicing::review_payment(
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
            payment_id,
        )
        .await
        .map_err(save_error)?;
        state
            .await_batch(&receipt, &[projections::invoicing::NAME])
            .await?;
        Ok(payment_row(ctx, actor.workspace_id, payment_id)
            .await?
            .into())
    }

    /// Enregistre un paiement reçu en atelier (CB, espèces, virement, chèque), par un moyen
    /// que le rôle de la personne peut enregistrer (`paymentMethodRules`). Avant la facture
    /// finale, il émet sa facture d'acompte ; saisi par un opérateur, il attend la
    /// vérification de la compta (`paymentsToReview`).
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        quote_id: ID,
        input: PaymentInput,
    ) -> async_graphql::Result<BillingNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RecordPayment)?;
        let quote_id = quote_uuid(&quote_id)?;
        if input.method == PaymentMethodValue::Stripe {
            return Err(ApiError::new(
                ErrorKind::Validation,
                "PAYMENT_METHOD_INVALID",
                "les paiements Stripe arrivent par le webhook, pas par une saisie",
            )
            .into());
        }
        let state = state(ctx);
        // The scan is checked and stored first; a refused payment takes it away again.
        let scan = match input.receipt.as_deref() {
            Some(text) => {
                let checked = commands::documents::image_check::from_base64(
                    text,
                    commands::documents::image_check::Upload::Receipt,
                )
                .await
                .map_err(ApiError::from)?;
                Some(
                    commands::invoicing::store_receipt(
                        &state.pool,
                        actor.workspace_id,
                        checked.content_type,
                        &checked.bytes,
                    )
                    .await
                    .map_err(ApiError::from)?,
                )
            }
            None => None,
        };
        let recorded = commands::invoicing::record_payment(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
            PaymentDraft {
                amount: input.amount,
                method: input.method.into(),
                reference: input.reference,
                received_on: input.received_on.unwrap_or_else(today),
                stripe_event_id: None,
                receipt_sha256: scan.as_ref().map(|(sha256, _)| sha256.clone()),
            },
        )
        .await;
        let (payment_id, receipt) = match recorded {
            Ok(recorded) => recorded,
            Err(error) => {
                if let Some((sha256, true)) = &scan {
                    commands::invoicing::forget_receipt(&state.pool, actor.workspace_id, sha256)
                        .await
                        .map_err(ApiError::from)?;
                }
                return Err(save_error(error).into());
            }
        };
        crate::warnings::known("paymentId", payment_id.to_string());
        state
            .await_batch(&receipt, &[projections::invoicing::NAME])
            .await?;
        Ok(billing_node(ctx, actor.workspace_id, quote_id).await?)
    }

    /// Crée un lien de paiement Stripe pour l'acompte restant ou le solde, envoyé par email au
    /// client.
    async fn create_payment_link(
        &self,
        ctx: &Context<'_>,
        quote_id: ID,
        purpose: LinkPurposeValue,
    ) -> async_graphql::Result<BillingNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CreatePaymentLink)?;
        let quote_id = quote_uuid(&quote_id)?;
        let state = state(ctx);
        let (_, _, receipt) = commands::payment_links::create_payment_link(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            &state.stripe,
            quote_id,
            purpose.into(),
        )
        .await
        .map_err(|error| match error {
            commands::payment_links::PaymentLinkError::Billing(error) => save_error(error),
            commands::payment_links::PaymentLinkError::Provider(cause) => {
                tracing::warn!(%cause, "Stripe refused a checkout session");
                ApiError::new(
                    ErrorKind::Internal,
                    "PAYMENT_PROVIDER_UNAVAILABLE",
                    "Stripe n'a pas pu créer le lien de paiement, réessayez dans un instant",
                )
            }
            other => ApiError::domain(&other),
        })?;
        state
            .await_batch(&receipt, &[projections::invoicing::NAME])
            .await?;
        Ok(billing_node(ctx, actor.workspace_id, quote_id).await?)
    }

    /// Enregistre un remboursement au client.
    async fn record_refund(
        &self,
        ctx: &Context<'_>,
        quote_id: ID,
        input: RefundInput,
    ) -> async_graphql::Result<BillingNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RecordRefund)?;
        let quote_id = quote_uuid(&quote_id)?;
        let state = state(ctx);
        // A refund needs a quote of this workshop, like a payment.
        commands::invoicing::quote_figures(&state.pool, actor.workspace_id, quote_id)
            .await
            .map_err(save_error)?;
        let (refund_id, receipt) = commands::invoicing::record_refund(
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
            input.amount,
            input.method.into(),
            input.reason,
        )
        .await
        .map_err(save_error)?;
        crate::warnings::known("refundId", refund_id.to_string());
        state
            .await_batch(&receipt, &[projections::invoicing::NAME])
            .await?;
        Ok(billing_node(ctx, actor.workspace_id, quote_id).await?)
    }

    /// Émet la facture finale du devis signé : toutes ses lignes, chaque acompte déduit.
    async fn issue_final_invoice(
        &self,
        ctx: &Context<'_>,
        quote_id: ID,
    ) -> async_graphql::Result<InvoiceNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::IssueFinalInvoice)?;
        let quote_id = quote_uuid(&quote_id)?;
        let state = state(ctx);
        let (invoice_id, receipt) = commands::invoicing::issue_final(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
        )
        .await
        .map_err(save_error)?;
        crate::warnings::known("invoiceId", invoice_id.to_string());
        state
            .await_batch(&receipt, &[projections::invoicing::NAME])
            .await?;
        Ok(invoice_node(ctx, actor.workspace_id, invoice_id).await?)
    }

    /// Émet l'avoir qui annule une facture (la seule correction d'une facture émise).
    async fn issue_credit_note(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
    ) -> async_graphql::Result<InvoiceNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::IssueCreditNote)?;
        let of = uuid(
            &invoice_id,
            "INVOICE_NOT_FOUND",
            "cette facture n'existe pas",
        )?;
        let original = invoice_node(ctx, actor.workspace_id, of).await?;
        let quote_id = quote_uuid(&original.quote_id)?;
        let state = state(ctx);
        let (credit_id, receipt) = commands::invoicing::issue_credit_note(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
            of,
        )
        .await
        .map_err(save_error)?;
        crate::warnings::known("invoiceId", credit_id.to_string());
        state
            .await_batch(&receipt, &[projections::invoicing::NAME])
            .await?;
        Ok(invoice_node(ctx, actor.workspace_id, credit_id).await?)
    }
}
