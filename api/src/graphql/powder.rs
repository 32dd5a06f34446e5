//! The powder catalogue: register, update, search.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Datelike, Utc};
use domain::powder::catalogue::{aggregate_local_id, Format, PowderCommand, PowderSpec};
use domain::powder::{Finish, PowderKind};
use domain::Role;
use projections::powder::{self as read_model, PowderRow};
use projections::tenant;
use rust_decimal::Decimal;

use super::{actor, meta, state};
use crate::ApiError;

const EDITORS: &[Role] = &[Role::Owner, Role::Admin];
const READERS: &[Role] = &[Role::Owner, Role::Admin, Role::Operator, Role::Accounting];
const MAX_PAGE: i64 = 100;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PowderKindValue {
    Epoxy,
    Polyester,
    EpoxyPolyester,
    Polyurethane,
    Acrylic,
}

impl From<PowderKindValue> for PowderKind {
    fn from(value: PowderKindValue) -> Self {
        match value {
            PowderKindValue::Epoxy => Self::Epoxy,
            PowderKindValue::Polyester => Self::Polyester,
            PowderKindValue::EpoxyPolyester => Self::EpoxyPolyester,
            PowderKindValue::Polyurethane => Self::Polyurethane,
            PowderKindValue::Acrylic => Self::Acrylic,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum FinishValue {
    Matt,
    Satin,
    Gloss,
    Texture,
    Metallic,
}

impl From<FinishValue> for Finish {
    fn from(value: FinishValue) -> Self {
        match value {
            FinishValue::Matt => Self::Matt,
            FinishValue::Satin => Self::Satin,
            FinishValue::Gloss => Self::Gloss,
            FinishValue::Texture => Self::Texture,
            FinishValue::Metallic => Self::Metallic,
        }
    }
}

impl FinishValue {
    fn stored(self) -> &'static str {
        match self {
            Self::Matt => "matt",
            Self::Satin => "satin",
            Self::Gloss => "gloss",
            Self::Texture => "texture",
            Self::Metallic => "metallic",
        }
    }
}

#[derive(InputObject)]
pub struct FormatInput {
    /// Poids net du carton plein (kg).
    pub kg: Decimal,
    /// Poids du carton vide (kg).
    pub tare_kg: Decimal,
}

/// Une poudre du catalogue.
#[derive(InputObject)]
pub struct PowderInput {
    pub reference: String,
    pub kind: PowderKindValue,
    pub finish: FinishValue,
    pub brand: String,
    pub name: String,
    /// RAL ou autre code couleur.
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    /// Épaisseur conseillée (µm).
    pub thickness_um: Decimal,
    /// Consommation moyenne (kg/m²), sinon calculée avec le rendement de transfert.
    pub consumption_kg_m2: Option<Decimal>,
    /// Part de la poudre projetée qui reste sur la pièce (0 à 1).
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
    pub formats: Vec<FormatInput>,
    pub price_per_kg: Decimal,
}

impl From<PowderInput> for PowderSpec {
    fn from(input: PowderInput) -> Self {
        Self {
            reference: input.reference,
            kind: input.kind.into(),
            finish: input.finish.into(),
            brand: input.brand,
            name: input.name,
            colour: input.colour.filter(|colour| !colour.trim().is_empty()),
            density_g_cm3: input.density_g_cm3,
            thickness_um: input.thickness_um,
            consumption_kg_m2: input.consumption_kg_m2,
            transfer_efficiency: input.transfer_efficiency,
            cure_temperature_c: input.cure_temperature_c,
            cure_minutes: input.cure_minutes,
            formats: input
                .formats
                .into_iter()
                .map(|format| Format {
                    kg: format.kg,
                    tare_kg: format.tare_kg,
                })
                .collect(),
            price_per_kg: input.price_per_kg,
        }
    }
}

#[derive(SimpleObject)]
pub struct FormatNode {
    pub kg: Decimal,
    pub tare_kg: Decimal,
}

/// Une poudre du catalogue de l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Powder")]
pub struct PowderNode {
    pub id: ID,
    pub reference: String,
    pub kind: String,
    pub finish: String,
    pub brand: String,
    pub name: String,
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    pub thickness_um: Decimal,
    pub consumption_kg_m2: Decimal,
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: i32,
    pub cure_minutes: i32,
    pub formats: Vec<FormatNode>,
    pub price_per_kg: Decimal,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PowderRow> for PowderNode {
    fn from(row: PowderRow) -> Self {
        let formats: Vec<Format> = serde_json::from_value(row.formats).unwrap_or_default();
        Self {
            id: ID(row.powder_key),
            reference: row.reference,
            kind: row.kind,
            finish: row.finish,
            brand: row.brand,
            name: row.name,
            colour: row.colour,
            density_g_cm3: row.density_g_cm3,
            thickness_um: row.thickness_um,
            consumption_kg_m2: row.consumption_kg_m2,
            transfer_efficiency: row.transfer_efficiency,
            cure_temperature_c: row.cure_temperature_c,
            cure_minutes: row.cure_minutes,
            formats: formats
                .into_iter()
                .map(|format| FormatNode {
                    kg: format.kg,
                    tare_kg: format.tare_kg,
                })
                .collect(),
            price_per_kg: row.price_per_kg,
            registered_at: row.registered_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Default)]
pub struct PowderQuery;

#[Object]
impl PowderQuery {
    /// Le catalogue, par référence ; recherche dans la référence, le nom et la couleur.
    async fn powders(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        finish: Option<FinishValue>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PowderNode>> {
        let actor = actor(ctx)?;
        actor.require(READERS)?;
        let state = state(ctx);
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let search = search.filter(|text| !text.trim().is_empty());
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let mut rows = read_model::search(
            &mut *tx,
            actor.workspace_id,
            search.as_deref(),
            finish.map(FinishValue::stored),
            after.as_deref(),
            limit + 1,
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for row in rows {
            connection
                .edges
                .push(Edge::new(row.powder_key.clone(), row.into()));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct PowderMutation;

#[Object]
impl PowderMutation {
    /// Ajoute une poudre au catalogue. Gérant ou administrateur.
    async fn register_powder(
        &self,
        ctx: &Context<'_>,
        input: PowderInput,
    ) -> async_graphql::Result<PowderNode> {
        let spec = PowderSpec::from(input);
        send(ctx, spec.clone(), PowderCommand::Register { spec }).await
    }

    /// Met à jour une poudre (même référence, type et finition). Gérant ou administrateur.
    async fn update_powder(
        &self,
        ctx: &Context<'_>,
        input: PowderInput,
    ) -> async_graphql::Result<PowderNode> {
        let spec = PowderSpec::from(input);
        send(ctx, spec.clone(), PowderCommand::Update { spec }).await
    }
}

async fn send(
    ctx: &Context<'_>,
    spec: PowderSpec,
    command: PowderCommand,
) -> async_graphql::Result<PowderNode> {
    let actor = actor(ctx)?;
    actor.require(EDITORS)?;
    let state = state(ctx);
    let identity = spec.identity().map_err(|error| ApiError::domain(&error))?;
    let key = aggregate_local_id(&identity);
    let receipt = state
        .commands
        .powders
        .execute(&meta(ctx, &actor), &key, command)
        .await
        .map_err(ApiError::from)?;
    state
        .await_projections(&receipt, &[read_model::NAME])
        .await?;
    let mut tx = tenant::begin(&state.pool, actor.workspace_id)
        .await
        .map_err(ApiError::from)?;
    let row = read_model::find(&mut *tx, actor.workspace_id, &key)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::internal("registered powder missing from its read model"))?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(row.into())
}

const HANDLERS: &[Role] = &[Role::Owner, Role::Admin, Role::Operator];

/// Le stock d'une poudre.
#[derive(SimpleObject)]
pub struct PowderStockNode {
    pub powder_id: ID,
    pub reference: String,
    /// Réceptions moins consommations depuis la dernière pesée.
    pub theoretical_kg: Decimal,
    /// Dernière quantité pesée.
    pub weighed_kg: Option<Decimal>,
    pub used_since_weighing_kg: Decimal,
    pub last_weighed_at: Option<DateTime<Utc>>,
    /// Score de fiabilité 0–100 ; absent avant la première pesée.
    pub reliability: Option<i32>,
}

/// Une pesée enregistrée.
#[derive(SimpleObject)]
pub struct WeighingNode {
    pub net_kg: Decimal,
    pub theoretical_kg: Decimal,
    /// Pesé moins théorique : négatif quand de la poudre manque.
    pub gap_kg: Decimal,
    pub reliability: Option<i32>,
}

async fn catalogue_row(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    powder_id: &str,
) -> Result<PowderRow, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let row = read_model::find(&mut *tx, workspace_id, powder_id).await?;
    tx.commit().await?;
    row.ok_or_else(|| {
        ApiError::new(
            domain::ErrorKind::NotFound,
            "POWDER_NOT_FOUND",
            "cette poudre n'existe pas",
        )
    })
}

async fn reliabilities(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
) -> Result<std::collections::HashMap<String, Option<u8>>, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = projections::powder_stock::recent_reconciliations(
        &mut *tx,
        workspace_id,
        domain::powder::RELIABILITY_WINDOW as i64,
    )
    .await?;
    tx.commit().await?;
    let mut by_powder: std::collections::HashMap<String, Vec<(Decimal, Decimal)>> =
        Default::default();
    for (powder_key, theoretical, weighed) in rows {
        by_powder
            .entry(powder_key)
            .or_default()
            .push((theoretical, weighed));
    }
    Ok(by_powder
        .into_iter()
        .map(|(key, reconciliations)| (key, domain::powder::reliability_score(&reconciliations)))
        .collect())
}

async fn move_stock(
    ctx: &Context<'_>,
    allowed: &[Role],
    powder_id: &str,
    command: impl FnOnce(String) -> domain::powder::movement::MovementCommand,
) -> Result<(), ApiError> {
    let actor = actor(ctx)?;
    actor.require(allowed)?;
    let row = catalogue_row(ctx, actor.workspace_id, powder_id).await?;
    let state = state(ctx);
    let local_id = domain::powder::movement::aggregate_local_id(&row.powder_key, Utc::now());
    let receipt = state
        .commands
        .powder_movements
        .execute(&meta(ctx, &actor), &local_id, command(row.powder_key))
        .await?;
    state
        .await_projections(&receipt, &[projections::powder_stock::NAME])
        .await
}

/// The stock rows with their reliability score, from the powder after `after`.
async fn stock_nodes(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<PowderStockNode>, ApiError> {
    let state = state(ctx);
    let scores = reliabilities(ctx, workspace_id).await?;
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = projections::powder_stock::list(&mut *tx, workspace_id, after, limit).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| PowderStockNode {
            reliability: scores
                .get(&row.powder_key)
                .copied()
                .flatten()
                .map(i32::from),
            powder_id: ID(row.powder_key),
            reference: row.reference,
            theoretical_kg: row.theoretical_kg,
            weighed_kg: row.weighed_kg,
            used_since_weighing_kg: row.used_since_weighing_kg,
            last_weighed_at: row.last_weighed_at,
        })
        .collect())
}

#[derive(Default)]
pub struct PowderStockQuery;

#[Object]
impl PowderStockQuery {
    /// Le stock des poudres du catalogue par référence, avec leur score de fiabilité.
    async fn powder_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PowderStockNode>> {
        let actor = actor(ctx)?;
        actor.require(READERS)?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut nodes =
            stock_nodes(ctx, actor.workspace_id, after.as_deref(), Some(limit + 1)).await?;
        let has_next = nodes.len() as i64 > limit;
        nodes.truncate(limit as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        for node in nodes {
            connection
                .edges
                .push(Edge::new(node.powder_id.0.clone(), node));
        }
        Ok(connection)
    }

    /// La courte liste du jour « à peser » : les plus utilisées depuis leur dernière pesée,
    /// les moins fiables, et un tirage stable pour la journée.
    async fn to_weigh_today(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Nombre de poudres (3 par défaut)")] count: Option<i32>,
    ) -> async_graphql::Result<Vec<PowderStockNode>> {
        let count = usize::try_from(count.unwrap_or(3).clamp(1, 20)).unwrap_or(3);
        let actor = actor(ctx)?;
        actor.require(READERS)?;
        let stock = stock_nodes(ctx, actor.workspace_id, None, None).await?;
        let candidates: Vec<domain::powder::Candidate<String>> = stock
            .iter()
            .map(|node| domain::powder::Candidate {
                id: node.powder_id.0.clone(),
                used_since_weighing_kg: node.used_since_weighing_kg,
                reliability: node.reliability.and_then(|score| u8::try_from(score).ok()),
            })
            .collect();
        // Stable for the workshop's day (Europe/Paris), different from one day to the next.
        let today = Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive();
        let seed = actor.workspace_id.as_u64_pair().0
            ^ (today.num_days_from_ce() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let chosen = domain::powder::to_weigh_list(&candidates, count, seed);
        let mut by_id: std::collections::HashMap<String, PowderStockNode> = stock
            .into_iter()
            .map(|node| (node.powder_id.0.clone(), node))
            .collect();
        Ok(chosen
            .into_iter()
            .filter_map(|id| by_id.remove(&id))
            .collect())
    }
}

#[derive(Default)]
pub struct PowderStockMutation;

#[Object]
impl PowderStockMutation {
    /// Enregistre une réception de poudre (kg). Gérant ou administrateur.
    async fn receive_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        kg: Decimal,
    ) -> async_graphql::Result<bool> {
        move_stock(ctx, EDITORS, &powder_id, |powder_key| {
            domain::powder::movement::MovementCommand::Receive { powder_key, kg }
        })
        .await?;
        Ok(true)
    }

    /// Enregistre une consommation hors projet (correction, essai). Atelier.
    async fn consume_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        kg: Decimal,
        note: String,
    ) -> async_graphql::Result<bool> {
        move_stock(ctx, HANDLERS, &powder_id, |powder_key| {
            domain::powder::movement::MovementCommand::Consume {
                powder_key,
                kg,
                source: domain::powder::movement::ConsumptionSource::Manual(note),
            }
        })
        .await?;
        Ok(true)
    }

    /// Pèse un carton : poids brut moins la tare du format = poudre restante. Atelier.
    async fn weigh_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        format_kg: Decimal,
        gross_kg: Decimal,
    ) -> async_graphql::Result<WeighingNode> {
        let actor = actor(ctx)?;
        actor.require(HANDLERS)?;
        let row = catalogue_row(ctx, actor.workspace_id, &powder_id).await?;
        let formats: Vec<Format> = serde_json::from_value(row.formats.clone()).unwrap_or_default();
        let tare_kg = formats
            .iter()
            .find(|format| format.kg == format_kg)
            .map(|format| format.tare_kg)
            .ok_or_else(|| {
                ApiError::new(
                    domain::ErrorKind::Validation,
                    "POWDER_FORMAT_UNKNOWN",
                    format!("pas de format de {format_kg} kg pour cette poudre"),
                )
            })?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let theoretical_kg =
            projections::powder_stock::theoretical(&mut *tx, actor.workspace_id, &row.powder_key)
                .await
                .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let net_kg = domain::powder::net_weight(gross_kg, tare_kg)
            .map_err(|error| ApiError::domain(&error))?;
        move_stock(ctx, HANDLERS, &powder_id, |powder_key| {
            domain::powder::movement::MovementCommand::Weigh {
                powder_key,
                format_kg,
                gross_kg,
                tare_kg,
                theoretical_kg,
            }
        })
        .await?;
        let scores = reliabilities(ctx, actor.workspace_id).await?;
        Ok(WeighingNode {
            net_kg,
            theoretical_kg,
            gap_kg: net_kg - theoretical_kg,
            reliability: scores
                .get(&row.powder_key)
                .copied()
                .flatten()
                .map(i32::from),
        })
    }
}

/// Une suggestion d'achat.
#[derive(SimpleObject)]
pub struct ReorderNode {
    pub powder_id: ID,
    pub reference: String,
    pub stock_kg: Decimal,
    /// Consommation des derniers jours de la fenêtre.
    pub consumed_kg: Decimal,
    /// Jours avant rupture au rythme récent ; absent sans consommation.
    pub days_left: Option<i32>,
    /// Quantité conseillée, en cartons entiers du premier format.
    pub quantity_kg: Decimal,
    /// Rupture avant le délai de livraison.
    pub low_stock: bool,
}

#[derive(Default)]
pub struct ReorderQuery;

#[Object]
impl ReorderQuery {
    /// Prévision de rupture et quantités conseillées (docs/powder-stock.md), les plus
    /// urgentes d'abord. Gérant, administrateur ou compta.
    async fn reorder_suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fenêtre d'observation de la consommation (30 jours par défaut)")]
        window_days: Option<u32>,
        #[graphql(desc = "Délai de livraison du fournisseur (7 jours par défaut)")] lead_time_days: Option<u32>,
        #[graphql(desc = "Jours de consommation à couvrir après livraison (30 par défaut)")]
        cover_days: Option<u32>,
    ) -> async_graphql::Result<Vec<ReorderNode>> {
        let actor = actor(ctx)?;
        actor.require(&[Role::Owner, Role::Admin, Role::Accounting])?;
        let (window, lead, cover) = (
            window_days.unwrap_or(30).clamp(1, 365),
            lead_time_days.unwrap_or(7).min(365),
            cover_days.unwrap_or(30).min(365),
        );
        let state = state(ctx);
        let since = Utc::now() - chrono::Duration::days(i64::from(window));
        let consumed: std::collections::HashMap<String, Decimal> =
            projections::powder_stock::consumed_since(&state.pool, actor.workspace_id, since)
                .await
                .map_err(ApiError::from)?
                .into_iter()
                .collect();
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let stock = projections::powder_stock::list(&mut *tx, actor.workspace_id, None, None)
            .await
            .map_err(ApiError::from)?;
        let catalogue = read_model::search(&mut *tx, actor.workspace_id, None, None, None, 10_000)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let format_of: std::collections::HashMap<String, Decimal> = catalogue
            .into_iter()
            .map(|row| {
                let formats: Vec<Format> = serde_json::from_value(row.formats).unwrap_or_default();
                (
                    row.powder_key,
                    formats.first().map(|format| format.kg).unwrap_or_default(),
                )
            })
            .collect();
        let mut suggestions: Vec<ReorderNode> = stock
            .into_iter()
            .map(|row| {
                let used = consumed.get(&row.powder_key).copied().unwrap_or_default();
                let format = format_of.get(&row.powder_key).copied().unwrap_or_default();
                let plan =
                    domain::powder::reorder(row.theoretical_kg, used, window, lead, cover, format);
                ReorderNode {
                    powder_id: ID(row.powder_key),
                    reference: row.reference,
                    stock_kg: row.theoretical_kg,
                    consumed_kg: used,
                    days_left: plan
                        .days_left
                        .map(|days| i32::try_from(days).unwrap_or(i32::MAX)),
                    quantity_kg: plan.quantity_kg,
                    low_stock: plan.low_stock,
                }
            })
            .collect();
        suggestions.sort_by_key(|node| (node.days_left.is_none(), node.days_left));
        Ok(suggestions)
    }
}

/// Un inventaire partiel et son avancement.
#[derive(SimpleObject)]
pub struct InventoryNode {
    pub id: ID,
    pub name: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    /// Les poudres ciblées.
    pub powder_ids: Vec<ID>,
    /// Combien ont été pesées pendant la période.
    pub weighed: i32,
    pub total: i32,
    /// Somme des écarts (pesé − théorique) des poudres pesées, kg.
    pub gap_kg: Decimal,
    pub planned_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<projections::inventory::InventoryRow> for InventoryNode {
    fn from(row: projections::inventory::InventoryRow) -> Self {
        Self {
            id: ID(row.inventory_id.to_string()),
            name: row.name,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            total: i32::try_from(row.powder_keys.len()).unwrap_or(i32::MAX),
            powder_ids: row.powder_keys.into_iter().map(ID).collect(),
            weighed: i32::try_from(row.weighed).unwrap_or(i32::MAX),
            gap_kg: row.gap_kg,
            planned_at: row.planned_at,
            closed_at: row.closed_at,
        }
    }
}

async fn inventory_rows(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    selection: projections::inventory::Selection,
) -> Result<Vec<projections::inventory::InventoryRow>, ApiError> {
    let state = state(ctx);
    let mut tx = tenant::begin(&state.pool, workspace_id).await?;
    let rows = projections::inventory::list(&mut *tx, workspace_id, selection).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One inventory as its read model shows it, right after a command was projected.
async fn inventory_node(
    ctx: &Context<'_>,
    workspace_id: uuid::Uuid,
    inventory_id: uuid::Uuid,
) -> async_graphql::Result<InventoryNode> {
    inventory_rows(
        ctx,
        workspace_id,
        projections::inventory::Selection::One(inventory_id),
    )
    .await?
    .into_iter()
    .next()
    .map(InventoryNode::from)
    .ok_or_else(|| ApiError::internal("inventory missing from its read model").into())
}

/// Reads a `time|uuid` keyset cursor, the shape of the lists ordered newest first.
fn time_cursor(cursor: &str) -> Result<(DateTime<Utc>, uuid::Uuid), ApiError> {
    let invalid = || {
        ApiError::new(
            domain::ErrorKind::Validation,
            "CURSOR_INVALID",
            "curseur de pagination invalide",
        )
    };
    let (at, id) = cursor.split_once('|').ok_or_else(invalid)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| invalid())?
        .with_timezone(&Utc);
    Ok((at, uuid::Uuid::parse_str(id).map_err(|_| invalid())?))
}

#[derive(Default)]
pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    /// Les inventaires partiels, du plus récent au plus ancien.
    async fn inventories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, InventoryNode>> {
        let actor = actor(ctx)?;
        actor.require(READERS)?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let mut rows = inventory_rows(
            ctx,
            actor.workspace_id,
            projections::inventory::Selection::Page {
                before,
                limit: limit + 1,
            },
        )
        .await?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for row in rows {
            let cursor = format!("{}|{}", row.planned_at.to_rfc3339(), row.inventory_id);
            connection.edges.push(Edge::new(cursor, row.into()));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct InventoryMutation;

#[Object]
impl InventoryMutation {
    /// Planifie un inventaire partiel : une période et une liste ciblée (les plus utilisées,
    /// les moins fiables, un tirage). L'atelier continue de tourner. Gérant ou administrateur.
    async fn plan_inventory(
        &self,
        ctx: &Context<'_>,
        name: String,
        starts_on: chrono::NaiveDate,
        ends_on: chrono::NaiveDate,
        #[graphql(desc = "Nombre de poudres ciblées (10 par défaut)")] size: Option<i32>,
    ) -> async_graphql::Result<InventoryNode> {
        let actor = actor(ctx)?;
        actor.require(EDITORS)?;
        let size = usize::try_from(size.unwrap_or(10).clamp(1, 200)).unwrap_or(10);
        let stock = stock_nodes(ctx, actor.workspace_id, None, None).await?;
        let candidates: Vec<domain::powder::Candidate<String>> = stock
            .iter()
            .map(|node| domain::powder::Candidate {
                id: node.powder_id.0.clone(),
                used_since_weighing_kg: node.used_since_weighing_kg,
                reliability: node.reliability.and_then(|score| u8::try_from(score).ok()),
            })
            .collect();
        let inventory_id = uuid::Uuid::now_v7();
        let powder_keys =
            domain::powder::to_weigh_list(&candidates, size, inventory_id.as_u64_pair().1);
        let state = state(ctx);
        let receipt = state
            .commands
            .inventories
            .execute(
                &meta(ctx, &actor),
                &domain::powder::inventory::aggregate_local_id(inventory_id),
                domain::powder::inventory::InventoryCommand::Plan {
                    inventory_id,
                    name,
                    starts_on,
                    ends_on,
                    powder_keys,
                },
            )
            .await
            .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::inventory::NAME])
            .await?;
        inventory_node(ctx, actor.workspace_id, inventory_id).await
    }

    /// Clôt un inventaire. Gérant ou administrateur.
    async fn close_inventory(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InventoryNode> {
        let actor = actor(ctx)?;
        actor.require(EDITORS)?;
        let inventory_id = uuid::Uuid::parse_str(&id).map_err(|_| {
            ApiError::domain(&domain::powder::inventory::InventoryError::NotPlanned)
        })?;
        let state = state(ctx);
        let receipt = state
            .commands
            .inventories
            .execute(
                &meta(ctx, &actor),
                &domain::powder::inventory::aggregate_local_id(inventory_id),
                domain::powder::inventory::InventoryCommand::Close,
            )
            .await
            .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::inventory::NAME])
            .await?;
        inventory_node(ctx, actor.workspace_id, inventory_id).await
    }
}

/// Ce qu'un import a fait d'une ligne.
#[derive(SimpleObject)]
pub struct ImportLine {
    pub reference: String,
    /// `created`, `updated` (les champs changés sont dans le journal) ou `unchanged`.
    pub outcome: String,
}

#[derive(SimpleObject)]
pub struct ImportReport {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub lines: Vec<ImportLine>,
}

#[derive(Default)]
pub struct PowderImportMutation;

#[Object]
impl PowderImportMutation {
    /// Importe un catalogue fournisseur en CSV (format : docs/api.md). Tout le fichier est
    /// vérifié avant d'écrire : une ligne fausse refuse le fichier et dit où. Une poudre déjà
    /// présente est mise à jour, les champs changés sont consignés. Gérant ou administrateur.
    async fn import_powders(
        &self,
        ctx: &Context<'_>,
        csv: String,
    ) -> async_graphql::Result<ImportReport> {
        let actor = actor(ctx)?;
        actor.require(EDITORS)?;
        let specs =
            commands::powder_import::parse_csv(&csv).map_err(|error| ApiError::domain(&error))?;
        Ok(apply_specs(ctx, &actor, specs).await?)
    }

    /// Importe (ou met à jour) tout le catalogue du fournisseur depuis son export
    /// (`SUPPLIER_CATALOGUE_URL`, forme d'un export webservice PrestaShop). Gérant ou
    /// administrateur.
    async fn import_supplier_catalogue(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ImportReport> {
        let actor = actor(ctx)?;
        actor.require(EDITORS)?;
        let export = fetch_supplier(ctx, None).await?;
        let specs = commands::powder_import::from_supplier(&export)
            .map_err(|error| ApiError::domain(&error))?;
        Ok(apply_specs(ctx, &actor, specs).await?)
    }
}

/// Registers new powders and updates known ones; only infrastructure failures stop midway,
/// validation happened before.
async fn apply_specs(
    ctx: &Context<'_>,
    actor: &crate::auth::Actor,
    specs: Vec<PowderSpec>,
) -> Result<ImportReport, ApiError> {
    let state = state(ctx);
    let meta = meta(ctx, actor);
    let mut report = ImportReport {
        created: 0,
        updated: 0,
        unchanged: 0,
        lines: Vec::with_capacity(specs.len()),
    };
    let mut last = None;
    for spec in specs {
        let identity = spec.identity().map_err(|error| ApiError::domain(&error))?;
        let key = aggregate_local_id(&identity);
        let registered = state
            .commands
            .powders
            .execute(&meta, &key, PowderCommand::Register { spec: spec.clone() })
            .await;
        let (receipt, outcome) = match registered {
            Ok(receipt) => (receipt, "created"),
            Err(commands::CommandError::Rejected(
                domain::powder::catalogue::PowderError::AlreadyRegistered,
            )) => {
                let receipt = state
                    .commands
                    .powders
                    .execute(&meta, &key, PowderCommand::Update { spec })
                    .await?;
                let outcome = if receipt.event_count > 0 {
                    "updated"
                } else {
                    "unchanged"
                };
                (receipt, outcome)
            }
            Err(error) => return Err(error.into()),
        };
        match outcome {
            "created" => report.created += 1,
            "updated" => report.updated += 1,
            _ => report.unchanged += 1,
        }
        report.lines.push(ImportLine {
            reference: identity.reference().to_owned(),
            outcome: outcome.to_owned(),
        });
        if receipt.position.is_some() {
            last = Some(receipt);
        }
    }
    if let Some(receipt) = last {
        state
            .await_projections(&receipt, &[read_model::NAME])
            .await?;
    }
    Ok(report)
}

/// The supplier's export, whole or for one reference (PrestaShop webservice filters).
async fn fetch_supplier(
    ctx: &Context<'_>,
    reference: Option<&str>,
) -> Result<commands::powder_import::SupplierExport, ApiError> {
    let state = state(ctx);
    let base = state.supplier_catalogue_url.as_deref().ok_or_else(|| {
        ApiError::new(
            domain::ErrorKind::Validation,
            "SUPPLIER_NOT_CONFIGURED",
            "aucun catalogue fournisseur n'est configuré sur cette plateforme",
        )
    })?;
    let mut params = vec![
        ("display", "full".to_owned()),
        ("output_format", "JSON".to_owned()),
    ];
    if let Some(reference) = reference {
        params.push(("filter[reference]", format!("[{}]", reference.trim())));
    }
    let url = reqwest::Url::parse_with_params(base, &params).map_err(ApiError::internal)?;
    let response = reqwest::Client::new()
        .get(url)
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .map_err(|error| {
            ApiError::new(
                domain::ErrorKind::Internal,
                "SUPPLIER_UNREACHABLE",
                format!("le catalogue du fournisseur ne répond pas : {error}"),
            )
        })?;
    if !response.status().is_success() {
        return Err(ApiError::new(
            domain::ErrorKind::Internal,
            "SUPPLIER_UNREACHABLE",
            format!(
                "le catalogue du fournisseur a répondu {}",
                response.status()
            ),
        ));
    }
    response.json().await.map_err(|error| {
        ApiError::new(
            domain::ErrorKind::Validation,
            "SUPPLIER_EXPORT_INVALID",
            format!("export du fournisseur illisible : {error}"),
        )
    })
}

/// Les champs d'une poudre trouvée chez le fournisseur, pour remplir le formulaire.
#[derive(SimpleObject)]
pub struct SupplierPowder {
    pub reference: String,
    pub kind: String,
    pub finish: String,
    pub brand: String,
    pub name: String,
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    pub thickness_um: Decimal,
    pub consumption_kg_m2: Option<Decimal>,
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: i32,
    pub cure_minutes: i32,
    pub formats: Vec<FormatNode>,
    pub price_per_kg: Decimal,
}

#[derive(Default)]
pub struct SupplierQuery;

#[Object]
impl SupplierQuery {
    /// Cherche une référence Thermopoudre chez le fournisseur et rend ses champs pour
    /// remplir le formulaire (rien n'est enregistré). Gérant ou administrateur.
    async fn lookup_supplier_powder(
        &self,
        ctx: &Context<'_>,
        reference: String,
    ) -> async_graphql::Result<SupplierPowder> {
        let actor = actor(ctx)?;
        actor.require(EDITORS)?;
        // References are compared normalised (trimmed, upper case), here as in the catalogue.
        let wanted = reference
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        let export = fetch_supplier(ctx, Some(&wanted)).await?;
        let specs = commands::powder_import::from_supplier(&export)
            .map_err(|error| ApiError::domain(&error))?;
        let spec = specs
            .into_iter()
            .find(|spec| spec.reference == wanted)
            .ok_or_else(|| {
                ApiError::new(
                    domain::ErrorKind::NotFound,
                    "SUPPLIER_POWDER_NOT_FOUND",
                    "référence inconnue chez le fournisseur",
                )
            })?;
        let words = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        Ok(SupplierPowder {
            kind: words(serde_json::to_value(spec.kind).unwrap_or_default()),
            finish: words(serde_json::to_value(spec.finish).unwrap_or_default()),
            reference: spec.reference,
            brand: spec.brand,
            name: spec.name,
            colour: spec.colour,
            density_g_cm3: spec.density_g_cm3,
            thickness_um: spec.thickness_um,
            consumption_kg_m2: spec.consumption_kg_m2,
            transfer_efficiency: spec.transfer_efficiency,
            cure_temperature_c: i32::from(spec.cure_temperature_c),
            cure_minutes: i32::from(spec.cure_minutes),
            formats: spec
                .formats
                .into_iter()
                .map(|format| FormatNode {
                    kg: format.kg,
                    tare_kg: format.tare_kg,
                })
                .collect(),
            price_per_kg: spec.price_per_kg,
        })
    }
}

/// Une pesée de l'historique.
#[derive(SimpleObject)]
pub struct WeighingEntry {
    pub weighed_at: DateTime<Utc>,
    /// Qui a pesé (compte).
    pub weighed_by: Option<ID>,
    pub format_kg: Decimal,
    pub gross_kg: Decimal,
    pub tare_kg: Decimal,
    pub net_kg: Decimal,
    pub theoretical_kg: Decimal,
    pub gap_kg: Decimal,
}

#[derive(Default)]
pub struct WeighingQuery;

#[Object]
impl WeighingQuery {
    /// L'historique des pesées d'une poudre, de la plus récente à la plus ancienne.
    async fn powder_weighings(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, WeighingEntry>> {
        let actor = actor(ctx)?;
        actor.require(READERS)?;
        let row = catalogue_row(ctx, actor.workspace_id, &powder_id).await?;
        let before = after.as_deref().map(time_cursor).transpose()?;
        let limit = i64::from(first.unwrap_or(50)).clamp(1, MAX_PAGE);
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let mut rows = projections::powder_stock::weighings(
            &mut *tx,
            actor.workspace_id,
            &row.powder_key,
            before,
            limit + 1,
        )
        .await
        .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let has_next = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let mut connection = Connection::new(before.is_some(), has_next);
        for weighing in rows {
            let cursor = format!("{}|{}", weighing.weighed_at.to_rfc3339(), weighing.event_id);
            connection.edges.push(Edge::new(
                cursor,
                WeighingEntry {
                    weighed_at: weighing.weighed_at,
                    weighed_by: weighing.weighed_by.map(|id| ID(id.to_string())),
                    format_kg: weighing.format_kg,
                    gross_kg: weighing.gross_kg,
                    tare_kg: weighing.tare_kg,
                    net_kg: weighing.net_kg,
                    theoretical_kg: weighing.theoretical_kg,
                    gap_kg: weighing.gap_kg,
                },
            ));
        }
        Ok(connection)
    }
}
