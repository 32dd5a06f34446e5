//! The `plan_catalogue` read model (ADR 0014): prices and features by the day they apply
//! from, the features' switches, the trial's length, and the history of changes. Platform
//! tables: only the platform workspace's catalogue events feed them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::platform::catalogue::{CatalogueEvent, Priced, Prices};
use domain::platform::entitlements::{Flag, Terms};
use domain::platform::{is_platform, Feature};
use domain::workspace::Plan;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "plan_catalogue";

/// The seed applies since always.
const SINCE_ALWAYS: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => panic!("2000-01-01 is a date"),
};

pub struct PlanCatalogueProjection;

#[async_trait]
impl Projection for PlanCatalogueProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "plan_price",
            "plan_feature",
            "feature_flag",
            "platform_setting",
            "catalogue_change",
        ]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &CatalogueEvent::ALL
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        // The editor changes the catalogue a few times a year: one statement per fact.
        for event in events {
            if !is_platform(event.workspace_id) || !event.aggregate_id.ends_with("/catalogue") {
                // Only the platform writes its catalogue; anything else is not ours to show.
                continue;
            }
            apply_one(conn, event).await?;
        }
        Ok(())
    }
}

async fn apply_one(conn: &mut PgConnection, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let actor: Option<Uuid> = event
        .meta(domain::meta::ACTOR_ID)
        .and_then(|id| id.parse().ok());
    match event.payload::<CatalogueEvent>()? {
        CatalogueEvent::Seeded {
            prices,
            features,
            trial_days,
            seeded_at,
        } => {
            for entry in prices {
                upsert_price(conn, entry.item, entry.prices, SINCE_ALWAYS, seeded_at).await?;
            }
            for entry in features {
                upsert_feature(conn, entry.feature, entry.plan, SINCE_ALWAYS, seeded_at).await?;
            }
            set_trial_days(conn, trial_days, seeded_at).await?;
        }
        CatalogueEvent::PriceChanged {
            item,
            before,
            after,
            announced_at,
            applies_from,
        } => {
            upsert_price(conn, item, after, applies_from, announced_at).await?;
            let change = Change {
                kind: "price",
                subject: item.key(),
                before: before.map(|prices| serde_json::json!(prices)),
                after: serde_json::json!(after),
                applies_from: Some(applies_from),
                at: announced_at,
            };
            record(conn, event, actor, change).await?;
        }
        CatalogueEvent::FeatureMoved {
            feature,
            from,
            to,
            announced_at,
            applies_from,
        } => {
            upsert_feature(conn, feature, to, applies_from, announced_at).await?;
            let change = Change {
                kind: "feature",
                subject: feature.as_str().to_owned(),
                before: from.map(|plan| serde_json::json!(plan.as_str())),
                after: serde_json::json!(to.as_str()),
                applies_from: Some(applies_from),
                at: announced_at,
            };
            record(conn, event, actor, change).await?;
        }
        CatalogueEvent::TrialLengthSet {
            before,
            after,
            set_at,
        } => {
            set_trial_days(conn, after, set_at).await?;
            let change = Change {
                kind: "trial",
                subject: "trial_days".to_owned(),
                before: Some(serde_json::json!(before)),
                after: serde_json::json!(after),
                applies_from: None,
                at: set_at,
            };
            record(conn, event, actor, change).await?;
        }
        CatalogueEvent::RolloutSet {
            feature,
            before,
            after,
            set_at,
        } => {
            sqlx::query(
                "insert into feature_flag (feature, percent, killed, updated_at) values ($1, $2, false, $3)
                 on conflict (feature) do update set percent = excluded.percent, updated_at = excluded.updated_at",
            )
            .bind(feature.as_str())
            .bind(i16::from(after))
            .bind(set_at)
            .execute(&mut *conn)
            .await?;
            let change = Change {
                kind: "rollout",
                subject: feature.as_str().to_owned(),
                before: Some(serde_json::json!(before)),
                after: serde_json::json!(after),
                applies_from: None,
                at: set_at,
            };
            record(conn, event, actor, change).await?;
        }
        CatalogueEvent::KillSwitchSet {
            feature,
            killed,
            set_at,
        } => {
            sqlx::query(
                "insert into feature_flag (feature, percent, killed, updated_at) values ($1, 100, $2, $3)
                 on conflict (feature) do update set killed = excluded.killed, updated_at = excluded.updated_at",
            )
            .bind(feature.as_str())
            .bind(killed)
            .bind(set_at)
            .execute(&mut *conn)
            .await?;
            let change = Change {
                kind: "kill_switch",
                subject: feature.as_str().to_owned(),
                before: Some(serde_json::json!(!killed)),
                after: serde_json::json!(killed),
                applies_from: None,
                at: set_at,
            };
            record(conn, event, actor, change).await?;
        }
    }
    Ok(())
}

