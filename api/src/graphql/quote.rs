//! Quotes over GraphQL: priced drafts with their explained figures, numbers, versions and
//! statuses. (PDF, signature and emails build on this.)

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use commands::quote::{LineDraft, QuoteDraft, QuoteSaveError};
use domain::quote::lifecycle::{aggregate_local_id, Deposit, PricedContent, QuoteCommand};
use domain::quote::pricing::Surface;
use domain::{DomainError, Role};
use projections::quote::QuoteRow;
use projections::tenant;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{actor, meta, state, time_cursor};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i64 = 100;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "QuoteStatus")]
pub enum QuoteStatusValue {
    Draft,
    Sent,
    Accepted,
    Refused,
    Expired,
}

impl QuoteStatusValue {
    fn stored(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::Expired => "expired",
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            "sent" => Self::Sent,
            "accepted" => Self::Accepted,
            "refused" => Self::Refused,
            "expired" => Self::Expired,
            _ => Self::Draft,
        }
    }
}

/// Une ligne du devis : la surface par dimensions (mm) ou en m², par pièce.
#[derive(InputObject)]
pub struct QuoteLineInput {
    pub description: String,
    pub quantity: u32,
    pub length_mm: Option<Decimal>,
    pub width_mm: Option<Decimal>,
    pub area_m2: Option<Decimal>,
    /// Une poudre du catalogue ; absente pour une ligne de main d'œuvre seule.
    pub powder_id: Option<ID>,
    #[graphql(default = 1)]
    pub coats: u8,
    #[graphql(default)]
    pub primer: bool,
    #[graphql(default)]
    pub varnish: bool,
    /// Minutes par pièce.
    #[graphql(default)]
    pub labour_minutes: Decimal,
    /// € HT pour la ligne.
    #[graphql(default)]
    pub consumables: Decimal,
    #[graphql(default)]
    pub discount_pct: Decimal,
    /// 20, 10, 5.5, 2.1 ou 0.
    #[graphql(default_with = "Decimal::from(20)")]
    pub vat_rate: Decimal,
}

/// L'acompte : un montant TTC ou un pourcentage (un seul des deux ; aucun : pas d'acompte).
#[derive(InputObject)]
pub struct DepositInput {
    pub amount: Option<Decimal>,
    pub percent: Option<Decimal>,
}

#[derive(InputObject)]
pub struct QuoteInput {
    pub client_id: ID,
    pub lines: Vec<QuoteLineInput>,
    /// La validité de l'atelier si absente.
    pub valid_until: Option<NaiveDate>,
    /// La règle d'acompte de l'atelier si absente.
    pub deposit: Option<DepositInput>,
}

fn invalid(reason: &'static str, message: String) -> ApiError {
    ApiError::new(domain::ErrorKind::Validation, reason, message)
}

impl QuoteInput {
    fn draft(self) -> Result<QuoteDraft, ApiError> {
        let client_id = Uuid::parse_str(&self.client_id).map_err(|_| {
            ApiError::new(
                domain::ErrorKind::NotFound,
                "CLIENT_NOT_FOUND",
                "ce client n'existe pas",
            )
        })?;
        let lines = line_drafts(self.lines)?;
        let deposit = match self.deposit {
            None => None,
            Some(DepositInput {
                amount: Some(amount),
                percent: None,
            }) => Some(Deposit::Amount(amount)),
            Some(DepositInput {
                amount: None,
                percent: Some(percent),
            }) => Some(Deposit::Percent(percent)),
            Some(DepositInput {
                amount: None,
                percent: None,
            }) => Some(Deposit::None),
            Some(_) => {
                return Err(invalid(
                    "QUOTE_DEPOSIT_INVALID",
                    "l'acompte est un montant ou un pourcentage, pas les deux".to_owned(),
                ))
            }
        };
        Ok(QuoteDraft {
            client_id,
            lines,
            valid_until: self.valid_until,
            deposit,
        })
    }
}

