//! Oven packing (spec §5.5): parts hang on bars; each bar is a plane of the oven's inner
//! width × height. Parts must never touch (paint fuses): each is placed with the minimum gap
//! around it, inside the safety margin. MaxRects (binpack2d, a port of Jylänki's
//! RectangleBinPack) places the parts, largest first, bar after bar; what does not fit is
//! reported to split into another load.

use binpack2d::{bin_new, BinType, Dimension};
use serde::{Deserialize, Serialize};

use crate::limits::{self, OutOfBounds};
use crate::{DomainError, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Oven {
    /// Inner depth, along which the bars follow each other.
    pub length_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
    /// Distance between two bars (or levels).
    pub bar_spacing_mm: u32,
    /// The least distance between two parts.
    pub gap_mm: u32,
    /// Kept free along the walls, floor and ceiling.
    pub margin_mm: u32,
    /// Room a hook takes above the part it holds.
    #[serde(default)]
    pub hook_mm: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OvenError {
    #[error("les dimensions du four, l'entraxe des barres et l'écart entre pièces doivent être positifs, la marge laisser de la place")]
    Dimensions,
    #[error("la charge maximale du four doit être positive")]
    Load,
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for OvenError {
    fn code(&self) -> &'static str {
        match self {
            Self::Dimensions => "OVEN_DIMENSIONS_INVALID",
            Self::Load => "OVEN_LOAD_INVALID",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

impl Oven {
    /// How many bars fit in the depth.
    pub fn bars(&self) -> u32 {
        self.length_mm.saturating_sub(2 * self.margin_mm) / self.bar_spacing_mm.max(1)
    }

    pub fn validate(self) -> Result<Self, OvenError> {
        // First the real-world sizes: the sums and doubles below then stay far from u32's
        // end (a packing must never overflow).
        for size in [
            self.length_mm,
            self.width_mm,
            self.height_mm,
            self.bar_spacing_mm,
            self.gap_mm,
            self.margin_mm,
            self.hook_mm,
        ] {
            limits::oven::SIZE_MM.check_integer(size)?;
        }
        let usable = |side: u32| side > 2 * self.margin_mm;
        if self.bar_spacing_mm == 0
            || self.gap_mm == 0
            || !usable(self.width_mm)
            || !usable(self.height_mm)
            || self.bars() == 0
        {
            return Err(OvenError::Dimensions);
        }
        Ok(self)
    }
}

/// A part to hang: its face to the powder gun, millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub id: usize,
    pub width_mm: u32,
    pub height_mm: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub item: usize,
    /// 0 for the first bar.
    pub bar: u32,
    /// Of the part (not its hook), from the bar's top-left corner inside the margin.
    pub x_mm: u32,
    pub y_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
    pub rotated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Packing {
    pub placements: Vec<Placement>,
    /// Larger than a bar even turned: never fits this oven.
    pub too_large: Vec<usize>,
    /// Fits a bar, but the bars are full: another load.
    pub next_load: Vec<usize>,
    pub bars_available: u32,
    pub bars_used: u32,
    /// Parts' area over the area of the bars used, 0 to 1.
    pub fill_rate: f64,
    /// No packing can use fewer bars than the parts' area over a bar's.
    pub lower_bound_bars: u32,
}

/// Whether a part of this face fits a bar of the oven, turned or not, with its gap and hook.
pub fn fits(oven: &Oven, width_mm: u32, height_mm: u32) -> bool {
    let reserve = oven.gap_mm + oven.hook_mm;
    let bar_width = oven.width_mm.saturating_sub(2 * oven.margin_mm) + oven.gap_mm;
    let bar_height = oven.height_mm.saturating_sub(2 * oven.margin_mm) + oven.gap_mm;
    // Saturating: a part recorded before sizes were bounded is simply too large, never a
    // panic. Only parts that fit reach the packing's i32 arithmetic.
    let (w, h) = (
        width_mm.saturating_add(reserve),
        height_mm.saturating_add(reserve),
    );
    (w <= bar_width && h <= bar_height) || (h <= bar_width && w <= bar_height)
}

/// Places `items` on the oven's bars.
pub fn pack(oven: &Oven, items: &[Item]) -> Packing {
    let gap = oven.gap_mm as i32;
    // Each part is reserved its size plus one gap; the bar one gap more, so the last part's
    // reserve fits: parts end up at least `gap` apart, and inside the margin. The hook's
    // room is reserved on both sides: MaxRects may turn a part, and its hook stays on top.
    let hook = oven.hook_mm as i32;
    let reserve = gap + hook;
    let bar_width = (oven.width_mm - 2 * oven.margin_mm) as i32 + gap;
    let bar_height = (oven.height_mm - 2 * oven.margin_mm) as i32 + gap;
    let fits = |item: &Item| fits(oven, item.width_mm, item.height_mm);
    let (mut waiting, too_large): (Vec<Item>, Vec<Item>) = items.iter().copied().partition(fits);
    waiting.sort_by_key(|item| {
        std::cmp::Reverse(u64::from(item.width_mm) * u64::from(item.height_mm))
    });
    let mut placements = Vec::new();
    let mut bars_used = 0;
    for bar in 0..oven.bars() {
        if waiting.is_empty() {
            break;
        }
        let mut bin = bin_new(BinType::MaxRects, bar_width, bar_height);
        let dimensions: Vec<Dimension> = waiting
            .iter()
            .map(|item| {
                Dimension::with_id(
                    item.id as isize,
                    item.width_mm as i32 + reserve,
                    item.height_mm as i32 + reserve,
                    0,
                )
            })
            .collect();
        let (placed, _) = bin.insert_list(&dimensions);
        if placed.is_empty() {
            break;
        }
        bars_used += 1;
        for rect in &placed {
            let item = waiting
                .iter()
                .find(|item| item.id as isize == rect.id())
                .copied()
                .expect("binpack2d places only what it was given");
            let rotated = rect.width() != item.width_mm as i32 + reserve;
            // The part hangs under its hook, at the left of its reserve.
            placements.push(Placement {
                item: item.id,
                bar,
                x_mm: rect.x() as u32,
                y_mm: (rect.y() + hook) as u32,
                width_mm: (rect.width() - reserve) as u32,
                height_mm: (rect.height() - reserve) as u32,
                rotated,
            });
        }
        waiting.retain(|item| !placed.iter().any(|rect| rect.id() == item.id as isize));
    }
    let bar_area = f64::from(oven.width_mm - 2 * oven.margin_mm)
        * f64::from(oven.height_mm - 2 * oven.margin_mm);
    let placed_area: f64 = placements
        .iter()
        .map(|placement| f64::from(placement.width_mm) * f64::from(placement.height_mm))
        .sum();
    let all_area: f64 = items
        .iter()
        .filter(|item| fits(item))
        .map(|item| f64::from(item.width_mm) * f64::from(item.height_mm))
        .sum();
    Packing {
        placements,
        too_large: too_large.iter().map(|item| item.id).collect(),
        next_load: waiting.iter().map(|item| item.id).collect(),
        bars_available: oven.bars(),
        bars_used,
        fill_rate: if bars_used == 0 {
            0.0
        } else {
            placed_area / (bar_area * f64::from(bars_used))
        },
        lower_bound_bars: (all_area / bar_area).ceil() as u32,
    }
}

/// The packing drawn for the shop screen and print: the bars side by side (inner section,
/// margin dashed), each part a rectangle with its label. Pure text; labels are escaped.
pub fn svg(oven: &Oven, packing: &Packing, label: impl Fn(usize) -> String) -> String {
    const SPACE: u32 = 200;
    let bars = packing.bars_used.max(1);
    let (w, h) = (oven.width_mm, oven.height_mm);
    let total = bars * w + (bars - 1) * SPACE;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {total} {}\" font-family=\"sans-serif\" font-size=\"60\">",
        h + 100
    );
    for bar in 0..bars {
        let left = bar * (w + SPACE);
        out.push_str(&format!(
            "<g><rect x=\"{left}\" y=\"100\" width=\"{w}\" height=\"{h}\" fill=\"#f4f4f4\" stroke=\"#333\" stroke-width=\"8\"/><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"20 20\" stroke-width=\"4\"/><text x=\"{left}\" y=\"70\">Barre {}</text></g>",
            left + oven.margin_mm,
            100 + oven.margin_mm,
            w - 2 * oven.margin_mm,
            h - 2 * oven.margin_mm,
            bar + 1
        ));
    }
    for placement in &packing.placements {
        let x = placement.bar * (w + SPACE) + oven.margin_mm + placement.x_mm;
        let y = 100 + oven.margin_mm + placement.y_mm;
        out.push_str(&format!(
            "<g><rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"#9cc3e6\" stroke=\"#1f4e79\" stroke-width=\"6\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
            placement.width_mm,
            placement.height_mm,
            x + 20,
            y + 70,
            escape(&label(placement.item))
        ));
    }
    out.push_str("</svg>");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A generated set of parts (gates, panels, rims, brackets) packed on bars of a typical
/// oven's section (2 × 2.2 m), as many bars as needed: bars used against the area lower
/// bound, and the fill rate. For `bench-packing`.
pub fn bench(parts: usize, seed: u64) -> String {
    let oven = Oven {
        // Deep enough never to run out of bars: the packing, not the oven, is measured.
        length_mm: 1_000_000,
        width_mm: 2000,
        height_mm: 2200,
        bar_spacing_mm: 500,
        gap_mm: 50,
        margin_mm: 100,
        hook_mm: 0,
    };
    // A small linear congruential generator: the same set for a seed, no dependency.
    let mut state = seed;
    let mut next = |below: u32| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % u64::from(below)) as u32
    };
    let items: Vec<Item> = (0..parts)
        .map(|id| {
            let (width, height) = match next(4) {
                0 => (1000 + next(800), 800 + next(1000)),
                1 => (400 + next(400), 300 + next(500)),
                2 => (430 + next(60), 430 + next(60)),
                _ => (100 + next(250), 80 + next(300)),
            };
            Item {
                id,
                width_mm: width,
                height_mm: height,
            }
        })
        .collect();
    let started = std::time::Instant::now();
    let packing = pack(&oven, &items);
    format!(
        "{parts} parts (seed {seed}) on 2 × 2.2 m bars, 50 mm gaps, 100 mm margin: {} bars used for a lower bound of {} ({} available), fill rate {:.1} %, {} for another load, {:.1} ms",
        packing.bars_used,
        packing.lower_bound_bars,
        packing.bars_available,
        packing.fill_rate * 100.0,
        packing.next_load.len(),
        started.elapsed().as_secs_f64() * 1e3,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oven() -> Oven {
        Oven {
            length_mm: 2200,
            width_mm: 1200,
            height_mm: 1000,
            bar_spacing_mm: 500,
            gap_mm: 40,
            margin_mm: 100,
            hook_mm: 0,
        }
    }

    fn item(id: usize, width_mm: u32, height_mm: u32) -> Item {
        Item {
            id,
            width_mm,
            height_mm,
        }
    }

    #[test]
    fn parts_never_touch_and_stay_inside_the_margin() {
        let oven = oven();
        let items: Vec<Item> = (0..30)
            .map(|id| {
                item(
                    id,
                    120 + (id as u32 * 37) % 300,
                    90 + (id as u32 * 53) % 250,
                )
            })
            .collect();
        let packing = pack(&oven, &items);
        let (inner_w, inner_h) = (
            oven.width_mm - 2 * oven.margin_mm,
            oven.height_mm - 2 * oven.margin_mm,
        );
        for a in &packing.placements {
            assert!(
                a.x_mm + a.width_mm <= inner_w && a.y_mm + a.height_mm <= inner_h,
                "{a:?}"
            );
            for b in &packing.placements {
                if a.item == b.item || a.bar != b.bar {
                    continue;
                }
                let apart_x = a.x_mm + a.width_mm + oven.gap_mm <= b.x_mm
                    || b.x_mm + b.width_mm + oven.gap_mm <= a.x_mm;
                let apart_y = a.y_mm + a.height_mm + oven.gap_mm <= b.y_mm
                    || b.y_mm + b.height_mm + oven.gap_mm <= a.y_mm;
                assert!(apart_x || apart_y, "{a:?} touches {b:?}");
            }
        }
        let placed = packing.placements.len() + packing.next_load.len() + packing.too_large.len();
        assert_eq!(placed, items.len(), "every part accounted for once");
        assert!(packing.bars_used >= packing.lower_bound_bars);
    }

    #[test]
    fn a_part_larger_than_a_bar_is_reported_and_the_rest_waits_for_another_load() {
        let oven = oven(); // 4 bars of 1000 × 800 usable
        assert_eq!(oven.bars(), 4);
        let mut items = vec![item(0, 1500, 300), item(1, 300, 1500)];
        // Turned, it fits: 700 wide, 950 high becomes 950 × 700.
        items.push(item(2, 700, 950));
        // Five near-full-bar panels: four bars, one for the next load.
        items.extend((3..8).map(|id| item(id, 900, 700)));
        let packing = pack(&oven, &items);
        assert_eq!(packing.too_large, [0, 1]);
        let turned = packing.placements.iter().find(|p| p.item == 2);
        assert!(turned.is_none_or(|p| p.rotated), "{packing:?}");
        assert_eq!(packing.bars_used, 4);
        assert_eq!(packing.next_load.len(), 2, "{packing:?}");
    }

    #[test]
    fn ovens_without_room_are_refused() {
        for bad in [
            Oven {
                bar_spacing_mm: 0,
                ..oven()
            },
            Oven {
                gap_mm: 0,
                ..oven()
            },
            Oven {
                margin_mm: 600,
                ..oven()
            },
            Oven {
                length_mm: 300,
                ..oven()
            },
        ] {
            assert_eq!(
                bad.validate().unwrap_err().code(),
                "OVEN_DIMENSIONS_INVALID"
            );
        }
        assert!(oven().validate().is_ok());
    }

    #[test]
    fn hooks_get_their_room_above_every_part_even_turned() {
        let oven = Oven {
            hook_mm: 80,
            ..oven()
        };
        let items: Vec<Item> = (0..12).map(|id| item(id, 300, 180)).collect();
        let packing = pack(&oven, &items);
        assert!(!packing.placements.is_empty());
        for a in &packing.placements {
            assert!(a.y_mm >= oven.hook_mm, "{a:?} has no room for its hook");
            for b in &packing.placements {
                if a.item == b.item || a.bar != b.bar {
                    continue;
                }
                // `b` below `a` must leave a gap and its own hook.
                let apart_x = a.x_mm + a.width_mm + oven.gap_mm <= b.x_mm
                    || b.x_mm + b.width_mm + oven.gap_mm <= a.x_mm;
                let below = a.y_mm + a.height_mm + oven.gap_mm + oven.hook_mm <= b.y_mm
                    || b.y_mm + b.height_mm + oven.gap_mm + oven.hook_mm <= a.y_mm;
                assert!(apart_x || below, "{a:?} and {b:?} leave no room for a hook");
            }
        }
    }

    #[test]
    fn the_svg_draws_every_bar_and_part_with_escaped_labels() {
        let packing = pack(&oven(), &[item(0, 900, 700), item(1, 900, 700)]);
        let drawing = svg(&oven(), &packing, |id| format!("P26-0001-{id} <&>"));
        assert!(drawing.starts_with("<svg"), "{drawing}");
        assert_eq!(drawing.matches("Barre ").count(), 2);
        assert_eq!(drawing.matches("fill=\"#9cc3e6\"").count(), 2);
        assert!(drawing.contains("P26-0001-1 &lt;&amp;&gt;"));
        assert!(!drawing.contains("<&>"));
    }

    #[test]
    fn the_benchmark_set_is_the_same_for_a_seed() {
        let line = bench(60, 7);
        assert!(line.starts_with("60 parts (seed 7)"), "{line}");
    }
}
