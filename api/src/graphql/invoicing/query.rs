//! The invoicing reads: settings, a quote's billing, the lists of invoices and payments, the
//! FEC archives and the Pennylane connector. The reads a mutation answers with live here
//! too.

use async_graphql::{Context, Object, ID};
use chrono::NaiveDate;
use projections::invoicing::{PaymentRow, Period};
use projections::tenant;
use uuid::Uuid;

use super::settings::{rule_nodes, InvoiceSettingsNode, PaymentMethodRuleNode, PennylaneNode};
use super::types::{
    invoice_nodes, BillingNode, FecArchiveNode, InvoiceNode, PaymentMethodValue, PaymentNode,
};
use super::{invoice_uuid, not_found, payment_not_found, quote_uuid, MAX_PAGE};
use crate::graphql::{actor, state};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Default)]
pub struct InvoicingQuery;

#[Object]
impl InvoicingQuery {
    /// Les réglages de facturation de l'atelier.
    async fn invoice_settings(&self, ctx: &Context<'_>) -> Result<InvoiceSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::InvoiceSettings)?;
        settings_node(ctx, actor.workspace_id).await
    }

    /// Ce que doit un devis signé, ses paiements et ses factures.
    async fn billing(&self, ctx: &Context<'_>, quote_id: ID) -> Result<BillingNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Billing)?;
        billing_node(ctx, actor.workspace_id, quote_uuid(&quote_id)?).await
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
    ) -> Result<Vec<InvoiceNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Invoices)?;
        let period = period(from, to, client_id);
        let mut tx = tenant::begin(&state(ctx).pool, actor.workspace_id).await?;
        let rows = projections::invoicing::invoices(
            &mut *tx,
            actor.workspace_id,
            &period,
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await?;
        tx.commit().await?;
        invoice_nodes(rows)
    }

    /// Les archives mensuelles du FEC, la plus récente d'abord (téléchargement :
    /// `/api/v1/exports/fec-archive?month=AAAA-MM`).
    async fn fec_archives(&self, ctx: &Context<'_>) -> Result<Vec<FecArchiveNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::FecArchives)?;
        let archives =
            projections::fec_archive::archives(&state(ctx).pool, actor.workspace_id).await?;
        Ok(archives.into_iter().map(Into::into).collect())
    }

    /// Le connecteur Pennylane et l'état des envois.
    async fn pennylane(&self, ctx: &Context<'_>) -> Result<PennylaneNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Pennylane)?;
        pennylane_node(ctx, actor.workspace_id).await
    }

    /// Une facture.
    async fn invoice(&self, ctx: &Context<'_>, id: ID) -> Result<InvoiceNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Invoice)?;
        invoice_node(ctx, actor.workspace_id, invoice_uuid(&id)?).await
    }

    /// Les moyens de paiement que chaque rôle enregistre à la main (réglés par le gérant ;
    /// par défaut : opérateurs espèces et carte, compta tous).
    async fn payment_method_rules(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<PaymentMethodRuleNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PaymentMethodRules)?;
        rules_in_force(ctx, actor.workspace_id).await
    }

    /// Les paiements saisis par un opérateur que personne n'a encore vérifiés, du plus
    /// ancien au plus récent. Compta, gérant, administrateur.
    async fn payments_to_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 100)] first: i32,
        #[graphql(default = 0)] offset: i32,
    ) -> Result<Vec<PaymentNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::PaymentsToReview)?;
        let mut tx = tenant::begin(&state(ctx).pool, actor.workspace_id).await?;
        let rows = projections::invoicing::payments_to_review(
            &mut *tx,
            actor.workspace_id,
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await?;
        tx.commit().await?;
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
    ) -> Result<Vec<PaymentNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Payments)?;
        let period = period(from, to, client_id);
        let method = method.map(PaymentMethodValue::stored);
        let mut tx = tenant::begin(&state(ctx).pool, actor.workspace_id).await?;
        let rows = projections::invoicing::payments(
            &mut *tx,
            actor.workspace_id,
            &period,
            method.as_deref(),
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(PaymentNode::from).collect())
    }
}

/// A list's filter; a client id that is no UUID matches no client.
fn period(from: Option<NaiveDate>, to: Option<NaiveDate>, client_id: Option<ID>) -> Period {
    Period {
        from,
        to,
        client_id: client_id.map(|id| Uuid::parse_str(&id).unwrap_or_default()),
        quote_id: None,
    }
}

pub(super) async fn settings_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<InvoiceSettingsNode, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let settings = projections::invoicing::settings(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(settings.into())
}

pub(super) async fn billing_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<BillingNode, ApiError> {
    projections::views::billing::billing(&state(ctx).pool, workspace_id, quote_id)
        .await?
        .ok_or_else(|| not_found("QUOTE_NOT_FOUND", "ce devis n'existe pas"))?
        .try_into()
}

pub(super) async fn invoice_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    invoice_id: Uuid,
) -> Result<InvoiceNode, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let row = projections::invoicing::find_invoice(&mut *tx, workspace_id, invoice_id).await?;
    tx.commit().await?;
    row.ok_or_else(|| not_found("INVOICE_NOT_FOUND", "cette facture n'existe pas"))?
        .try_into()
}

pub(super) async fn pennylane_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<PennylaneNode, ApiError> {
    Ok(
        projections::pennylane::status(&state(ctx).pool, workspace_id)
            .await?
            .into(),
    )
}

pub(super) async fn rules_in_force(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<Vec<PaymentMethodRuleNode>, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let rules = projections::invoicing::payment_method_rules(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(rule_nodes(&rules))
}

/// One of the workshop's payments; another workshop's is not found.
pub(super) async fn payment_row(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    payment_id: Uuid,
) -> Result<PaymentRow, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let row = projections::invoicing::find_payment(&mut *tx, workspace_id, payment_id).await?;
    tx.commit().await?;
    row.ok_or_else(payment_not_found)
}

pub(super) async fn payment_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    payment_id: Uuid,
) -> Result<PaymentNode, ApiError> {
    Ok(payment_row(ctx, workspace_id, payment_id).await?.into())
}
