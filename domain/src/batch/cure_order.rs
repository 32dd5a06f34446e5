//! The day's cure order (spec §5.5): batches by urgency, but each change of oven temperature
//! costs a ramp (up) or a cool-down (down), so batches curing at the same temperature go one
//! after the other. Temperatures are taken in the order of their most urgent batch; within a
//! temperature, the most urgent batch first: one change per temperature of the day.

use chrono::NaiveDate;

/// What ordering needs to know of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CureSlot {
    pub cure_temperature_c: u16,
    pub urgent: bool,
    pub earliest_promised_on: Option<NaiveDate>,
}

/// Urgent first, then the earliest promise, undated last.
fn urgency(slot: &CureSlot) -> (bool, bool, Option<NaiveDate>) {
    (
        !slot.urgent,
        slot.earliest_promised_on.is_none(),
        slot.earliest_promised_on,
    )
}

/// The indexes of `slots` in the order to cure them.
pub fn cure_order(slots: &[CureSlot]) -> Vec<usize> {
    let mut temperatures: Vec<u16> = Vec::new();
    let mut by_urgency: Vec<usize> = (0..slots.len()).collect();
    by_urgency.sort_by_key(|index| (urgency(&slots[*index]), slots[*index].cure_temperature_c));
    for index in &by_urgency {
        let temperature = slots[*index].cure_temperature_c;
        if !temperatures.contains(&temperature) {
            temperatures.push(temperature);
        }
    }
    temperatures
        .into_iter()
        .flat_map(|temperature| {
            by_urgency
                .iter()
                .copied()
                .filter(move |index| slots[*index].cure_temperature_c == temperature)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// How many times the oven changes temperature in `order`.
pub fn temperature_changes(slots: &[CureSlot], order: &[usize]) -> usize {
    order
        .windows(2)
        .filter(|pair| slots[pair[0]].cure_temperature_c != slots[pair[1]].cure_temperature_c)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(temperature: u16, urgent: bool, day: Option<u32>) -> CureSlot {
        CureSlot {
            cure_temperature_c: temperature,
            urgent,
            earliest_promised_on: day.map(|day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap()),
        }
    }

    #[test]
    fn the_most_urgent_opens_the_day_and_equal_cures_follow_each_other() {
        let slots = [
            slot(180, false, Some(3)), // 0
            slot(200, false, Some(2)), // 1
            slot(180, true, Some(9)),  // 2 urgent
            slot(200, false, None),    // 3
            slot(160, false, Some(1)), // 4
        ];
        let order = cure_order(&slots);
        assert_eq!(order, [2, 0, 4, 1, 3]);
        assert_eq!(temperature_changes(&slots, &order), 2);
        // By urgency alone the oven would change temperature at every batch.
        assert_eq!(temperature_changes(&slots, &[2, 4, 1, 0, 3]), 4);
    }

    #[test]
    fn every_batch_is_ordered_once_and_each_temperature_is_visited_once() {
        let slots: Vec<CureSlot> = (0..40)
            .map(|n| {
                slot(
                    [160, 180, 200, 220][n % 4],
                    n % 7 == 0,
                    Some(1 + (n as u32 * 5) % 28),
                )
            })
            .collect();
        let order = cure_order(&slots);
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..40).collect::<Vec<_>>());
        assert_eq!(
            temperature_changes(&slots, &order),
            3,
            "four temperatures, three changes"
        );
    }
}
