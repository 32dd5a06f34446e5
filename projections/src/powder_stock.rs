//! The `powder_stock` read model: theoretical and weighed stock per powder, and the history
//! of weighings that feeds the reliability score.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::powder::movement::MovementEvent;
use domain::powder::settings::{StockSettings, StockSettingsEvent};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "powder_stock";

pub struct PowderStockProjection;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StockRow {
    pub powder_key: String,
    pub reference: String,
    pub theoretical_kg: Decimal,
    pub weighed_kg: Option<Decimal>,
    pub used_since_weighing_kg: Decimal,
    pub last_weighed_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl Projection for PowderStockProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "powder_weighing",
            "powder_stock",
            "powder_stock_settings",
            "powder_lot",
        ]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            MovementEvent::RECEIVED,
            MovementEvent::CONSUMED,
            MovementEvent::WEIGHED,
            StockSettingsEvent::CHANGED,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            let workspace_id = event.workspace_id;
            if event.event_type == StockSettingsEvent::CHANGED {
                let StockSettingsEvent::Changed {
                    settings,
                    changed_at,
                } = event.payload()?;
                save_settings(&mut *conn, workspace_id, settings, changed_at).await?;
                continue;
            }
            match event.payload()? {
                MovementEvent::Received {
                    powder_key,
                    kg,
                    lot,
                    received_at,
                } => {
                    crate::powder_lot::receive(
                        &mut *conn,
                        workspace_id,
                        &powder_key,
                        kg,
                        lot.as_ref(),
                        received_at,
                    )
                    .await?;
                    sqlx::query(
                        "insert into powder_stock (workspace_id, powder_key, theoretical_kg, updated_at)
                         values ($1, $2, $3, $4)
                         on conflict (workspace_id, powder_key) do update
                         set theoretical_kg = powder_stock.theoretical_kg + excluded.theoretical_kg,
                             updated_at = excluded.updated_at",
                    )
                    .bind(workspace_id)
                    .bind(powder_key)
                    .bind(kg)
                    .bind(received_at)
                    .execute(&mut *conn)
                    .await?;
                }
                MovementEvent::Consumed {
                    powder_key,
                    kg,
                    consumed_at,
                    ..
                } => {
                    crate::powder_lot::draw(&mut *conn, workspace_id, &powder_key, kg, consumed_at)
                        .await?;
                    sqlx::query(
                        "insert into powder_stock (workspace_id, powder_key, theoretical_kg, used_since_weighing_kg, updated_at)
                         values ($1, $2, -$3, $3, $4)
                         on conflict (workspace_id, powder_key) do update
                         set theoretical_kg = powder_stock.theoretical_kg - $3,
                             used_since_weighing_kg = powder_stock.used_since_weighing_kg + $3,
                             updated_at = excluded.updated_at",
                    )
                    .bind(workspace_id)
                    .bind(powder_key)
                    .bind(kg)
                    .bind(consumed_at)
                    .execute(&mut *conn)
                    .await?;
                }
                MovementEvent::Weighed {
                    powder_key,
                    format_kg,
                    gross_kg,
                    tare_kg,
                    net_kg,
                    theoretical_kg,
                    gap_kg,
                    weighed_at,
                } => {
                    crate::powder_lot::reconcile(
                        &mut *conn,
                        workspace_id,
                        &powder_key,
                        net_kg,
                        format_kg,
                        weighed_at,
                    )
                    .await?;
                    // The scale is the truth: theory restarts from what was weighed.
                    sqlx::query(
                        "insert into powder_stock (workspace_id, powder_key, theoretical_kg, weighed_kg,
                                                   used_since_weighing_kg, last_weighed_at, updated_at)
                         values ($1, $2, $3, $3, 0, $4, $4)
                         on conflict (workspace_id, powder_key) do update
                         set theoretical_kg = $3, weighed_kg = $3, used_since_weighing_kg = 0,
                             last_weighed_at = $4, updated_at = $4",
                    )
                    .bind(workspace_id)
                    .bind(&powder_key)
                    .bind(net_kg)
                    .bind(weighed_at)
                    .execute(&mut *conn)
                    .await?;
                    let weighed_by = event
                        .meta(domain::meta::ACTOR_ID)
                        .and_then(|id| Uuid::parse_str(&id).ok());
                    sqlx::query(
                        "insert into powder_weighing (workspace_id, event_id, powder_key, format_kg, gross_kg, tare_kg,
                                                      net_kg, theoretical_kg, gap_kg, weighed_by, weighed_at)
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                         on conflict do nothing",
                    )
                    .bind(workspace_id)
                    .bind(event.event_id)
                    .bind(&powder_key)
                    .bind(format_kg)
                    .bind(gross_kg)
                    .bind(tare_kg)
                    .bind(net_kg)
                    .bind(theoretical_kg)
                    .bind(gap_kg)
                    .bind(weighed_by)
                    .bind(weighed_at)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// Stock of the catalogued powders, archived ones left out (zero for those never moved), by reference, from the one
