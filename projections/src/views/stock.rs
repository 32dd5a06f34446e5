//! The powder stock page: each catalogue powder's stock with its reliability score and the
//! lots that still hold powder; the candidates for a weighing list and the day's list.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::powder_lot::{self, LotRow};
use crate::powder_stock::{self, StockRow};
use crate::tenant;

/// One powder's stock as the stock page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PowderStockView {
    pub stock: StockRow,
    /// 0–100; none before the first weighing (`domain::powder::reliability_score`).
    pub reliability: Option<u8>,
    /// Lots still holding powder, in the order to use them.
    pub lots: Vec<LotRow>,
}

/// The reliability score of each of `powder_keys` from its recent weighings (those never
/// weighed have none).
pub async fn reliabilities(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    powder_keys: &[String],
) -> Result<HashMap<String, Option<u8>>, sqlx::Error> {
    let rows = powder_stock::recent_reconciliations(
        conn,
        workspace_id,
        powder_keys,
        domain::powder::RELIABILITY_WINDOW as i64,
    )
    .await?;
    let mut by_powder: HashMap<String, Vec<(Decimal, Decimal)>> = HashMap::new();
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

/// The stock of the catalogue's powders by reference, from the powder after `after`.
pub async fn page(
    pool: &PgPool,
    workspace_id: Uuid,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<PowderStockView>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let rows = powder_stock::list(&mut *tx, workspace_id, after, limit).await?;
    let keys: Vec<String> = rows.iter().map(|row| row.powder_key.clone()).collect();
    // Scores and lots of this page only: a page costs the same with 30 or 3,000 powders.
    let scores = reliabilities(&mut tx, workspace_id, &keys).await?;
    let mut lots: HashMap<String, Vec<LotRow>> = HashMap::new();
    for lot in powder_lot::of_powders(&mut *tx, workspace_id, &keys).await? {
        lots.entry(lot.powder_key.clone()).or_default().push(lot);
    }
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|stock| PowderStockView {
            reliability: scores.get(&stock.powder_key).copied().flatten(),
            lots: lots.remove(&stock.powder_key).unwrap_or_default(),
            stock,
        })
        .collect())
}

/// Every catalogue powder as a candidate for a weighing list: how much it was used since its
/// last weighing, and how reliable its stock has been.
pub async fn weighing_candidates(
    pool: &PgPool,
    workspace_id: Uuid,
) -> Result<Vec<domain::powder::Candidate<String>>, sqlx::Error> {
    let stock = page(pool, workspace_id, None, None).await?;
    Ok(candidates(&stock))
}

fn candidates(stock: &[PowderStockView]) -> Vec<domain::powder::Candidate<String>> {
    stock
        .iter()
        .map(|view| domain::powder::Candidate {
            id: view.stock.powder_key.clone(),
            used_since_weighing_kg: view.stock.used_since_weighing_kg,
            reliability: view.reliability,
        })
        .collect()
}

/// The day's short « à peser » list of `count` powders (the stock settings' size when not
/// given): the most used since their last weighing, the least reliable, and a draw that is
/// stable for the workshop's `today` and different from one day to the next.
pub async fn to_weigh(
    pool: &PgPool,
    workspace_id: Uuid,
    count: Option<u8>,
    today: NaiveDate,
) -> Result<Vec<PowderStockView>, sqlx::Error> {
    let count = match count {
        Some(count) => count,
        None => {
            let mut tx = tenant::begin(pool, workspace_id).await?;
            let settings = powder_stock::settings(&mut *tx, workspace_id).await?;
            tx.commit().await?;
            settings.daily_list_size
        }
    };
    let count = usize::from(count.clamp(1, domain::powder::settings::MAX_DAILY_LIST));
    let stock = page(pool, workspace_id, None, None).await?;
    let seed = workspace_id.as_u64_pair().0
        ^ (today.num_days_from_ce() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let chosen = domain::powder::to_weigh_list(&candidates(&stock), count, seed);
    let mut by_key: HashMap<String, PowderStockView> = stock
        .into_iter()
        .map(|view| (view.stock.powder_key.clone(), view))
        .collect();
    Ok(chosen
        .into_iter()
        .filter_map(|key| by_key.remove(&key))
        .collect())
}

/// The reliability score of one powder, right after a weighing.
pub async fn reliability(
    pool: &PgPool,
    workspace_id: Uuid,
    powder_key: &str,
) -> Result<Option<u8>, sqlx::Error> {
    let mut tx = tenant::begin(pool, workspace_id).await?;
    let scores = reliabilities(&mut tx, workspace_id, &[powder_key.to_owned()]).await?;
    tx.commit().await?;
    Ok(scores.get(powder_key).copied().flatten())
}
