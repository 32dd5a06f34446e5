//! The batch resource's GraphQL types: recommendations, the oven, a batch (*série*) and its
//! parts, the packing on the oven's bars, the cure order; their mapping from the views of
//! `projections::views::batches` and the parsing of inputs.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use commands::oven_batch::Selection;
use domain::batch::lifecycle::Member;
use domain::batch::oven::OvenSettings;
use domain::batch::packing::Oven;
use domain::ErrorKind;
use projections::views::batches::{BatchPacking, BatchView, CureOrder, RecommendedBatch};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ApiError;

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
    pub(super) fn stored(self) -> &'static str {
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

/// The parts chosen, project by project: at least one project, each id readable.
pub(super) fn selection(parts: Vec<BatchPartsInput>) -> Result<Vec<Selection>, ApiError> {
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

impl From<OvenInput> for OvenSettings {
    fn from(input: OvenInput) -> Self {
        Self {
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
        }
    }
}

impl From<CureOrder> for CureOrderNode {
    fn from(order: CureOrder) -> Self {
        Self {
            batches: order.batches.into_iter().map(BatchNode::from).collect(),
            temperature_changes: order.temperature_changes,
        }
    }
}
