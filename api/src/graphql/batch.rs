//! Batches over GraphQL (spec §5.5): the recommended loads, the oven, the batches (séries)
//! from draft to closed, the packing of a batch on the oven's bars (coordinates and an SVG
//! drawing), and the day's cure order.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use commands::oven_batch::{BatchSaveError, Selection};
use domain::batch::lifecycle::Member;
use domain::batch::oven::{OvenCommand, OvenSettings};
use domain::batch::packing::Oven;
use domain::ErrorKind;
use projections::views::batches::{self as views, BatchPacking, BatchView, RecommendedBatch};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

const MAX_PAGE: i32 = 100;

#[derive(SimpleObject)]
pub struct BatchProject {
    pub id: ID,
    pub number: String,
}

/// Une série conseillée : des pièces à la clé strictement identique.
#[derive(SimpleObject)]
pub struct BatchRecommendation {
    pub powder_reference: String,
    pub powder_kind: String,
    pub finish: String,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
    pub projects: Vec<BatchProject>,
    /// Pièces physiques (quantités additionnées).
    pub parts: u32,
    pub surface_m2: Decimal,
    /// Poudre que prend une couche de toute la série, kg.
    pub powder_kg: Decimal,
    /// Stock théorique de la poudre, kg.
    pub stock_kg: Decimal,
    /// Le stock ne suffit pas pour cette série.
    pub short_of_powder: bool,
    pub earliest_promised_on: Option<NaiveDate>,
    pub urgent: bool,
}

impl From<RecommendedBatch> for BatchRecommendation {
    fn from(view: RecommendedBatch) -> Self {
        let batch = view.recommendation;
        Self {
            powder_reference: batch.key.powder.reference().to_owned(),
            powder_kind: text(&batch.key.powder.kind()),
            finish: text(&batch.key.powder.finish()),
            coats: batch.key.coats,
            primer: batch.key.primer,
            varnish: batch.key.varnish,
            cure_temperature_c: batch.key.cure_temperature_c,
            cure_minutes: batch.key.cure_minutes,
            projects: batch
                .projects
                .into_iter()
                .map(|(id, number)| BatchProject {
                    id: ID(id.to_string()),
                    number,
                })
                .collect(),
            parts: batch.parts,
            surface_m2: batch.surface_m2,
            powder_kg: batch.powder_kg,
            stock_kg: view.stock_kg,
            short_of_powder: view.short_of_powder,
            earliest_promised_on: batch.earliest_promised_on,
            urgent: batch.urgent,
        }
    }
}

fn text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Le four de l'atelier, en millimètres.
#[derive(SimpleObject)]
pub struct OvenNode {
    /// Profondeur utile : les barres s'y suivent.
    pub length_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
    /// Entraxe des barres (ou niveaux).
    pub bar_spacing_mm: u32,
    /// Écart minimal entre deux pièces.
    pub gap_mm: u32,
    /// Marge de sécurité le long des parois, du sol et du plafond.
    pub margin_mm: u32,
    /// Place que prend le crochet au-dessus de la pièce.
    pub hook_mm: u32,
    /// Charge maximale, kg (affichée : les pièces ne portent pas encore de poids).
    pub max_load_kg: Option<Decimal>,
    /// Barres que la profondeur accueille.
    pub bars: u32,
}

impl From<OvenSettings> for OvenNode {
    fn from(settings: OvenSettings) -> Self {
        let oven = settings.oven;
        Self {
            bars: oven.bars(),
            length_mm: oven.length_mm,
            width_mm: oven.width_mm,
            height_mm: oven.height_mm,
            bar_spacing_mm: oven.bar_spacing_mm,
            gap_mm: oven.gap_mm,
            margin_mm: oven.margin_mm,
            hook_mm: oven.hook_mm,
            max_load_kg: settings.max_load_kg,
        }
    }
}