/// after the `after` powder key; `limit` none reads to the end (the daily list needs them all).
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<StockRow>, sqlx::Error> {
    sqlx::query_as(
        "select p.powder_key, p.reference, coalesce(s.theoretical_kg, 0) as theoretical_kg, s.weighed_kg,
                coalesce(s.used_since_weighing_kg, 0) as used_since_weighing_kg, s.last_weighed_at
         from powder p
         left join powder_stock s on s.workspace_id = p.workspace_id and s.powder_key = p.powder_key
         where p.workspace_id = $1 and p.archived_at is null
           and ($2::text is null or (p.reference, p.powder_key) >
                (select c.reference, c.powder_key from powder c where c.workspace_id = $1 and c.powder_key = $2))
         order by p.reference, p.powder_key
         limit $3",
    )
    .bind(workspace_id)
    .bind(after)
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// The theoretical stock of one powder before a weighing.
pub async fn theoretical(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_key: &str,
) -> Result<Decimal, sqlx::Error> {
    let value: Option<Decimal> = sqlx::query_scalar(
        "select theoretical_kg from powder_stock where workspace_id = $1 and powder_key = $2",
    )
    .bind(workspace_id)
    .bind(powder_key)
    .fetch_optional(executor)
    .await?;
    Ok(value.unwrap_or_default())
}

/// The recent reconciliations (theoretical, weighed) of the given powders, newest first, at
/// most `per_powder` each: what the reliability score is computed from.
pub async fn recent_reconciliations(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_keys: &[String],
    per_powder: i64,
) -> Result<Vec<(String, Decimal, Decimal)>, sqlx::Error> {
    sqlx::query_as(
        "select powder_key, theoretical_kg, net_kg from (
           select powder_key, theoretical_kg, net_kg, weighed_at,
                  row_number() over (partition by powder_key order by weighed_at desc) as rank
           from powder_weighing where workspace_id = $1 and powder_key = any($2)) recent
         where rank <= $3
         order by powder_key, weighed_at desc",
    )
    .bind(workspace_id)
    .bind(powder_keys)
    .bind(per_powder)
    .fetch_all(executor)
    .await
}

/// Kilograms consumed per powder since `since`, read from the log: the recent rate that
/// reorder suggestions extrapolate.
pub async fn consumed_since(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<(String, Decimal)>, sqlx::Error> {
    let events = crate::feed::read_workspace_since(
        executor,
        workspace_id,
        &[MovementEvent::CONSUMED],
        since,
    )
    .await?;
    let mut consumed: std::collections::BTreeMap<String, Decimal> = Default::default();
    for event in &events {
        let payload = event
            .payload::<MovementEvent>()
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        if let MovementEvent::Consumed { powder_key, kg, .. } = payload {
            // The domain bounds each movement's kilograms: no realistic sum overflows, and
            // one that did would saturate rather than stop the forecast.
            let total = consumed.entry(powder_key).or_default();
            *total = total.checked_add(kg).unwrap_or(Decimal::MAX);
        }
    }
    Ok(consumed.into_iter().collect())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WeighingRow {
    pub event_id: Uuid,
    pub powder_key: String,
    pub format_kg: Decimal,
    pub gross_kg: Decimal,
    pub tare_kg: Decimal,
    pub net_kg: Decimal,
    pub theoretical_kg: Decimal,
    pub gap_kg: Decimal,
    pub weighed_by: Option<Uuid>,
    pub weighed_at: DateTime<Utc>,
}

/// A powder's weighings, newest first, before the cursor `(weighed_at, event_id)`.
pub async fn weighings(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    powder_key: &str,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<WeighingRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    sqlx::query_as(
        "select event_id, powder_key, format_kg, gross_kg, tare_kg, net_kg, theoretical_kg, gap_kg, weighed_by, weighed_at
         from powder_weighing
         where workspace_id = $1 and powder_key = $2
           and ($3::timestamptz is null or (weighed_at, event_id) < ($3, $4))
         order by weighed_at desc, event_id desc
         limit $5",
    )
    .bind(workspace_id)
    .bind(powder_key)
    .bind(before_at)
    .bind(before_id)
    .bind(limit)
    .fetch_all(executor)
    .await
}

async fn save_settings(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    settings: StockSettings,
    changed_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into powder_stock_settings (workspace_id, daily_list_size, window_days, lead_time_days,
                                            cover_days, low_stock_alerts, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (workspace_id) do update
         set daily_list_size = $2, window_days = $3, lead_time_days = $4, cover_days = $5,
             low_stock_alerts = $6, updated_at = $7",
    )
    .bind(workspace_id)
    .bind(i16::from(settings.daily_list_size))
    .bind(settings.window_days as i16)
    .bind(settings.lead_time_days as i16)
    .bind(settings.cover_days as i16)
    .bind(settings.low_stock_alerts)
    .bind(changed_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The workshop's stock settings, the defaults until it changed them.
pub async fn settings(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<StockSettings, sqlx::Error> {
    let row: Option<(i16, i16, i16, i16, bool)> = sqlx::query_as(
        "select daily_list_size, window_days, lead_time_days, cover_days, low_stock_alerts
         from powder_stock_settings where workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(executor)
    .await?;
    // Values were validated by the aggregate before they reached the table.
    Ok(row.map_or_else(
        StockSettings::default,
        |(size, window, lead, cover, alerts)| StockSettings {
            daily_list_size: u8::try_from(size).unwrap_or(u8::MAX),
            window_days: window.unsigned_abs(),
            lead_time_days: lead.unsigned_abs(),
            cover_days: cover.unsigned_abs(),
            low_stock_alerts: alerts,
        },
    ))
}