async fn upsert_price(
    conn: &mut PgConnection,
    item: Priced,
    prices: Prices,
    applies_from: NaiveDate,
    announced_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // A second announcement for the same day replaces the first: the later one is the deal.
    sqlx::query(
        "insert into plan_price (item, applies_from, monthly_ht, yearly_ht, announced_at)
         values ($1, $2, $3, $4, $5)
         on conflict (item, applies_from) do update set monthly_ht = excluded.monthly_ht,
           yearly_ht = excluded.yearly_ht, announced_at = excluded.announced_at",
    )
    .bind(item.key())
    .bind(applies_from)
    .bind(prices.monthly_ht)
    .bind(prices.yearly_ht)
    .bind(announced_at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_feature(
    conn: &mut PgConnection,
    feature: Feature,
    plan: Plan,
    applies_from: NaiveDate,
    announced_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into plan_feature (feature, applies_from, plan, announced_at) values ($1, $2, $3, $4)
         on conflict (feature, applies_from) do update set plan = excluded.plan,
           announced_at = excluded.announced_at",
    )
    .bind(feature.as_str())
    .bind(applies_from)
    .bind(plan.as_str())
    .bind(announced_at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_trial_days(
    conn: &mut PgConnection,
    days: u32,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into platform_setting (singleton, trial_days, updated_at) values (true, $1, $2)
         on conflict (singleton) do update set trial_days = excluded.trial_days, updated_at = excluded.updated_at",
    )
    .bind(i32::try_from(days).unwrap_or(i32::MAX))
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

struct Change {
    kind: &'static str,
    subject: String,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
    applies_from: Option<NaiveDate>,
    at: DateTime<Utc>,
}

async fn record(
    conn: &mut PgConnection,
    event: &RecordedEvent,
    actor: Option<Uuid>,
    change: Change,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into catalogue_change (event_id, global_position, kind, subject, before, after,
           actor_id, changed_at, applies_from)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (event_id) do nothing",
    )
    .bind(event.event_id)
    .bind(event.position.global_position)
    .bind(change.kind)
    .bind(change.subject)
    .bind(change.before)
    .bind(change.after)
    .bind(actor)
    .bind(change.at)
    .bind(change.applies_from)
    .execute(conn)
    .await?;
    Ok(())
}

/// The catalogue's terms for a period starting on `day`: each feature's plan as announced
/// for that day, and the switches as they are now.
pub async fn terms(executor: impl PgExecutor<'_>, day: NaiveDate) -> Result<Terms, sqlx::Error> {
    let rows: Vec<TermRow> = sqlx::query_as(TERMS_SQL)
        .bind(day)
        .fetch_all(executor)
        .await?;
    Ok(terms_from(rows))
}

/// One row per feature: its plan on the day `$1` (null when none), its switches. The
/// caller's read (`member::caller`) embeds it with its own parameter.
macro_rules! terms_select {
    ($day:literal) => {
        concat!(
            "select coalesce(p.feature, f.feature) as feature, p.plan, f.percent, f.killed
             from (select distinct on (feature) feature, plan from plan_feature
                   where applies_from <= ",
            $day,
            " order by feature, applies_from desc) p
             full join feature_flag f on f.feature = p.feature"
        )
    };
}
pub(crate) use terms_select;

const TERMS_SQL: &str = terms_select!("$1");

/// A row of [`terms_select`]: a feature, its plan, its rollout percentage, its kill switch.
pub(crate) type TermRow = (String, Option<String>, Option<i16>, Option<bool>);

pub(crate) fn terms_from(rows: Vec<TermRow>) -> Terms {
    let mut terms = Terms::default();
    for (feature, plan, percent, killed) in rows {
        let Some(feature) = Feature::parse(&feature) else {
            continue;
        };
        terms.set_plan(feature, plan.as_deref().and_then(Plan::parse));
        let default = Flag::default();
        terms.set_flag(
            feature,
            Flag {
                percent: percent
                    .and_then(|p| u8::try_from(p).ok())
                    .unwrap_or(default.percent),
                killed: killed.unwrap_or(default.killed),
            },
        );
    }
    terms
}

/// An item's prices for a period starting on `day`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    pub item: Priced,
    pub monthly_ht: Decimal,
    pub yearly_ht: Decimal,
    pub applies_from: NaiveDate,
}

/// Every item's prices for a period starting on `day`, and those announced after it.
pub async fn prices(
    executor: impl PgExecutor<'_>,
    day: NaiveDate,
) -> Result<Vec<PriceRow>, sqlx::Error> {
    let rows: Vec<(String, Decimal, Decimal, NaiveDate)> = sqlx::query_as(
        "select item, monthly_ht, yearly_ht, applies_from from plan_price p
         where applies_from > $1 or applies_from = (select max(applies_from) from plan_price q
                                                     where q.item = p.item and q.applies_from <= $1)
         order by item, applies_from",
    )
    .bind(day)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(item, monthly_ht, yearly_ht, applies_from)| {
            Some(PriceRow {
                item: Priced::parse_key(&item)?,
                monthly_ht,
                yearly_ht,
                applies_from,
            })
        })
        .collect())
}