#[derive(InputObject)]
pub struct OvenInput {
    pub length_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
    pub bar_spacing_mm: u32,
    pub gap_mm: u32,
    pub margin_mm: u32,
    #[graphql(default)]
    pub hook_mm: u32,
    pub max_load_kg: Option<Decimal>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum BatchStatusValue {
    /// En préparation : on ajoute et retire des pièces.
    Draft,
    /// Lancée : les pièces sont en poudrage.
    Launched,
    /// Clôturée : poudrage validé, poudre sortie du stock.
    Closed,
}

impl BatchStatusValue {
    fn stored(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Launched => "launched",
            Self::Closed => "closed",
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            "launched" => Self::Launched,
            "closed" => Self::Closed,
            _ => Self::Draft,
        }
    }
}

/// Une ligne de pièces d'un projet dans la série (toute la quantité).
#[derive(SimpleObject)]
pub struct BatchPartNode {
    pub project_id: ID,
    pub project_number: String,
    pub code: String,
    pub description: String,
    pub quantity: u32,
    pub surface_m2: Decimal,
    pub powder_kg: Decimal,
    /// Dimensions d'une pièce, si le devis les donnait.
    pub length_mm: Option<u32>,
    pub width_mm: Option<u32>,
    pub promised_on: Option<NaiveDate>,
    pub urgent: bool,
}

impl From<&Member> for BatchPartNode {
    fn from(member: &Member) -> Self {
        Self {
            project_id: ID(member.project_id.to_string()),
            project_number: member.project_number.clone(),
            code: member.part.code.clone(),
            description: member.part.description.clone(),
            quantity: member.part.quantity,
            surface_m2: member.part.surface_m2,
            powder_kg: member.part.powder_kg,
            length_mm: member.part.size.map(|size| size.length_mm),
            width_mm: member.part.size.map(|size| size.width_mm),
            promised_on: member.promised_on,
            urgent: member.urgent,
        }
    }
}

/// Une série de cuisson : sa clé stricte, ses pièces, son état.
#[derive(SimpleObject)]
pub struct BatchNode {
    pub id: ID,
    /// `S26-0012`.
    pub number: String,
    pub status: BatchStatusValue,
    pub powder_reference: String,
    pub powder_kind: String,
    pub finish: String,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
    pub parts: Vec<BatchPartNode>,
    /// Pièces physiques (quantités additionnées).
    pub part_count: u32,
    pub surface_m2: Decimal,
    /// Poudre estimée pour une couche de toute la série, kg.
    pub powder_kg: Decimal,
    /// Poudre sortie du stock à la clôture, kg.
    pub powder_kg_used: Option<Decimal>,
    pub earliest_promised_on: Option<NaiveDate>,
    pub urgent: bool,
    pub created_at: DateTime<Utc>,
    pub launched_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Étiquettes de la série (PDF), avec le jeton de session.
    pub labels_url: String,
}

impl From<BatchView> for BatchNode {
    fn from(view: BatchView) -> Self {
        let BatchView {
            row, key, members, ..
        } = &view;
        Self {
            labels_url: format!("/api/v1/batches/{}/labels.pdf", row.batch_id),
            id: ID(row.batch_id.to_string()),
            number: row.number.clone(),
            status: BatchStatusValue::of(&row.status),
            powder_reference: key.powder.reference().to_owned(),
            powder_kind: text(&key.powder.kind()),
            finish: text(&key.powder.finish()),
            coats: key.coats,
            primer: key.primer,
            varnish: key.varnish,
            cure_temperature_c: key.cure_temperature_c,
            cure_minutes: key.cure_minutes,
            part_count: view.part_count,
            surface_m2: view.surface_m2,
            powder_kg: view.powder_kg,
            powder_kg_used: row.powder_kg_used,
            earliest_promised_on: view.earliest_promised_on,
            urgent: view.urgent,
            parts: members.iter().map(BatchPartNode::from).collect(),
            created_at: row.created_at,
            launched_at: row.launched_at,
            closed_at: row.closed_at,
        }
    }
}