/// Lines as typed, for a quote or a project: by dimensions or by area.
pub(super) fn line_drafts(inputs: Vec<QuoteLineInput>) -> Result<Vec<LineDraft>, ApiError> {
    let mut lines = Vec::with_capacity(inputs.len());
    for (index, line) in inputs.into_iter().enumerate() {
        let surface = match (line.length_mm, line.width_mm, line.area_m2) {
            (Some(length_mm), Some(width_mm), None) => Surface::Dimensions {
                length_mm,
                width_mm,
            },
            (None, None, Some(m2)) => Surface::Area { m2 },
            _ => {
                return Err(invalid(
                    "QUOTE_SURFACE_INVALID",
                    format!(
                        "ligne {} : donnez la longueur et la largeur (mm), ou la surface (m²)",
                        index + 1
                    ),
                ))
            }
        };
        lines.push(LineDraft {
            description: line.description,
            quantity: line.quantity,
            surface,
            powder_id: line.powder_id.map(|id| id.0),
            coats: line.coats,
            primer: line.primer,
            varnish: line.varnish,
            labour_minutes: line.labour_minutes,
            consumables: line.consumables,
            discount_pct: line.discount_pct,
            vat_rate: line.vat_rate,
        });
    }
    Ok(lines)
}

/// Une étape du calcul, telle que l'écran l'explique.
#[derive(SimpleObject)]
pub struct PriceStep {
    pub label: String,
    pub detail: String,
    pub amount: Decimal,
}

#[derive(SimpleObject)]
pub struct QuoteLineNode {
    pub description: String,
    pub quantity: u32,
    pub surface_m2: Decimal,
    pub powder_reference: Option<String>,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    /// Poudre estimée (kg). Interne à l'atelier : absente pour le client.
    pub powder_kg: Option<Decimal>,
    pub unit_price_ht: Decimal,
    pub total_ht: Decimal,
    pub vat_rate: Decimal,
    /// Le détail du calcul (marges, main d'œuvre). Interne à l'atelier : vide pour le client,
    /// qui voit ce qu'on lui a envoyé.
    pub steps: Vec<PriceStep>,
}

#[derive(SimpleObject)]
pub struct VatLine {
    pub rate: Decimal,
    pub base_ht: Decimal,
    pub vat: Decimal,
}

/// Un devis, dans sa version courante.
#[derive(SimpleObject)]
#[graphql(name = "Quote")]
pub struct QuoteNode {
    pub id: ID,
    pub number: String,
    pub version: i32,
    pub status: QuoteStatusValue,
    pub client_id: ID,
    pub total_ht: Decimal,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    /// Acompte TTC dû à la signature.
    pub deposit_due: Decimal,
    pub valid_until: NaiveDate,
    pub lines: Vec<QuoteLineNode>,
    /// La TVA par taux.
    pub vat: Vec<VatLine>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// SHA-256 du PDF envoyé au client : celui qu'une signature doit nommer.
    pub sent_pdf_sha256: Option<String>,
    /// Le PDF du devis tel qu'il est (brouillon, envoyé ou signé).
    pub pdf_url: String,
    pub updated_at: DateTime<Utc>,
}

impl QuoteNode {
    /// The quote as `role` may read it: a client in its portal gets what its PDF shows,
    /// without the workshop's breakdown (margins, labour, powder estimate).
    pub fn seen_by(row: QuoteRow, role: Role) -> Self {
        let mut node = Self::from(row);
        if role == Role::Client {
            for line in &mut node.lines {
                line.steps.clear();
                line.powder_kg = None;
            }
        }
        node
    }
}

