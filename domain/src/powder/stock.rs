use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::{DomainError, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeighingError {
    #[error("un poids ne peut pas être négatif")]
    Negative,
    #[error("le poids brut ({gross} kg) est inférieur à la tare du carton ({tare} kg)")]
    GrossBelowTare { gross: Decimal, tare: Decimal },
}

impl DomainError for WeighingError {
    fn code(&self) -> &'static str {
        match self {
            Self::Negative => "WEIGHT_NEGATIVE",
            Self::GrossBelowTare { .. } => "WEIGHT_BELOW_TARE",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// Powder left in a carton: gross weight on the scale minus the carton's tare (spec §5.7).
pub fn net_weight(gross_kg: Decimal, tare_kg: Decimal) -> Result<Decimal, WeighingError> {
    if gross_kg.is_sign_negative() || tare_kg.is_sign_negative() {
        return Err(WeighingError::Negative);
    }
    if gross_kg < tare_kg {
        return Err(WeighingError::GrossBelowTare {
            gross: gross_kg,
            tare: tare_kg,
        });
    }
    Ok(gross_kg - tare_kg)
}

/// Kilograms of powder sprayed per square metre: the film's mass divided by the share of
/// powder that ends on the part.
///
/// A film of `t` µm over 1 m² is `t` cm³; at `density` g/cm³ it weighs `density × t` grams.
/// Only `transfer_efficiency` (0–1, typically 0.5–0.7) of the sprayed powder stays on the
/// part. Rounded to the gram. `None` when the efficiency is not in (0, 1].
pub fn consumption_kg_per_m2(
    density_g_cm3: Decimal,
    thickness_um: Decimal,
    transfer_efficiency: Decimal,
) -> Option<Decimal> {
    if transfer_efficiency <= Decimal::ZERO || transfer_efficiency > Decimal::ONE {
        return None;
    }
    let grams = density_g_cm3 * thickness_um / transfer_efficiency;
    Some((grams / Decimal::from(1000)).round_dp(3))
}

/// Weighings that count for reliability: the most recent ones.
pub const RELIABILITY_WINDOW: usize = 10;
/// A relative gap this large, on average, scores 0.
pub const RELIABILITY_TOLERANCE: f64 = 0.25;

/// Reliability of a powder's theoretical stock, 0–100, from its recent reconciliations
/// (`(theoretical_kg, weighed_kg)`, newest first). `None` before any weighing.
///
/// Each gap is relative: |weighed − theoretical| ÷ max(theoretical, 1 kg) (the 1 kg floor
/// keeps a nearly empty carton from dominating). The last [`RELIABILITY_WINDOW`] gaps are
/// averaged with weights 1, 1/2, 1/3… so recent weighings count most; the score falls
/// linearly from 100 (no gap) to 0 (an average gap of [`RELIABILITY_TOLERANCE`], 25 %).
/// docs/powder-stock.md explains it to workshops.
pub fn reliability_score(reconciliations: &[(Decimal, Decimal)]) -> Option<u8> {
    if reconciliations.is_empty() {
        return None;
    }
    let (mut weighted, mut weights) = (0.0, 0.0);
    for (index, (theoretical, weighed)) in
        reconciliations.iter().take(RELIABILITY_WINDOW).enumerate()
    {
        let base = theoretical.abs().max(Decimal::ONE);
        let gap = ((*weighed - *theoretical).abs() / base)
            .to_f64()
            .unwrap_or(1.0);
        let weight = 1.0 / (index as f64 + 1.0);
        weighted += gap * weight;
        weights += weight;
    }
    let mean_gap = weighted / weights;
    let score = 100.0 * (1.0 - mean_gap / RELIABILITY_TOLERANCE).clamp(0.0, 1.0);
    Some(score.round() as u8)
}

/// A powder the daily list may pick.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<Id> {
    pub id: Id,
    /// Used since its last weighing.
    pub used_since_weighing_kg: Decimal,
    pub reliability: Option<u8>,
}

/// The short daily list of powders to weigh (spec §4.3): the most used since their last
/// weighing, then the least reliable (never weighed first), then a random pick from the
/// rest — in thirds of `count`, the first groups rounded up. The random pick is seeded by
/// `seed` (workspace and date): the list stays the same all day and can be reproduced.
pub fn to_weigh_list<Id: Clone + PartialEq + std::hash::Hash>(
    candidates: &[Candidate<Id>],
    count: usize,
    seed: u64,
) -> Vec<Id> {
    let mut chosen: Vec<Id> = Vec::with_capacity(count);
    let by_use_share = count.div_ceil(3);
    let by_risk_share = (count - by_use_share).div_ceil(2);

    let mut by_use: Vec<&Candidate<Id>> = candidates
        .iter()
        .filter(|candidate| candidate.used_since_weighing_kg > Decimal::ZERO)
        .collect();
    by_use.sort_by_key(|candidate| std::cmp::Reverse(candidate.used_since_weighing_kg));
    for candidate in by_use.into_iter().take(by_use_share) {
        chosen.push(candidate.id.clone());
    }

    let mut by_risk: Vec<&Candidate<Id>> = candidates
        .iter()
        .filter(|candidate| !chosen.contains(&candidate.id))
        .collect();
    // Never weighed (None) is the highest risk, then the lowest score.
    by_risk.sort_by_key(|candidate| candidate.reliability.map_or(-1, i16::from));
    for candidate in by_risk.into_iter().take(by_risk_share) {
        chosen.push(candidate.id.clone());
    }

    let mut rest: Vec<&Candidate<Id>> = candidates
        .iter()
        .filter(|candidate| !chosen.contains(&candidate.id))
        .collect();
    rest.sort_by_key(|candidate| mix(seed, &candidate.id));
    for candidate in rest {
        if chosen.len() >= count {
            break;
        }
        chosen.push(candidate.id.clone());
    }
    chosen.truncate(count);
    chosen
}

/// A stable pseudo-random rank: FNV-1a of the seed and the id's hash. Not std's
/// `DefaultHasher`, whose output may change between Rust releases: the list must be
/// reproducible later.
fn mix<Id: std::hash::Hash>(seed: u64, id: &Id) -> u64 {
    struct Fnv(u64);
    impl std::hash::Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for byte in bytes {
                self.0 ^= u64::from(*byte);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325 ^ seed);
    id.hash(&mut hasher);
    std::hash::Hasher::finish(&hasher)
}

/// A purchase suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reorder {
    /// Days of stock left at the recent rate; `None` without consumption.
    pub days_left: Option<u32>,
    /// Kilograms to order, in whole supplier formats; zero when stock covers the horizon.
    pub quantity_kg: Decimal,
    /// Below the alert threshold (stock-out before the supplier's lead time).
    pub low_stock: bool,
}

/// When will this powder run out, and how much to order (spec §5.7).
///
/// The rate is the consumption of the last `window_days` divided by that span (recent use
/// predicts the next weeks better than a yearly average). Stock lasts `stock ÷ rate` days. The
/// order must cover lead time plus `cover_days` of use beyond the current stock, rounded up
/// to whole `format_kg` cartons. Low stock: fewer days left than the lead time.
pub fn reorder(
    stock_kg: Decimal,
    consumed_in_window_kg: Decimal,
    window_days: u32,
    lead_time_days: u32,
    cover_days: u32,
    format_kg: Decimal,
) -> Reorder {
    if window_days == 0 || consumed_in_window_kg <= Decimal::ZERO {
        return Reorder {
            days_left: None,
            quantity_kg: Decimal::ZERO,
            low_stock: false,
        };
    }
    let rate = consumed_in_window_kg / Decimal::from(window_days);
    let stock = stock_kg.max(Decimal::ZERO);
    let days_left = (stock / rate).floor().to_u32().unwrap_or(u32::MAX);
    let needed = rate * Decimal::from(lead_time_days + cover_days) - stock;
    let quantity_kg = if needed <= Decimal::ZERO || format_kg <= Decimal::ZERO {
        Decimal::ZERO
    } else {
        (needed / format_kg).ceil() * format_kg
    };
    Reorder {
        days_left: Some(days_left),
        quantity_kg,
        low_stock: days_left < lead_time_days,
    }
}

/// Takes `kg` from lots in the order given (oldest first: first in, first out), as much as
/// each holds. Returns what is taken from each lot and what no lot covered (consumption
/// beyond the lots on record: the theoretical stock goes negative, the lots stop at zero).
pub fn draw_first_in_first_out(remaining: &[Decimal], kg: Decimal) -> (Vec<Decimal>, Decimal) {
    let mut left = kg.max(Decimal::ZERO);
    let drawn = remaining
        .iter()
        .map(|available| {
            let take = left.min((*available).max(Decimal::ZERO));
            left -= take;
            take
        })
        .collect();
    (drawn, left)
}