/// Une pièce placée sur une barre (millimètres, depuis le coin haut-gauche de la zone utile).
#[derive(SimpleObject)]
pub struct PlacementNode {
    pub code: String,
    /// Laquelle des `quantity` pièces de la ligne (1, 2…).
    pub copy: u32,
    /// 0 pour la première barre.
    pub bar: u32,
    pub x_mm: u32,
    pub y_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
    /// Pièce tournée d'un quart de tour.
    pub rotated: bool,
}

/// Suggestion de chargement du four pour une série.
#[derive(SimpleObject)]
pub struct PackingNode {
    pub oven: OvenNode,
    pub placements: Vec<PlacementNode>,
    pub bars_available: u32,
    pub bars_used: u32,
    /// Surface des pièces sur celle des barres utilisées, de 0 à 1.
    pub fill_rate: f64,
    /// Aucun chargement ne peut utiliser moins de barres.
    pub lower_bound_bars: u32,
    /// Trop grandes pour le four, même tournées.
    pub too_large: Vec<String>,
    /// Les barres sont pleines : à mettre dans une autre fournée.
    pub next_load: Vec<String>,
    /// Sans dimensions au devis : à placer à la main.
    pub without_size: Vec<String>,
    /// Le plan de chargement, barre par barre.
    pub svg: String,
}

/// L'ordre de cuisson conseillé des séries ouvertes.
#[derive(SimpleObject)]
pub struct CureOrderNode {
    pub batches: Vec<BatchNode>,
    /// Changements de température du four dans cet ordre.
    pub temperature_changes: u32,
}

#[derive(InputObject)]
pub struct BatchPartsInput {
    pub project_id: ID,
    /// Rangs des pièces (1, 2…) ; toutes les pièces à poudrer du projet si absent.
    pub ranks: Option<Vec<u16>>,
}

fn not_found() -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "BATCH_NOT_FOUND",
        "cette série n'existe pas",
    )
}

fn batch_uuid(id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

fn selection(parts: Vec<BatchPartsInput>) -> Result<Vec<Selection>, ApiError> {
    if parts.is_empty() {
        return Err(ApiError::new(
            ErrorKind::Validation,
            "BATCH_NO_PARTS",
            "choisissez au moins un projet",
        ));
    }
    parts
        .into_iter()
        .map(|input| {
            let project_id = Uuid::parse_str(&input.project_id).map_err(|_| {
                ApiError::new(
                    ErrorKind::NotFound,
                    "PROJECT_NOT_FOUND",
                    "ce projet n'existe pas",
                )
            })?;
            Ok(Selection {
                project_id,
                ranks: input.ranks,
            })
        })
        .collect()
}

fn save_error(error: BatchSaveError) -> ApiError {
    match error {
        BatchSaveError::Batch(error) => ApiError::from(error),
        BatchSaveError::Project(error) => ApiError::from(error),
        BatchSaveError::Database(error) => ApiError::from(error),
        BatchSaveError::Commit(commands::AppendError::Conflict) => {
            ApiError::domain(&BatchSaveError::Commit(commands::AppendError::Conflict))
        }
        BatchSaveError::Commit(error) => ApiError::internal(error.to_string()),
        refused => ApiError::domain(&refused),
    }
}

async fn batch_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    batch_id: Uuid,
) -> Result<BatchNode, ApiError> {
    views::batch(&state(ctx).pool, workspace_id, batch_id)
        .await?
        .map(BatchNode::from)
        .ok_or_else(not_found)
}

impl From<BatchPacking> for PackingNode {
    fn from(view: BatchPacking) -> Self {
        let packing = &view.packing;
        let name = |id: &usize| view.copy(*id).label();
        PackingNode {
            placements: packing
                .placements
                .iter()
                .map(|placement| {
                    let copy = view.copy(placement.item);
                    PlacementNode {
                        code: copy.code.clone(),
                        copy: copy.copy,
                        bar: placement.bar,
                        x_mm: placement.x_mm,
                        y_mm: placement.y_mm,
                        width_mm: placement.width_mm,
                        height_mm: placement.height_mm,
                        rotated: placement.rotated,
                    }
                })
                .collect(),
            bars_available: packing.bars_available,
            bars_used: packing.bars_used,
            fill_rate: packing.fill_rate,
            lower_bound_bars: packing.lower_bound_bars,
            too_large: packing.too_large.iter().map(name).collect(),
            next_load: packing.next_load.iter().map(name).collect(),
            without_size: view.without_size.clone(),
            svg: view.svg.clone(),
            oven: view.settings.into(),
        }
    }
}

