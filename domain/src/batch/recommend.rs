//! Recommended batches (spec §5.5): the projects waiting at the coating step, their coated
//! parts grouped by strict key, with what the planner weighs — how many projects and parts,
//! the surface, the powder a coating takes, and the most urgent promise.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::key::{group, BatchKey};
use crate::project::lifecycle::{Part, Priority};

/// A project at the coating step.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub project_id: Uuid,
    pub number: String,
    pub promised_on: Option<NaiveDate>,
    pub priority: Priority,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub key: BatchKey,
    /// `(project id, number)`, each once, in the order of their urgency.
    pub projects: Vec<(Uuid, String)>,
    /// Physical parts (quantities summed).
    pub parts: u32,
    pub surface_m2: Decimal,
    pub powder_kg: Decimal,
    pub earliest_promised_on: Option<NaiveDate>,
    pub urgent: bool,
}

/// Urgent first, then the earliest promise (undated last), then the largest load.
pub fn recommend(waiting: &[Waiting]) -> Vec<Recommendation> {
    let mut ordered: Vec<&Waiting> = waiting.iter().collect();
    ordered.sort_by_key(|project| {
        (
            project.priority != Priority::Urgent,
            project.promised_on.is_none(),
            project.promised_on,
        )
    });
    let parts = ordered.iter().flat_map(|project| {
        project
            .parts
            .iter()
            .map(move |part| (BatchKey::of(part), (*project, part)))
    });
    let mut recommendations: Vec<Recommendation> = group(parts)
        .into_iter()
        .map(|(key, members)| {
            let mut projects: Vec<(Uuid, String)> = Vec::new();
            let (mut count, mut surface, mut powder) = (0, Decimal::ZERO, Decimal::ZERO);
            let (mut earliest, mut urgent) = (None::<NaiveDate>, false);
            for (project, part) in members {
                if !projects.iter().any(|(id, _)| *id == project.project_id) {
                    projects.push((project.project_id, project.number.clone()));
                }
                count += part.quantity;
                surface += part.surface_m2;
                powder += part.powder_kg;
                urgent |= project.priority == Priority::Urgent;
                earliest = match (earliest, project.promised_on) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Recommendation {
                key,
                projects,
                parts: count,
                surface_m2: surface,
                powder_kg: powder,
                earliest_promised_on: earliest,
                urgent,
            }
        })
        .collect();
    recommendations.sort_by(|a, b| {
        (
            !a.urgent,
            a.earliest_promised_on.is_none(),
            a.earliest_promised_on,
        )
            .cmp(&(
                !b.urgent,
                b.earliest_promised_on.is_none(),
                b.earliest_promised_on,
            ))
            .then(b.surface_m2.cmp(&a.surface_m2))
    });
    recommendations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::powder::{Finish, PowderIdentity, PowderKind};
    use crate::project::lifecycle::parts_from_lines;
    use crate::quote::pricing::{Line, LinePowder, Surface};
    use rust_decimal_macros::dec;

    fn line(reference: &str, finish: Finish, quantity: u32, m2: Decimal) -> Line {
        Line {
            description: format!("{reference} {finish:?}"),
            quantity,
            surface: Surface::Area { m2 },
            powder: Some(LinePowder {
                identity: PowderIdentity::new(reference, PowderKind::Polyester, finish).unwrap(),
                price_per_kg: dec!(12),
                consumption_kg_m2: dec!(0.2),
                cure_temperature_c: 200,
                cure_minutes: 10,
            }),
            coats: 1,
            primer: false,
            varnish: false,
            labour_minutes: dec!(0),
            consumables: dec!(0),
            discount_pct: dec!(0),
            vat_rate: dec!(20),
        }
    }

    fn waiting(n: u128, promised: Option<u32>, priority: Priority, lines: &[Line]) -> Waiting {
        let number = format!("P26-{n:04}");
        Waiting {
            project_id: Uuid::from_u128(n),
            parts: parts_from_lines(&number, lines).unwrap(),
            number,
            promised_on: promised.map(|day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap()),
            priority,
        }
    }

    #[test]
    fn waiting_parts_group_by_key_and_the_urgent_batch_comes_first() {
        let projects = [
            waiting(
                1,
                Some(10),
                Priority::Normal,
                &[line("RAL 7016", Finish::Gloss, 2, dec!(2))],
            ),
            waiting(
                2,
                Some(4),
                Priority::Normal,
                &[
                    line("RAL 7016", Finish::Gloss, 1, dec!(1)),
                    line("RAL 7016", Finish::Matt, 4, dec!(0.5)),
                ],
            ),
            waiting(
                3,
                None,
                Priority::Urgent,
                &[line("RAL 9005", Finish::Gloss, 1, dec!(3))],
            ),
        ];
        let batches = recommend(&projects);
        let summary: Vec<(&str, Finish, u32, Decimal, Decimal, bool)> = batches
            .iter()
            .map(|batch| {
                (
                    batch.key.powder.reference(),
                    batch.key.powder.finish(),
                    batch.parts,
                    batch.surface_m2,
                    batch.powder_kg,
                    batch.urgent,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("RAL 9005", Finish::Gloss, 1, dec!(3), dec!(0.6), true),
                // Matt and gloss 7016 never share a load; both promised the 4th.
                ("RAL 7016", Finish::Gloss, 3, dec!(5), dec!(1.0), false),
                ("RAL 7016", Finish::Matt, 4, dec!(2), dec!(0.4), false),
            ]
        );
        let gloss = &batches[1];
        assert_eq!(
            gloss
                .projects
                .iter()
                .map(|(_, number)| number.as_str())
                .collect::<Vec<_>>(),
            ["P26-0002", "P26-0001"],
            "most urgent project first"
        );
        assert_eq!(
            gloss.earliest_promised_on,
            NaiveDate::from_ymd_opt(2026, 12, 4)
        );
    }
}