impl From<QuoteRow> for QuoteNode {
    fn from(row: QuoteRow) -> Self {
        let content: Option<PricedContent> = serde_json::from_value(row.content).ok();
        let (lines, vat) = match content {
            Some(content) => (
                content
                    .content
                    .lines
                    .iter()
                    .zip(content.priced.lines)
                    .map(|(line, priced)| QuoteLineNode {
                        description: line.description.clone(),
                        quantity: line.quantity,
                        surface_m2: priced.surface_m2,
                        powder_reference: line
                            .powder
                            .as_ref()
                            .map(|powder| powder.identity.reference().to_owned()),
                        coats: line.coats,
                        primer: line.primer,
                        varnish: line.varnish,
                        powder_kg: Some(priced.powder_kg),
                        unit_price_ht: priced.unit_price_ht,
                        total_ht: priced.total_ht,
                        vat_rate: priced.vat_rate,
                        steps: priced
                            .steps
                            .into_iter()
                            .map(|step| PriceStep {
                                label: step.label,
                                detail: step.detail,
                                amount: step.amount,
                            })
                            .collect(),
                    })
                    .collect(),
                content
                    .priced
                    .vat
                    .into_iter()
                    .map(|total| VatLine {
                        rate: total.rate,
                        base_ht: total.base_ht,
                        vat: total.vat,
                    })
                    .collect(),
            ),
            None => (vec![], vec![]),
        };
        Self {
            id: ID(row.quote_id.to_string()),
            number: row.number,
            version: row.version,
            status: QuoteStatusValue::of(&row.status),
            client_id: ID(row.client_id.to_string()),
            total_ht: row.total_ht,
            total_vat: row.total_vat,
            total_ttc: row.total_ttc,
            deposit_due: row.deposit_due,
            valid_until: row.valid_until,
            lines,
            vat,
            created_at: row.created_at,
            sent_at: row.sent_at,
            sent_pdf_sha256: row.sent_pdf_sha256,
            pdf_url: format!("/api/v1/quotes/{}.pdf", row.quote_id),
            updated_at: row.updated_at,
        }
    }
}

fn not_found() -> ApiError {
    ApiError::new(
        domain::ErrorKind::NotFound,
        "QUOTE_NOT_FOUND",
        "ce devis n'existe pas",
    )
}

fn quote_uuid(id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

fn save_error(error: QuoteSaveError) -> ApiError {
    match error {
        QuoteSaveError::Quote(error) => ApiError::from(error),
        QuoteSaveError::Database(error) => ApiError::from(error),
        QuoteSaveError::Append(commands::AppendError::Store(error)) => ApiError::from(error),
        other => ApiError::new(other.kind(), other.code(), other.to_string()),
    }
}

async fn quote_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<QuoteNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = projections::quote::find(&mut *tx, workspace_id, quote_id).await?;
    tx.commit().await?;
    row.map(QuoteNode::from).ok_or_else(not_found)
}

#[derive(Default)]
pub struct QuoteQuery;

#[Object]
impl QuoteQuery {
    /// Les devis, du plus récent au plus ancien. Le client, dans son espace, ne voit que les
    /// siens.
    async fn quotes(
        &self,
        ctx: &Context<'_>,
        status: Option<QuoteStatusValue>,
        client_id: Option<ID>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, QuoteNode>> {
        let actor = actor(ctx)?;
        // A client too: what it reads is narrowed to its own below.
        actor.require_for(Operation::Quotes)?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        let client_id = client_id
            .as_ref()
            .map(|id| Uuid::parse_str(id).unwrap_or_default());
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let clients = if actor.role == Role::Client {
            let own = projections::client::of_portal_account(
                &mut *tx,
                actor.workspace_id,
                actor.account_id,
            )
            .await
            .map_err(ApiError::from)?;
            Some(match client_id {
                Some(asked) => own.into_iter().filter(|id| *id == asked).collect(),
                None => own,
            })
        } else {
            client_id.map(|id| vec![id])
        };
        let mut rows = projections::quote::list(
            &mut *tx,
            actor.workspace_id,
            status.map(QuoteStatusValue::stored),
            clients.as_deref(),
            actor.role == Role::Client,
            before,
            limit + 1,
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for row in rows {
            let cursor = format!("{}|{}", row.created_at.to_rfc3339(), row.quote_id);
            connection
                .edges
                .push(Edge::new(cursor, QuoteNode::seen_by(row, actor.role)));
        }
        Ok(connection)
    }

    /// Un devis, avec le détail de chaque calcul. Aussi pour le client, dans son espace,
    /// s'il s'agit du sien.
    async fn quote(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<QuoteNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Quote)?;
        let row =
            crate::quote_access::visible_quote(&state(ctx).pool, &actor, quote_uuid(&id)?).await?;
        Ok(QuoteNode::seen_by(row, actor.role))
    }
}

#[derive(Default)]
pub struct QuoteMutation;

#[Object]
impl QuoteMutation {
    /// Crée un devis brouillon, chiffré avec les taux de l'atelier, numéroté sans trou
    /// (`DEV-{YYYY}-{NNNN}` par défaut). Gérant, administrateur ou atelier.
    async fn create_quote(
        &self,
        ctx: &Context<'_>,
        input: QuoteInput,
    ) -> async_graphql::Result<QuoteNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CreateQuote)?;
        let draft = input.draft()?;
        let state = state(ctx);
        let (quote_id, number, receipt) =
            commands::quote::create(&state.pool, &state.commands, &meta(ctx, &actor), draft)
                .await
                .map_err(save_error)?;
        crate::warnings::known("id", quote_id.to_string());
        crate::warnings::known("number", number);
        state
            .await_batch(&receipt, &[projections::quote::NAME])
            .await?;
        Ok(quote_node(ctx, actor.workspace_id, quote_id).await?)
    }

    /// Modifie un brouillon (un devis envoyé se corrige par une nouvelle version).
    async fn update_quote(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: QuoteInput,
    ) -> async_graphql::Result<QuoteNode> {
        change(ctx, id, input, false).await
    }

    /// Nouvelle version d'un devis envoyé, refusé ou expiré : elle repart en brouillon.
    async fn revise_quote(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: QuoteInput,
    ) -> async_graphql::Result<QuoteNode> {
        change(ctx, id, input, true).await
    }

    /// Envoie le devis : son PDF est figé (empreinte SHA-256) et envoyé au client par email,
    /// avec une invitation à créer son espace s'il n'en a pas ; il ne se modifie plus.
    async fn send_quote(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<QuoteNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::SendQuote)?;
        let quote_id = quote_uuid(&id)?;
        let state = state(ctx);
        crate::quote_access::visible_quote(&state.pool, &actor, quote_id).await?;
        let receipt = commands::quote_sending::send(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            quote_id,
        )
        .await
        .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::quote::NAME])
            .await?;
        Ok(quote_node(ctx, actor.workspace_id, quote_id).await?)
    }

    /// Le client a refusé le devis.
    async fn refuse_quote(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<QuoteNode> {
        transition(ctx, Operation::RefuseQuote, id, QuoteCommand::Refuse).await
    }
}

