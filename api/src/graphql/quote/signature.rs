//! Signing quotes (spec §14) and the signature journal. Signing is the last step: the
//! signer was shown the conditions and the exact PDF sent (its SHA-256 is the proof), then
//! draws or uploads a signature (the client, in its portal) or the workshop uploads the scan
//! of the paper the client signed. Either way the journal records who, when, from where.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use commands::quote_sending::SignatureRequest;
use domain::quote::lifecycle::Signer;
use domain::Role;
use projections::quote::SignatureRow;
use projections::tenant;
use uuid::Uuid;

use super::{quote_uuid, MAX_PAGE};
use crate::auth::Actor;
use crate::graphql::{actor, meta, request, state, time_cursor, to_time_cursor};
use crate::http::RequestContext;
use crate::permissions::Operation;
use crate::{quote_access, ApiError};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SignerKind {
    /// Le client, dans son espace.
    Client,
    /// L'atelier pour le client, avec le scan de sa signature manuscrite.
    StaffOnBehalf,
}

/// Une entrée du journal des signatures.
#[derive(SimpleObject)]
#[graphql(name = "QuoteSignature")]
pub struct SignatureNode {
    pub quote_id: ID,
    pub number: String,
    pub version: i32,
    pub signer: SignerKind,
    /// Le compte qui a signé (le client) ou fait signer (le membre de l'atelier).
    pub account_id: ID,
    pub signed_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub terms_accepted: bool,
    /// SHA-256 du PDF envoyé et signé.
    pub pdf_sha256: String,
    pub image_sha256: String,
    /// La copie signée : le PDF avec l'image et l'horodatage.
    pub signed_pdf_url: String,
}

impl From<SignatureRow> for SignatureNode {
    fn from(row: SignatureRow) -> Self {
        Self {
            quote_id: ID(row.quote_id.to_string()),
            number: row.number,
            version: row.version,
            signer: if row.signer == "client" {
                SignerKind::Client
            } else {
                SignerKind::StaffOnBehalf
            },
            account_id: ID(row.account_id.to_string()),
            signed_at: row.signed_at,
            ip: row.ip,
            user_agent: row.user_agent,
            terms_accepted: row.terms_accepted,
            pdf_sha256: row.pdf_sha256,
            image_sha256: row.image_sha256,
            signed_pdf_url: format!("/api/v1/quotes/{}.pdf", row.quote_id),
        }
    }
}

#[derive(InputObject)]
pub struct SignQuoteInput {
    pub quote_id: ID,
    /// La version affichée au signataire.
    pub version: u32,
    /// SHA-256 du PDF affiché : `Quote.sentPdfSha256` ou l'en-tête `x-content-sha256` du PDF.
    pub pdf_sha256: String,
    /// Le signataire a lu et accepté les conditions générales.
    pub terms_accepted: bool,
    /// L'image de la signature : PNG ou JPEG en base64 (ou URL `data:image/…;base64,`),
    /// 1 Mo au plus.
    pub image: String,
}

impl SignQuoteInput {
    /// The signature as the write side checks it: the signer is the caller (a client signs
    /// for itself, staff on the client's behalf), the journal's where from the request.
    fn request(self, actor: &Actor, request: &RequestContext) -> SignatureRequest {
        let signer = match actor.role {
            Role::Client => Signer::Client {
                account_id: actor.account_id,
            },
            _ => Signer::StaffOnBehalf {
                account_id: actor.account_id,
            },
        };
        SignatureRequest {
            signer,
            version: self.version,
            pdf_sha256: self.pdf_sha256,
            terms_accepted: self.terms_accepted,
            image: self.image,
            ip: request.ip.map(|ip| ip.to_string()),
            user_agent: request.user_agent.clone(),
        }
    }
}

#[derive(Default)]
pub struct QuoteSignatureQuery;

#[Object]
impl QuoteSignatureQuery {
    /// Le journal des signatures, de la plus récente à la plus ancienne, d'un devis ou de
    /// tous.
    async fn quote_signatures(
        &self,
        ctx: &Context<'_>,
        quote_id: Option<ID>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SignatureNode>, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::QuoteSignatures)?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        // A quote id that is no UUID matches no quote.
        let quote_id = quote_id.map(|id| Uuid::parse_str(&id).unwrap_or_default());
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut tx = tenant::begin(&state(ctx).pool, actor.workspace_id).await?;
        let mut rows = projections::quote::signatures(
            &mut *tx,
            actor.workspace_id,
            quote_id,
            before,
            limit + 1,
        )
        .await?;
        tx.commit().await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for row in rows {
            let cursor = to_time_cursor(row.signed_at, row.quote_id);
            connection.edges.push(Edge::new(cursor, row.into()));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct QuoteSignatureMutation;

#[Object]
impl QuoteSignatureMutation {
    /// Signe la version envoyée d'un devis, ce qui l'accepte. Le client signe dans son
    /// espace ; le gérant, l'administrateur ou l'atelier signe pour le client avec le scan
    /// de sa signature. Une seule signature par version.
    async fn sign_quote(
        &self,
        ctx: &Context<'_>,
        input: SignQuoteInput,
    ) -> Result<SignatureNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SignQuote)?;
        let quote_id = quote_uuid(&input.quote_id)?;
        let state = state(ctx);
        quote_access::visible_quote(&state.pool, &actor, quote_id).await?;
        let signature = input.request(&actor, request(ctx));
        let receipt = commands::quote_sending::sign(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
            signature,
        )
        .await?;
        state
            .read_after(
                &receipt,
                &[projections::quote::NAME],
                latest_signature(ctx, actor.workspace_id, quote_id),
            )
            .await
    }
}

/// The last entry of a quote's journal: the signature just recorded.
async fn latest_signature(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<SignatureNode, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let journal =
        projections::quote::signatures(&mut *tx, workspace_id, Some(quote_id), None, 1).await?;
    tx.commit().await?;
    journal
        .into_iter()
        .next()
        .map(SignatureNode::from)
        .ok_or_else(quote_access::not_found)
}