#[derive(Default)]
pub struct BatchQuery;

#[Object]
impl BatchQuery {
    /// Les séries conseillées : urgentes d'abord, puis par date promise.
    async fn batch_recommendations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<BatchRecommendation>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::BatchRecommendations)?;
        let recommended = views::recommendations(&state(ctx).pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        Ok(recommended
            .into_iter()
            .map(BatchRecommendation::from)
            .collect())
    }

    /// Le four de l'atelier (un four type tant qu'il n'est pas réglé).
    async fn oven(&self, ctx: &Context<'_>) -> async_graphql::Result<OvenNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Oven)?;
        let settings = views::oven(&state(ctx).pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        Ok(settings.into())
    }

    /// Les séries, les plus récentes d'abord ; filtrées par état si demandé.
    async fn batches(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<BatchStatusValue>>,
        #[graphql(default = 50)] first: i32,
        #[graphql(default = 0)] offset: i32,
    ) -> async_graphql::Result<Vec<BatchNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Batches)?;
        let statuses: Vec<String> = status
            .unwrap_or_default()
            .into_iter()
            .map(|status| status.stored().to_owned())
            .collect();
        let batches = views::batches(
            &state(ctx).pool,
            actor.workspace_id,
            &statuses,
            i64::from(first.clamp(1, MAX_PAGE)),
            i64::from(offset.max(0)),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(batches.into_iter().map(BatchNode::from).collect())
    }

    /// La fiche d'une série.
    async fn batch(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<BatchNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Batch)?;
        Ok(batch_node(ctx, actor.workspace_id, batch_uuid(&id)?).await?)
    }

    /// Le chargement conseillé d'une série sur les barres du four : coordonnées et dessin.
    async fn batch_packing(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<PackingNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::BatchPacking)?;
        let packing = views::packing(&state(ctx).pool, actor.workspace_id, batch_uuid(&id)?)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(not_found)?;
        Ok(packing.into())
    }

    /// L'ordre de cuisson conseillé des séries ouvertes : par urgence, une seule montée ou
    /// descente de température par température de la journée.
    async fn cure_order(&self, ctx: &Context<'_>) -> async_graphql::Result<CureOrderNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CureOrder)?;
        let order = views::cure_order_of_open(&state(ctx).pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        Ok(CureOrderNode {
            batches: order.batches.into_iter().map(BatchNode::from).collect(),
            temperature_changes: order.temperature_changes,
        })
    }
}

#[derive(Default)]
pub struct BatchMutation;

