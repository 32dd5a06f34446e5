//! Batches over GraphQL (spec §5.5): for now, the recommended loads — the projects waiting at
//! the coating step grouped by strict key, with the powder a coating takes against the
//! theoretical stock.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::NaiveDate;
use domain::batch::recommend::{recommend, Waiting};
use domain::project::lifecycle::Priority;
use domain::Role;
use projections::tenant;
use rust_decimal::Decimal;

use super::{actor, state};
use crate::ApiError;

const READERS: &[Role] = &[Role::Owner, Role::Admin, Role::Operator];

#[derive(SimpleObject)]
pub struct BatchProject {
    pub id: ID,
    pub number: String,
}

/// Un lot de cuisson conseillé : des pièces à la clé strictement identique.
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
    /// Poudre que prend une couche de tout le lot, kg.
    pub powder_kg: Decimal,
    /// Stock théorique de la poudre, kg.
    pub stock_kg: Decimal,
    /// Le stock ne suffit pas pour ce lot.
    pub short_of_powder: bool,
    pub earliest_promised_on: Option<NaiveDate>,
    pub urgent: bool,
}

fn text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Default)]
pub struct BatchQuery;

#[Object]
impl BatchQuery {
    /// Les lots conseillés : urgents d'abord, puis par date promise.
    async fn batch_recommendations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<BatchRecommendation>> {
        let actor = actor(ctx)?;
        actor.require(READERS)?;
        let state = state(ctx);
        let mut tx = tenant::begin(&state.pool, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let rows = projections::project::at_coating(&mut *tx, actor.workspace_id)
            .await
            .map_err(ApiError::from)?;
        let waiting: Vec<Waiting> = rows
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
        let mut recommendations = Vec::new();
        for batch in recommend(&waiting) {
            let powder_key = domain::powder::catalogue::aggregate_local_id(&batch.key.powder);
            let stock_kg =
                projections::powder_stock::theoretical(&mut *tx, actor.workspace_id, &powder_key)
                    .await
                    .map_err(ApiError::from)?;
            recommendations.push(BatchRecommendation {
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
                short_of_powder: batch.powder_kg > stock_kg,
                stock_kg,
                earliest_promised_on: batch.earliest_promised_on,
                urgent: batch.urgent,
            });
        }
        tx.commit().await.map_err(ApiError::from)?;
        Ok(recommendations)
    }
}
