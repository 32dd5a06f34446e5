//! The powder catalogue: register, update, search.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::powder::catalogue::{aggregate_local_id, Format, PowderCommand, PowderSpec};
use domain::powder::{Finish, PowderKind};
use projections::powder::{self as read_model, PowderRow};
use projections::tenant;
use rust_decimal::Decimal;

use super::*;
use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

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
    /// Archivée : hors des listes du catalogue, du stock et des achats ; l'historique reste.
    pub archived_at: Option<DateTime<Utc>>,
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
            archived_at: row.archived_at,
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
        #[graphql(desc = "Inclure les poudres archivées (non par défaut)")]
        include_archived: Option<bool>,
        #[graphql(desc = "Taille de la page (50 par défaut)")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PowderNode>> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::Powders)?;
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
            include_archived.unwrap_or(false),
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
        send(
            ctx,
            Operation::RegisterPowder,
            &key_of(&spec)?,
            PowderCommand::Register { spec },
        )
        .await
    }

    /// Met à jour une poudre (même référence, type et finition). Gérant ou administrateur.
    async fn update_powder(
        &self,
        ctx: &Context<'_>,
        input: PowderInput,
    ) -> async_graphql::Result<PowderNode> {
        let spec = PowderSpec::from(input);
        send(
            ctx,
            Operation::UpdatePowder,
            &key_of(&spec)?,
            PowderCommand::Update { spec },
        )
        .await
    }

    /// Archive une poudre : elle sort du catalogue, du stock, de la liste du jour et des
    /// suggestions d'achat ; ses pesées et les projets qui l'ont utilisée restent. C'est la
    /// suppression du catalogue (l'historique ne s'efface pas). Gérant ou administrateur.
    async fn archive_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
    ) -> async_graphql::Result<PowderNode> {
        send(
            ctx,
            Operation::ArchivePowder,
            &powder_id,
            PowderCommand::Archive,
        )
        .await
    }

    /// Remet une poudre archivée au catalogue. Gérant ou administrateur.
    async fn restore_powder(
        &self,
        ctx: &Context<'_>,
        powder_id: ID,
    ) -> async_graphql::Result<PowderNode> {
        send(
            ctx,
            Operation::RestorePowder,
            &powder_id,
            PowderCommand::Restore,
        )
        .await
    }
}

fn key_of(spec: &PowderSpec) -> Result<String, ApiError> {
    let identity = spec.identity().map_err(|error| ApiError::domain(&error))?;
    Ok(aggregate_local_id(&identity))
}

async fn send(
    ctx: &Context<'_>,
    operation: Operation,
    key: &str,
    command: PowderCommand,
) -> async_graphql::Result<PowderNode> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .powders
        .execute(&meta(ctx, &actor), key, command)
        .await
        .map_err(ApiError::from)?;
    state
        .await_projections(&receipt, &[read_model::NAME])
        .await?;
    let mut tx = tenant::begin(&state.pool, actor.workspace_id)
        .await
        .map_err(ApiError::from)?;
    let row = read_model::find(&mut *tx, actor.workspace_id, key)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::internal("registered powder missing from its read model"))?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(row.into())
}
