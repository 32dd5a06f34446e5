//! Stock per lot and carton format, part of the `powder_stock` projection (same
//! transaction): receptions add to their lot, consumption draws the oldest lots first, and a
//! weighing brings the lots in line with the scale.

use chrono::{DateTime, NaiveDate, Utc};
use domain::powder::draw_first_in_first_out;
use domain::powder::movement::Lot;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LotRow {
    pub powder_key: String,
    /// Empty when the reception gave none.
    pub lot_number: String,
    /// Zero when the reception gave none.
    pub format_kg: Decimal,
    pub received_kg: Decimal,
    pub remaining_kg: Decimal,
    pub expires_on: Option<NaiveDate>,
    pub first_received_at: DateTime<Utc>,
}

pub(crate) async fn receive(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    powder_key: &str,
    kg: Decimal,
    lot: Option<&Lot>,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into powder_lot (workspace_id, powder_key, lot_number, format_kg, received_kg, remaining_kg,
                                 expires_on, first_received_at, updated_at)
         values ($1, $2, $3, $4, $5, $5, $6, $7, $7)
         on conflict (workspace_id, powder_key, lot_number, format_kg) do update
         set received_kg = powder_lot.received_kg + $5, remaining_kg = powder_lot.remaining_kg + $5,
             expires_on = coalesce($6, powder_lot.expires_on), updated_at = $7",
    )
    .bind(workspace_id)
    .bind(powder_key)
    .bind(lot.map_or("", |lot| lot.number.as_str()))
    .bind(lot.and_then(|lot| lot.format_kg).unwrap_or_default())
    .bind(kg)
    .bind(lot.and_then(|lot| lot.expires_on))
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The lots of a powder in the order they are used: the soonest use-by date first, then
/// the oldest reception.
async fn in_use_order(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    powder_key: &str,
) -> Result<Vec<LotRow>, sqlx::Error> {
    sqlx::query_as(
        "select powder_key, lot_number, format_kg, received_kg, remaining_kg, expires_on, first_received_at
         from powder_lot where workspace_id = $1 and powder_key = $2
         order by expires_on nulls last, first_received_at, lot_number, format_kg
         for update",
    )
    .bind(workspace_id)
    .bind(powder_key)
    .fetch_all(conn)
    .await
}

async fn set_remaining(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    lot: &LotRow,
    remaining_kg: Decimal,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update powder_lot set remaining_kg = $5, updated_at = $6
         where workspace_id = $1 and powder_key = $2 and lot_number = $3 and format_kg = $4",
    )
    .bind(workspace_id)
    .bind(&lot.powder_key)
    .bind(&lot.lot_number)
    .bind(lot.format_kg)
    .bind(remaining_kg)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes `kg` from the oldest lots first.
pub(crate) async fn draw(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    powder_key: &str,
    kg: Decimal,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let lots = in_use_order(conn, workspace_id, powder_key).await?;
    let remaining: Vec<Decimal> = lots.iter().map(|lot| lot.remaining_kg).collect();
    let (drawn, _uncovered) = draw_first_in_first_out(&remaining, kg);
    for (lot, taken) in lots.iter().zip(drawn) {
        if taken > Decimal::ZERO {
            set_remaining(conn, workspace_id, lot, lot.remaining_kg - taken, at).await?;
        }
    }
    Ok(())
}

/// The scale is the truth for the powder: less than the lots hold is drawn from the oldest;
/// more goes back to the lot in use (consumption was over-counted, and it is that lot's
/// cartons that were open), or to the last lot when all look empty, or to an unnamed lot of
/// the weighed format when no reception was ever recorded.
pub(crate) async fn reconcile(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    powder_key: &str,
    net_kg: Decimal,
    format_kg: Decimal,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let lots = in_use_order(conn, workspace_id, powder_key).await?;
    let on_record: Decimal = lots
        .iter()
        .map(|lot| lot.remaining_kg.max(Decimal::ZERO))
        .sum();
    if net_kg < on_record {
        return draw(conn, workspace_id, powder_key, on_record - net_kg, at).await;
    }
    let surplus = net_kg - on_record;
    if surplus == Decimal::ZERO {
        return Ok(());
    }
    let in_use = lots
        .iter()
        .find(|lot| lot.remaining_kg > Decimal::ZERO)
        .or(lots.last());
    match in_use {
        Some(lot) => {
            let remaining = lot.remaining_kg.max(Decimal::ZERO) + surplus;
            set_remaining(conn, workspace_id, lot, remaining, at).await
        }
        None => {
            let lot = Lot {
                number: String::new(),
                format_kg: Some(format_kg),
                expires_on: None,
            };
            receive(conn, workspace_id, powder_key, surplus, Some(&lot), at).await
        }
    }
}

/// The lots still holding powder of the given powders, in use order.
pub async fn of_powders(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_keys: &[String],
) -> Result<Vec<LotRow>, sqlx::Error> {
    sqlx::query_as(
        "select powder_key, lot_number, format_kg, received_kg, remaining_kg, expires_on, first_received_at
         from powder_lot
         where workspace_id = $1 and powder_key = any($2) and remaining_kg > 0
         order by powder_key, expires_on nulls last, first_received_at, lot_number, format_kg",
    )
    .bind(workspace_id)
    .bind(powder_keys)
    .fetch_all(executor)
    .await
}