async fn change(
    ctx: &Context<'_>,
    id: ID,
    input: QuoteInput,
    revise: bool,
) -> async_graphql::Result<QuoteNode> {
    let actor = actor(ctx)?;
    actor.require_for(if revise {
        Operation::ReviseQuote
    } else {
        Operation::UpdateQuote
    })?;
    let quote_id = quote_uuid(&id)?;
    let draft = input.draft()?;
    let state = state(ctx);
    let receipt = commands::quote::change(
        &state.pool,
        &state.commands,
        &meta(ctx, &actor),
        quote_id,
        draft,
        revise,
    )
    .await
    .map_err(save_error)?;
    state
        .await_projections(&receipt, &[projections::quote::NAME])
        .await?;
    Ok(quote_node(ctx, actor.workspace_id, quote_id).await?)
}

async fn transition(
    ctx: &Context<'_>,
    operation: Operation,
    id: ID,
    command: QuoteCommand,
) -> async_graphql::Result<QuoteNode> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let quote_id = quote_uuid(&id)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .quotes
        .execute(&meta(ctx, &actor), &aggregate_local_id(quote_id), command)
        .await
        .map_err(ApiError::from)?;
    state
        .await_projections(&receipt, &[projections::quote::NAME])
        .await?;
    Ok(quote_node(ctx, actor.workspace_id, quote_id).await?)
}

/// Les réglages des devis de l'atelier.
#[derive(SimpleObject)]
pub struct QuoteSettingsNode {
    /// Modèle de numéro, ex. `DEV-{YYYY}-{NNNN}`.
    pub number_pattern: String,
    pub hourly_rate: Decimal,
    pub powder_margin_pct: Decimal,
    pub labour_margin_pct: Decimal,
    pub primer_price_per_kg: Decimal,
    pub varnish_price_per_kg: Decimal,
    pub validity_days: u16,
    pub deposit_amount: Option<Decimal>,
    pub deposit_percent: Option<Decimal>,
    /// Jours après l'envoi où un devis non signé est rappelé au client (J+2, J+7).
    pub reminder_days: Vec<u16>,
}