/// The trial new workshops get; the default until the catalogue is projected.
pub async fn trial_days(executor: impl PgExecutor<'_>) -> Result<u32, sqlx::Error> {
    let days: Option<i32> = sqlx::query_scalar("select trial_days from platform_setting")
        .fetch_optional(executor)
        .await?;
    Ok(days
        .and_then(|days| u32::try_from(days).ok())
        .unwrap_or(domain::platform::catalogue::DEFAULT_TRIAL_DAYS))
}

/// One change of the catalogue, newest first.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ChangeRow {
    pub event_id: Uuid,
    pub kind: String,
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: serde_json::Value,
    pub actor_id: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
    pub applies_from: Option<NaiveDate>,
}

pub async fn history(
    executor: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<ChangeRow>, sqlx::Error> {
    sqlx::query_as(
        "select event_id, kind, subject, before, after, actor_id, changed_at, applies_from
         from catalogue_change order by global_position desc limit $1",
    )
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// A feature's plan from a day on, as announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureStep {
    pub feature: Feature,
    pub plan: Plan,
    pub applies_from: NaiveDate,
}

/// What the editor's catalogue screen shows (and « Mon abonnement » of a workshop): prices
/// and feature plans for a period starting on `day` with what is announced after it, the
/// switches, the trial.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueView {
    pub day: NaiveDate,
    pub trial_days: u32,
    pub prices: Vec<PriceRow>,
    pub features: Vec<FeatureStep>,
    pub terms: Terms,
}

pub async fn view(conn: &mut PgConnection, day: NaiveDate) -> Result<CatalogueView, sqlx::Error> {
    let rows: Vec<(String, String, NaiveDate)> = sqlx::query_as(
        "select feature, plan, applies_from from plan_feature p
         where applies_from > $1 or applies_from = (select max(applies_from) from plan_feature q
                                                     where q.feature = p.feature and q.applies_from <= $1)
         order by feature, applies_from",
    )
    .bind(day)
    .fetch_all(&mut *conn)
    .await?;
    let features = rows
        .into_iter()
        .filter_map(|(feature, plan, applies_from)| {
            Some(FeatureStep {
                feature: Feature::parse(&feature)?,
                plan: Plan::parse(&plan)?,
                applies_from,
            })
        })
        .collect();
    Ok(CatalogueView {
        day,
        trial_days: trial_days(&mut *conn).await?,
        prices: prices(&mut *conn, day).await?,
        features,
        terms: terms(&mut *conn, day).await?,
    })
}