#[Object]
impl BatchMutation {
    /// Règle le four de l'atelier. Gérant ou administrateur.
    async fn update_oven(
        &self,
        ctx: &Context<'_>,
        input: OvenInput,
    ) -> async_graphql::Result<OvenNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UpdateOven)?;
        let settings = OvenSettings {
            oven: Oven {
                length_mm: input.length_mm,
                width_mm: input.width_mm,
                height_mm: input.height_mm,
                bar_spacing_mm: input.bar_spacing_mm,
                gap_mm: input.gap_mm,
                margin_mm: input.margin_mm,
                hook_mm: input.hook_mm,
            },
            max_load_kg: input.max_load_kg,
        };
        let state = state(ctx);
        let receipt = state
            .commands
            .ovens
            .execute(
                &meta(ctx, &actor),
                domain::batch::oven::AGGREGATE_LOCAL_ID,
                OvenCommand::Change(settings),
            )
            .await
            .map_err(ApiError::from)?;
        state
            .await_projections(&receipt, &[projections::oven_batch::NAME])
            .await?;
        let settings = views::oven(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        Ok(settings.into())
    }

    /// Crée une série avec des pièces : la clé stricte est celle de la première.
    async fn create_batch(
        &self,
        ctx: &Context<'_>,
        parts: Vec<BatchPartsInput>,
    ) -> async_graphql::Result<BatchNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CreateBatch)?;
        let selection = selection(parts)?;
        let state = state(ctx);
        let (batch_id, _, receipt) = commands::oven_batch::create(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            selection,
        )
        .await
        .map_err(save_error)?;
        state
            .await_batch(&receipt, &[projections::oven_batch::NAME])
            .await?;
        Ok(batch_node(ctx, actor.workspace_id, batch_id).await?)
    }

    /// Ajoute des pièces à une série en préparation (même clé stricte).
    async fn add_to_batch(
        &self,
        ctx: &Context<'_>,
        batch_id: ID,
        parts: Vec<BatchPartsInput>,
    ) -> async_graphql::Result<BatchNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::AddToBatch)?;
        let batch_id = batch_uuid(&batch_id)?;
        let selection = selection(parts)?;
        let state = state(ctx);
        let receipt = commands::oven_batch::add(
            &state.pool,
            &state.commands,
            &meta(ctx, &actor),
            batch_id,
            selection,
        )
        .await
        .map_err(save_error)?;
        state
            .await_batch(&receipt, &[projections::oven_batch::NAME])
            .await?;
        Ok(batch_node(ctx, actor.workspace_id, batch_id).await?)
    }

    /// Retire des pièces (par code, `P26-0042-2`) d'une série en préparation.
    async fn remove_from_batch(
        &self,
        ctx: &Context<'_>,
        batch_id: ID,
        codes: Vec<String>,
    ) -> async_graphql::Result<BatchNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::RemoveFromBatch)?;
        let batch_id = batch_uuid(&batch_id)?;
        let state = state(ctx);
        let receipt =
            commands::oven_batch::remove(&state.commands, &meta(ctx, &actor), batch_id, codes)
                .await
                .map_err(save_error)?;
        state
            .await_batch(&receipt, &[projections::oven_batch::NAME])
            .await?;
        Ok(batch_node(ctx, actor.workspace_id, batch_id).await?)
    }

    /// Lance la série : ses pièces partent au poudrage.
    async fn launch_batch(
        &self,
        ctx: &Context<'_>,
        batch_id: ID,
    ) -> async_graphql::Result<BatchNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::LaunchBatch)?;
        let batch = batch_node(ctx, actor.workspace_id, batch_uuid(&batch_id)?).await?;
        let batch_id = batch_uuid(&batch.id)?;
        let state = state(ctx);
        let receipt = commands::oven_batch::launch(
            &state.commands,
            &meta(ctx, &actor),
            batch_id,
            &batch.number,
        )
        .await
        .map_err(save_error)?;
        state
            .await_batch(
                &receipt,
                &[projections::oven_batch::NAME, projections::project::NAME],
            )
            .await?;
        Ok(batch_node(ctx, actor.workspace_id, batch_id).await?)
    }

    /// Clôture la série : le poudrage de ses pièces est validé et sa poudre sort du stock,
    /// une fois.
    async fn close_batch(
        &self,
        ctx: &Context<'_>,
        batch_id: ID,
    ) -> async_graphql::Result<BatchNode> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CloseBatch)?;
        let batch_id = batch_uuid(&batch_id)?;
        let state = state(ctx);
        let receipt = commands::oven_batch::close(&state.commands, &meta(ctx, &actor), batch_id)
            .await
            .map_err(save_error)?;
        state
            .await_batch(
                &receipt,
                &[
                    projections::oven_batch::NAME,
                    projections::project::NAME,
                    projections::powder_stock::NAME,
                ],
            )
            .await?;
        Ok(batch_node(ctx, actor.workspace_id, batch_id).await?)
    }
}
