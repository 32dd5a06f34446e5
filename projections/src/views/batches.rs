//! The oven planner's views: a batch with its totals, the recommended batches with the
//! stock they need, a batch's packing on the oven's bars, and the cure order.

use chrono::NaiveDate;
use domain::batch::cure_order::{cure_order, temperature_changes, CureSlot};
use domain::batch::key::BatchKey;
use domain::batch::lifecycle::Member;
use domain::batch::oven::OvenSettings;
use domain::batch::packing::{pack, svg, Item, Packing};
use domain::batch::recommend::{recommend, Recommendation, Waiting};
use domain::project::lifecycle::Priority;
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use super::unreadable;
use crate::oven_batch::{self, BatchRow};
use crate::{powder_stock, project, tenant};

/// A batch (série) as its screen shows it: its key, its members and their totals.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchView {
    pub row: BatchRow,
    pub key: BatchKey,
    pub members: Vec<Member>,
    /// Physical parts: the lines' quantities added up.
    pub part_count: u32,
    pub surface_m2: Decimal,
    /// Powder estimated for one coat of the whole batch, kg.
    pub powder_kg: Decimal,
    pub earliest_promised_on: Option<NaiveDate>,
    pub urgent: bool,
}

impl BatchView {
    pub fn of(row: BatchRow) -> Result<Self, sqlx::Error> {
        let key = row
            .key()
            .ok_or_else(|| unreadable(format!("batch {} has no key", row.batch_id)))?;
        let members = row.members();
        Ok(Self {
            part_count: members.iter().map(|member| member.part.quantity).sum(),
            surface_m2: members.iter().map(|member| member.part.surface_m2).sum(),
            powder_kg: members.iter().map(|member| member.part.powder_kg).sum(),
            earliest_promised_on: members.iter().filter_map(|member| member.promised_on).min(),
            urgent: members.iter().any(|member| member.urgent),
            key,
            members,
            row,
        })
    }
}

/// One batch, if the workshop has it.
pub async fn batch(
    pool: &PgPool,
    workspace_id: Uuid,
    batch_id: Uuid,
) -> Result<Option<BatchView>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let row = oven_batch::find(&mut *tx, workspace_id, batch_id).await?;
    tx.commit().await?;
    row.map(BatchView::of).transpose()
}

/// Batches in `statuses` (all when empty), newest first.
pub async fn batches(
    pool: &PgPool,
    workspace_id: Uuid,
    statuses: &[String],
    limit: i64,
    offset: i64,
) -> Result<Vec<BatchView>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let rows = oven_batch::list(&mut *tx, workspace_id, statuses, limit, offset).await?;
    tx.commit().await?;
    rows.into_iter().map(BatchView::of).collect()
}

/// A recommended batch and whether the stock covers it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendedBatch {
    pub recommendation: Recommendation,
    /// The powder's theoretical stock, kg.
    pub stock_kg: Decimal,
    /// The batch needs more powder than the theoretical stock holds.
    pub short_of_powder: bool,
}

/// The batches the projects waiting at the coating step make: urgent first, then by
/// promised date (`domain::batch::recommend`), each with its powder's stock.
pub async fn recommendations(
    pool: &PgPool,
    workspace_id: Uuid,
) -> Result<Vec<RecommendedBatch>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let waiting: Vec<Waiting> = project::at_coating(&mut *tx, workspace_id)
        .await?
        .into_iter()
        .map(|row| Waiting {
            parts: row.parts(),
            project_id: row.project_id,
            number: row.number,
            promised_on: row.promised_on,
            priority: if row.priority == "urgent" {
                Priority::Urgent
            } else {
                Priority::Normal
            },
        })
        .collect();
    let mut recommended = Vec::new();
    for recommendation in recommend(&waiting) {
        let powder_key = domain::powder::catalogue::aggregate_local_id(&recommendation.key.powder);
        let stock_kg = powder_stock::theoretical(&mut *tx, workspace_id, &powder_key).await?;
        recommended.push(RecommendedBatch {
            short_of_powder: recommendation.powder_kg > stock_kg,
            stock_kg,
            recommendation,
        });
    }
    tx.commit().await?;
    Ok(recommended)
}