#[derive(InputObject)]
pub struct QuoteSettingsInput {
    pub number_pattern: String,
    pub hourly_rate: Decimal,
    pub powder_margin_pct: Decimal,
    pub labour_margin_pct: Decimal,
    pub primer_price_per_kg: Decimal,
    pub varnish_price_per_kg: Decimal,
    pub validity_days: u16,
    pub deposit: Option<DepositInput>,
    /// Relances des devis non signés, en jours après l'envoi (au plus 3) ; inchangées si
    /// absentes, aucune si vide.
    pub reminder_days: Option<Vec<u16>>,
}

impl From<domain::quote::settings::QuoteSettings> for QuoteSettingsNode {
    fn from(settings: domain::quote::settings::QuoteSettings) -> Self {
        let (deposit_amount, deposit_percent) = match settings.deposit {
            Deposit::None => (None, None),
            Deposit::Amount(amount) => (Some(amount), None),
            Deposit::Percent(pct) => (None, Some(pct)),
        };
        Self {
            number_pattern: settings.pattern.as_str().to_owned(),
            hourly_rate: settings.rates.hourly_rate,
            powder_margin_pct: settings.rates.powder_margin_pct,
            labour_margin_pct: settings.rates.labour_margin_pct,
            primer_price_per_kg: settings.rates.primer_price_per_kg,
            varnish_price_per_kg: settings.rates.varnish_price_per_kg,
            validity_days: settings.validity_days,
            deposit_amount,
            deposit_percent,
            reminder_days: settings.reminder_days,
        }
    }
}

async fn settings_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<QuoteSettingsNode, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let settings = projections::quote::settings(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(settings.into())
}

#[derive(Default)]
pub struct QuoteSettingsQuery;

#[Object]
impl QuoteSettingsQuery {
    /// Les réglages des devis (les valeurs par défaut tant qu'ils n'ont pas été changés).
    async fn quote_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<QuoteSettingsNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::QuoteSettings)?;
        Ok(settings_node(ctx, actor.workspace_id).await?)
    }
}

#[derive(Default)]
pub struct QuoteSettingsMutation;

#[Object]
impl QuoteSettingsMutation {
    /// Change le modèle de numéro, les taux, la validité et l'acompte par défaut des
    /// devis. Gérant ou administrateur.
    async fn update_quote_settings(
        &self,
        ctx: &Context<'_>,
        input: QuoteSettingsInput,
    ) -> async_graphql::Result<QuoteSettingsNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateQuoteSettings)?;
        let pattern = domain::quote::numbering::NumberPattern::parse(&input.number_pattern)
            .map_err(|error| ApiError::domain(&error))?;
        let deposit = match input.deposit {
            None => Deposit::None,
            Some(DepositInput {
                amount: Some(amount),
                percent: None,
            }) => Deposit::Amount(amount),
            Some(DepositInput {
                amount: None,
                percent: Some(percent),
            }) => Deposit::Percent(percent),
            Some(DepositInput {
                amount: None,
                percent: None,
            }) => Deposit::None,
            Some(_) => {
                return Err(invalid(
                    "QUOTE_DEPOSIT_INVALID",
                    "l'acompte est un montant ou un pourcentage, pas les deux".to_owned(),
                )
                .into())
            }
        };
        let settings = domain::quote::settings::QuoteSettings {
            pattern,
            rates: domain::quote::pricing::Rates {
                hourly_rate: input.hourly_rate,
                powder_margin_pct: input.powder_margin_pct,
                labour_margin_pct: input.labour_margin_pct,
                primer_price_per_kg: input.primer_price_per_kg,
                varnish_price_per_kg: input.varnish_price_per_kg,
            },
            validity_days: input.validity_days,
            deposit,
            reminder_days: match input.reminder_days {
                Some(days) => days,
                None => settings_node(ctx, actor.workspace_id).await?.reminder_days,
            },
        };
        let state = state(ctx);
        let receipt = state
            .commands
            .quote_settings
            .execute(
                &meta(ctx, &actor),
                domain::quote::settings::AGGREGATE_LOCAL_ID,
                domain::quote::settings::QuoteSettingsCommand::Change(settings),
            )
            .await
            .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::quote::NAME])
            .await?;
        Ok(settings_node(ctx, actor.workspace_id).await?)
    }
}
