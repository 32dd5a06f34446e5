//! The invoicing writes: settings, the Pennylane connector, payment methods per role,
//! payments, refunds, payment links, final invoices and credit notes. Each answers from the
//! read model once it shows the write.

use async_graphql::{Context, Object, ID};
use domain::invoice::payment_policy::{
    PaymentPolicyCommand, PaymentPolicyError, AGGREGATE_LOCAL_ID as POLICY_ID,
};
use projections::invoicing::NAME as INVOICING;
use uuid::Uuid;

use super::query::{
    billing_node, invoice_node, payment_node, payment_row, pennylane_node, rules_in_force,
    settings_node,
};
use super::settings::{
    InvoiceSettingsInput, InvoiceSettingsNode, PaymentMethodRuleNode, PennylaneAccountNode,
    PennylaneNode,
};
use super::types::{
    BillingNode, InvoiceNode, LinkPurposeValue, PaymentInput, PaymentMethodValue, PaymentNode,
    RefundInput,
};
use super::{invoice_uuid, payment_not_found, quote_uuid};
use crate::app::AppState;
use crate::graphql::types::RoleValue;
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

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
    ) -> Result<InvoiceSettingsNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateInvoiceSettings)?;
        let settings = input.settings()?;
        let state = state(ctx);
        let receipt = commands::invoice_settings::save_invoice_settings(
            &state.commands,
            &meta(ctx, &actor),
            settings,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[INVOICING],
                settings_node(ctx, actor.workspace_id),
            )
            .await
    }

    /// Connecte Pennylane : chaque facture émise ensuite y est envoyée (Factur-X), avec le
    /// compte Pennylane de chaque compte de notre plan. Le jeton est scellé. Gérant ou
    /// administrateur.
    async fn connect_pennylane(
        &self,
        ctx: &Context<'_>,
        token: String,
        accounts: Vec<PennylaneAccountNode>,
    ) -> Result<PennylaneNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::ConnectPennylane)?;
        let state = state(ctx);
        // The connection lives outside the log (its token is a secret): nothing to wait for.
        commands::pennylane::connect(
            &state.pool,
            &state.secrets,
            actor.workspace_id,
            &token,
            accounts
                .into_iter()
                .map(|mapping| (mapping.account, mapping.ledger_account_id)),
        )
        .await?;
        pennylane_node(ctx, actor.workspace_id).await
    }

    /// Déconnecte Pennylane (le jeton est effacé ; l'historique des envois reste).
    async fn disconnect_pennylane(&self, ctx: &Context<'_>) -> Result<PennylaneNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::DisconnectPennylane)?;
        commands::pennylane::disconnect(&state(ctx).pool, actor.workspace_id).await?;
        pennylane_node(ctx, actor.workspace_id).await
    }

    /// Choisit les moyens de paiement qu'un rôle (opérateur ou compta) enregistre à la main.
    /// Gérant ou administrateur.
    async fn set_payment_methods(
        &self,
        ctx: &Context<'_>,
        role: RoleValue,
        methods: Vec<PaymentMethodValue>,
    ) -> Result<Vec<PaymentMethodRuleNode>, ApiError> {
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
            .map_err(policy_error)?;
        state
            .read_after(
                &receipt,
                &[INVOICING],
                rules_in_force(ctx, actor.workspace_id),
            )
            .await
    }

    /// Marque vérifié un paiement saisi par un opérateur : il quitte la liste à vérifier.
    /// Compta, gérant ou administrateur, jamais la personne qui l'a saisi.
    async fn mark_payment_reviewed(
        &self,
        ctx: &Context<'_>,
        payment_id: ID,
    ) -> Result<PaymentNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::MarkPaymentReviewed)?;
        let payment_id = Uuid::parse_str(&payment_id).map_err(|_| payment_not_found())?;
        // The payment's billing is its quote's; another workshop's payment is not found.
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
        .await?;
        state
            .read_after(
                &receipt,
                &[INVOICING],
                payment_node(ctx, actor.workspace_id, payment_id),
            )
            .await
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
    ) -> Result<BillingNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RecordPayment)?;
        let quote_id = quote_uuid(&quote_id)?;
        let (mut draft, scan) = input.draft()?;
        let state = state(ctx);
        // The scan is checked and stored first; a refused payment takes it away again.
        let scan = match scan {
            Some(text) => Some(store_scan(state, actor.workspace_id, &text).await?),
            None => None,
        };
        draft.receipt_sha256 = scan.as_ref().map(|(sha256, _)| sha256.clone());
        let recorded = commands::invoicing::record_payment(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
            draft,
        )
        .await;
        let (payment_id, receipt) = match recorded {
            Ok(recorded) => recorded,
            Err(error) => {
                if let Some((sha256, true)) = &scan {
                    commands::invoicing::forget_receipt(&state.pool, actor.workspace_id, sha256)
                        .await?;
                }
                return Err(error.into());
            }
        };
        crate::warnings::known("paymentId", payment_id.to_string());
        state
            .read_after(
                &receipt,
                &[INVOICING],
                billing_node(ctx, actor.workspace_id, quote_id),
            )
            .await
    }

    /// Crée un lien de paiement Stripe pour l'acompte restant ou le solde, envoyé par email au
    /// client.
    async fn create_payment_link(
        &self,
        ctx: &Context<'_>,
        quote_id: ID,
        purpose: LinkPurposeValue,
    ) -> Result<BillingNode, ApiError> {
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
        .await?;
        state
            .read_after(
                &receipt,
                &[INVOICING],
                billing_node(ctx, actor.workspace_id, quote_id),
            )
            .await
    }

    /// Enregistre un remboursement au client.
    async fn record_refund(
        &self,
        ctx: &Context<'_>,
        quote_id: ID,
        input: RefundInput,
    ) -> Result<BillingNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RecordRefund)?;
        let quote_id = quote_uuid(&quote_id)?;
        let state = state(ctx);
        // A refund needs a quote of this workshop, like a payment.
        commands::invoicing::quote_figures(&state.pool, actor.workspace_id, quote_id).await?;
        let (refund_id, receipt) = commands::invoicing::record_refund(
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
            input.amount,
            input.method.into(),
            input.reason,
        )
        .await?;
        crate::warnings::known("refundId", refund_id.to_string());
        state
            .read_after(
                &receipt,
                &[INVOICING],
                billing_node(ctx, actor.workspace_id, quote_id),
            )
            .await
    }

    /// Émet la facture finale du devis signé : toutes ses lignes, chaque acompte déduit.
    async fn issue_final_invoice(
        &self,
        ctx: &Context<'_>,
        quote_id: ID,
    ) -> Result<InvoiceNode, ApiError> {
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
        .await?;
        crate::warnings::known("invoiceId", invoice_id.to_string());
        state
            .read_after(
                &receipt,
                &[INVOICING],
                invoice_node(ctx, actor.workspace_id, invoice_id),
            )
            .await
    }

    /// Émet l'avoir qui annule une facture (la seule correction d'une facture émise).
    async fn issue_credit_note(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
    ) -> Result<InvoiceNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::IssueCreditNote)?;
        let of = invoice_uuid(&invoice_id)?;
        // The credited invoice names its quote; another workshop's invoice is not found.
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
        .await?;
        crate::warnings::known("invoiceId", credit_id.to_string());
        state
            .read_after(
                &receipt,
                &[INVOICING],
                invoice_node(ctx, actor.workspace_id, credit_id),
            )
            .await
    }
}

/// A refused payment policy points at the argument it refuses. Not a `From` impl: every
/// `CommandError<E>` already converts through the generic one, without a field.
fn policy_error(error: commands::CommandError<PaymentPolicyError>) -> ApiError {
    match error {
        commands::CommandError::Rejected(refused) => {
            let field = match refused {
                PaymentPolicyError::RoleNotConfigurable => "role",
                _ => "methods",
            };
            ApiError::domain(&refused).with_field(field)
        }
        other => other.into(),
    }
}

/// Checks a payment's scanned receipt and stores it: its SHA-256, and whether this call
/// stored it (an identical scan stored before is not this payment's to take away).
async fn store_scan(
    state: &AppState,
    workspace_id: Uuid,
    text: &str,
) -> Result<(String, bool), ApiError> {
    let checked = commands::documents::image_check::from_base64(
        text,
        commands::documents::image_check::Upload::Receipt,
    )
    .await?;
    Ok(commands::invoicing::store_receipt(
        &state.pool,
        workspace_id,
        checked.content_type,
        &checked.bytes,
    )
    .await?)
}