/// The workshop's oven, the default until it set its own.
pub async fn oven(pool: &PgPool, workspace_id: Uuid) -> Result<OvenSettings, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let settings = oven_batch::oven(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(settings)
}

/// One placed or unplaced physical part: the line's code and which of its copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartCopy {
    pub code: String,
    /// 1 for the first of the line's `quantity` parts.
    pub copy: u32,
}

impl PartCopy {
    /// `PX-0001-2 (3)`: how the drawing and the lists name it.
    pub fn label(&self) -> String {
        format!("{} ({})", self.code, self.copy)
    }
}

/// A batch's suggested load on the oven's bars.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPacking {
    pub settings: OvenSettings,
    pub packing: Packing,
    /// The part copy of each packing item, by item id.
    pub copies: Vec<PartCopy>,
    /// Lines whose quote gave no size: placed by hand.
    pub without_size: Vec<String>,
    /// The load, bar by bar (SVG).
    pub svg: String,
}

impl BatchPacking {
    pub fn copy(&self, item: usize) -> &PartCopy {
        &self.copies[item]
    }
}

/// Every physical part with a size is an item; the others are listed to place by hand.
pub fn pack_members(settings: OvenSettings, members: &[Member]) -> BatchPacking {
    let mut copies = Vec::new();
    let mut items = Vec::new();
    let mut without_size = Vec::new();
    for member in members {
        let Some(size) = member.part.size else {
            without_size.push(member.part.code.clone());
            continue;
        };
        for copy in 1..=member.part.quantity {
            items.push(Item {
                id: copies.len(),
                width_mm: size.length_mm,
                height_mm: size.width_mm,
            });
            copies.push(PartCopy {
                code: member.part.code.clone(),
                copy,
            });
        }
    }
    let packing = pack(&settings.oven, &items);
    let svg = svg(&settings.oven, &packing, |id| copies[id].label());
    BatchPacking {
        settings,
        packing,
        copies,
        without_size,
        svg,
    }
}

/// The packing of one batch on the workshop's oven, if the workshop has the batch.
pub async fn packing(
    pool: &PgPool,
    workspace_id: Uuid,
    batch_id: Uuid,
) -> Result<Option<BatchPacking>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let row = oven_batch::find(&mut *tx, workspace_id, batch_id).await?;
    let settings = oven_batch::oven(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(row.map(|row| pack_members(settings, &row.members())))
}

/// The open batches in the suggested cure order.
#[derive(Debug, Clone, PartialEq)]
pub struct CureOrder {
    pub batches: Vec<BatchView>,
    /// Changes of the oven's temperature in this order.
    pub temperature_changes: u32,
}

/// The open batches (draft or launched) by urgency, one rise or fall of temperature per
/// temperature of the day (`domain::batch::cure_order`).
pub async fn cure_order_of_open(
    pool: &PgPool,
    workspace_id: Uuid,
) -> Result<CureOrder, sqlx::Error> {
    let open = ["draft".to_owned(), "launched".to_owned()];
    let batches = batches(pool, workspace_id, &open, 500, 0).await?;
    let slots: Vec<CureSlot> = batches
        .iter()
        .map(|batch| CureSlot {
            cure_temperature_c: batch.key.cure_temperature_c,
            urgent: batch.urgent,
            earliest_promised_on: batch.earliest_promised_on,
        })
        .collect();
    let order = cure_order(&slots);
    let changes = temperature_changes(&slots, &order) as u32;
    let mut batches: Vec<Option<BatchView>> = batches.into_iter().map(Some).collect();
    Ok(CureOrder {
        batches: order
            .into_iter()
            .filter_map(|index| batches[index].take())
            .collect(),
        temperature_changes: changes,
    })
}
