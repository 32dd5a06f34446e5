//! Online payment links (spec §7.2: « générer lien acompte / solde, envoyer par email »): a
//! Stripe Checkout session for what the deposit or the balance still asks, its URL recorded
//! in the quote's billing (the email reactor sends it). The payment itself comes back
//! through the webhook. The API base is configurable: tests talk to a local stand-in that
//! speaks Stripe's wire format.

use std::collections::HashMap;
use std::fmt;

use chrono::{Duration, Utc};
use domain::invoice::billing::{aggregate_local_id, Billing, BillingCommand, LinkPurpose};
use domain::{DomainError, ErrorKind};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sqlx::PgPool;
use stripe::{
    CheckoutSession, CheckoutSessionLocale, CheckoutSessionMode, Client, CreateCheckoutSession,
    CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionLineItemsPriceDataProductData, Currency,
};
use uuid::Uuid;

use crate::invoicing::{quote_figures, BillingSaveError};
use crate::{AppendError, AppendReceipt, AtomicAppend, CommandError, CommandMeta, Commands};

/// The platform's Stripe account; each workshop may name its connected account.
#[derive(Clone)]
pub struct StripeSettings {
    pub api_base: String,
    pub secret_key: Option<String>,
    pub webhook_secret: Option<String>,
    /// Where the client lands after paying.
    pub public_base_url: String,
}

impl fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeSettings")
            .field("api_base", &self.api_base)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "…"))
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "…"))
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentLinkError {
    #[error("le paiement en ligne n'est pas configuré sur cette plateforme")]
    NotConfigured,
    #[error("Stripe n'a pas pu créer le lien de paiement, réessayez dans un instant")]
    Provider(String),
    #[error(transparent)]
    Billing(#[from] BillingSaveError),
}

impl DomainError for PaymentLinkError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "STRIPE_NOT_CONFIGURED",
            Self::Provider(_) => "PAYMENT_PROVIDER_UNAVAILABLE",
            Self::Billing(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotConfigured => ErrorKind::Conflict,
            Self::Provider(_) => ErrorKind::Internal,
            Self::Billing(error) => error.kind(),
        }
    }
}

impl From<CommandError<domain::invoice::billing::BillingError>> for PaymentLinkError {
    fn from(error: CommandError<domain::invoice::billing::BillingError>) -> Self {
        Self::Billing(error.into())
    }
}

impl From<AppendError> for PaymentLinkError {
    fn from(error: AppendError) -> Self {
        Self::Billing(error.into())
    }
}

impl From<sqlx::Error> for PaymentLinkError {
    fn from(error: sqlx::Error) -> Self {
        Self::Billing(error.into())
    }
}

/// Opens a Checkout session for the deposit or the balance of a signed quote and records
/// it; returns its URL and amount.
pub async fn create_payment_link(
    pool: &PgPool,
    commands: &Commands,
    meta: &CommandMeta,
    stripe: &StripeSettings,
    quote_id: Uuid,
    purpose: LinkPurpose,
) -> Result<(String, Decimal, AppendReceipt), PaymentLinkError> {
    let secret = stripe
        .secret_key
        .as_deref()
        .ok_or(PaymentLinkError::NotConfigured)?;
    let (figures, client_id) = quote_figures(pool, meta.workspace_id, quote_id).await?;
    let local_id = aggregate_local_id(quote_id);
    let billing: Billing = commands.billing.load(meta, &local_id).await?;
    let amount = billing
        .amount_for(&figures, purpose)
        .map_err(CommandError::Rejected)?;
    let email = crate::context::client(pool, meta.workspace_id, client_id)
        .await?
        .and_then(|client| client.email);
    // The registry, not the settings' read model: it is what the webhook checks payments
    // against, and it never lags behind a change of account.
    let account = crate::invoice_settings::connected_account(pool, meta.workspace_id).await?;
    let mut client = Client::from_url(stripe.api_base.as_str(), secret);
    if let Some(account) = account.as_deref() {
        let id = account
            .parse()
            .map_err(|_| PaymentLinkError::Provider(format!("bad account id {account}")))?;
        client = client.with_stripe_account(id);
    }
    let cents = (amount * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or_else(|| PaymentLinkError::Provider("amount out of range".into()))?;
    let label = match purpose {
        LinkPurpose::Deposit => format!("Acompte du devis {}", figures.number),
        LinkPurpose::Balance => format!("Solde du devis {}", figures.number),
    };
    let purpose_text = match purpose {
        LinkPurpose::Deposit => "deposit",
        LinkPurpose::Balance => "balance",
    };
    let success_url = format!(
        "{}/portail/devis/{quote_id}?paiement=ok",
        stripe.public_base_url.trim_end_matches('/')
    );
    let quote_text = quote_id.to_string();
    let mut params = CreateCheckoutSession::new();
    params.mode = Some(CheckoutSessionMode::Payment);
    params.locale = Some(CheckoutSessionLocale::Fr);
    params.success_url = Some(&success_url);
    params.client_reference_id = Some(&quote_text);
    params.customer_email = email.as_deref();
    // Stripe keeps a session open 24 h at most.
    params.expires_at = Some((Utc::now() + Duration::hours(23)).timestamp());
    params.metadata = Some(HashMap::from([
        ("workspace_id".to_owned(), meta.workspace_id.to_string()),
        ("quote_id".to_owned(), quote_text.clone()),
        ("purpose".to_owned(), purpose_text.to_owned()),
    ]));
    params.line_items = Some(vec![CreateCheckoutSessionLineItems {
        quantity: Some(1),
        price_data: Some(CreateCheckoutSessionLineItemsPriceData {
            currency: Currency::EUR,
            unit_amount: Some(cents),
            product_data: Some(CreateCheckoutSessionLineItemsPriceDataProductData {
                name: label,
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }]);
    let session = CheckoutSession::create(&client, params)
        .await
        .map_err(|error| PaymentLinkError::Provider(error.to_string()))?;
    let url = session
        .url
        .clone()
        .ok_or_else(|| PaymentLinkError::Provider("no url in the session".into()))?;
    let expires_at =
        chrono::DateTime::from_timestamp(session.expires_at, 0).unwrap_or_else(Utc::now);
    let decision = commands
        .billing
        .decide(
            meta,
            &local_id,
            BillingCommand::RecordPaymentLink {
                quote: figures,
                purpose,
                amount,
                session_id: session.id.to_string(),
                url: url.clone(),
                expires_at,
            },
            false,
            Utc::now(),
        )
        .await?;
    let mut append = AtomicAppend::default();
    append.push(decision);
    let receipt = commands.commit(meta, append).await?;
    Ok((url, amount, receipt))
}
