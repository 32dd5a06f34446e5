//! The price of a powder-coating quote (spec §5.2), every figure explained.
//!
//! Per line: surface × quantity; powder = surface × consumption per m² × coats (primer and
//! varnish are one more coat each, at their own price per kg); labour = minutes × hourly
//! rate; each with its margin; consumables as typed; then the line discount. The unit price
//! HT is rounded to the cent and the line total is quantity × unit price, as French invoices
//! print them. VAT is computed per rate on the total of that rate, rounded to the cent; TTC
//! is HT plus VAT. Rounding is half away from zero (« arrondi commercial »).

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::limits::{self, add, mul, OutOfBounds};
use crate::powder::PowderIdentity;
use crate::{DomainError, ErrorKind};

/// VAT rates French invoices may carry (CGI art. 278 to 281 nonies); 0 for exempt or
/// reverse-charged lines (the mention comes with invoicing).
pub const VAT_RATES: [Decimal; 5] = [
    Decimal::from_parts(20, 0, 0, false, 0),
    Decimal::from_parts(10, 0, 0, false, 0),
    Decimal::from_parts(55, 0, 0, false, 1),
    Decimal::from_parts(21, 0, 0, false, 1),
    Decimal::ZERO,
];

/// Rounded to the cent and always written with two decimals (24 € is `24.00`).
pub fn cents(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// The workshop's rates the quote is priced with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rates {
    /// € HT per hour of labour.
    pub hourly_rate: Decimal,
    /// % added to the powder cost.
    pub powder_margin_pct: Decimal,
    /// % added to the labour cost.
    pub labour_margin_pct: Decimal,
    /// € HT per kg of primer and of varnish.
    pub primer_price_per_kg: Decimal,
    pub varnish_price_per_kg: Decimal,
}

/// What the coated surface of one part is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Surface {
    /// Length × width in millimetres (the simple mode of the spec).
    Dimensions {
        length_mm: Decimal,
        width_mm: Decimal,
    },
    /// Surface given directly, m².
    Area { m2: Decimal },
}

/// The powder of a line, with what pricing needs from the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LinePowder {
    pub identity: PowderIdentity,
    pub price_per_kg: Decimal,
    pub consumption_kg_m2: Decimal,
    /// Curing printed on the quote: the powder's recommendation unless adjusted.
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Line {
    pub description: String,
    pub quantity: u32,
    /// Of one part.
    pub surface: Surface,
    /// `None`: labour only (masking, sandblasting…).
    pub powder: Option<LinePowder>,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    /// Labour per part, minutes.
    pub labour_minutes: Decimal,
    /// Consumables and energy for the whole line, € HT.
    pub consumables: Decimal,
    /// % off the line.
    pub discount_pct: Decimal,
    /// In percent: 20, 10, 5.5, 2.1 or 0.
    pub vat_rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("ligne {line} : la quantité doit être d'au moins 1")]
    Quantity { line: usize },
    #[error("ligne {line} : les dimensions ou la surface doivent être positives")]
    Surface { line: usize },
    #[error("ligne {line} : 1, 2 ou 3 couches")]
    Coats { line: usize },
    #[error("ligne {line} : taux de TVA {rate} % non autorisé (20, 10, 5,5, 2,1 ou 0)")]
    VatRate { line: usize, rate: Decimal },
    #[error("ligne {line} : la remise doit être entre 0 et 100 %")]
    Discount { line: usize },
    #[error("ligne {line} : temps, consommables et prix ne peuvent pas être négatifs")]
    Negative { line: usize },
    #[error("les taux de l'atelier (horaire, marges, prix) ne peuvent pas être négatifs")]
    Rates,
    #[error("un devis a au moins une ligne")]
    Empty,
    /// Every line is printed on the quote and the invoice: it must say what is coated (the
    /// *désignation* an invoice requires).
    #[error("ligne {line} : la description est obligatoire")]
    DescriptionMissing { line: usize },
    /// A figure of one line beyond its real-world range (`limits::quote`).
    #[error("ligne {line} : {bound}")]
    Line { line: usize, bound: OutOfBounds },
    /// A figure of the whole quote beyond its range: its totals, the workshop's rates.
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for PricingError {
    fn code(&self) -> &'static str {
        match self {
            Self::Quantity { .. } => "QUOTE_QUANTITY_INVALID",
            Self::Surface { .. } => "QUOTE_SURFACE_INVALID",
            Self::Coats { .. } => "QUOTE_COATS_INVALID",
            Self::VatRate { .. } => "QUOTE_VAT_RATE_NOT_ALLOWED",
            Self::Discount { .. } => "QUOTE_DISCOUNT_INVALID",
            Self::Negative { .. } => "QUOTE_AMOUNT_NEGATIVE",
            Self::Rates => "QUOTE_RATES_INVALID",
            Self::Empty => "QUOTE_EMPTY",
            Self::DescriptionMissing { .. } => "QUOTE_DESCRIPTION_MISSING",
            Self::Line { bound, .. } | Self::Bound(bound) => bound.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// One explained step: what it is, how it was computed, how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    pub label: String,
    pub detail: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PricedLine {
    pub surface_m2: Decimal,
    pub powder_kg: Decimal,
    pub unit_price_ht: Decimal,
    pub total_ht: Decimal,
    pub vat_rate: Decimal,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VatTotal {
    pub rate: Decimal,
    pub base_ht: Decimal,
    pub vat: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Priced {
    pub lines: Vec<PricedLine>,
    pub total_ht: Decimal,
    /// One entry per rate used, highest rate first.
    pub vat: Vec<VatTotal>,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
}

/// French number style for explanations: decimal comma, no useless zeros.
fn fr(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

fn euros(value: Decimal) -> String {
    format!("{} €", fr(cents(value).round_dp(2)))
}

impl Rates {
    fn check(&self) -> Result<(), PricingError> {
        let all = [
            self.hourly_rate,
            self.powder_margin_pct,
            self.labour_margin_pct,
            self.primer_price_per_kg,
            self.varnish_price_per_kg,
        ];
        if all.iter().any(Decimal::is_sign_negative) {
            return Err(PricingError::Rates);
        }
        self.check_bounds()?;
        Ok(())
    }

    /// The settings refuse rates beyond these; a quote checks them again because the rates
    /// it is priced with may come from settings saved before the bounds existed.
    pub fn check_bounds(&self) -> Result<(), OutOfBounds> {
        limits::quote::HOURLY_RATE.check(self.hourly_rate)?;
        limits::quote::MARGIN_PCT.check(self.powder_margin_pct)?;
        limits::quote::MARGIN_PCT.check(self.labour_margin_pct)?;
        limits::quote::PRIMER_VARNISH_PRICE.check(self.primer_price_per_kg)?;
        limits::quote::PRIMER_VARNISH_PRICE.check(self.varnish_price_per_kg)?;
        Ok(())
    }
}

fn price_line(number: usize, line: &Line, rates: &Rates) -> Result<PricedLine, PricingError> {
    if line.quantity == 0 {
        return Err(PricingError::Quantity { line: number });
    }
    if !(1..=3).contains(&line.coats) {
        return Err(PricingError::Coats { line: number });
    }
    if !VAT_RATES.contains(&line.vat_rate) {
        return Err(PricingError::VatRate {
            line: number,
            rate: line.vat_rate,
        });
    }
    if line.discount_pct.is_sign_negative() || line.discount_pct > Decimal::ONE_HUNDRED {
        return Err(PricingError::Discount { line: number });
    }
    let negative = line.labour_minutes.is_sign_negative()
        || line.consumables.is_sign_negative()
        || line.powder.as_ref().is_some_and(|powder| {
            powder.price_per_kg.is_sign_negative() || powder.consumption_kg_m2.is_sign_negative()
        });
    if negative {
        return Err(PricingError::Negative { line: number });
    }
    let at = |bound: OutOfBounds| PricingError::Line {
        line: number,
        bound,
    };
    limits::quote::QUANTITY
        .check_integer(line.quantity)
        .map_err(at)?;
    if line.description.trim().is_empty() {
        return Err(PricingError::DescriptionMissing { line: number });
    }
    limits::quote::DESCRIPTION
        .check(&line.description)
        .map_err(at)?;
    limits::quote::LABOUR_MINUTES
        .check(line.labour_minutes)
        .map_err(at)?;
    limits::quote::CONSUMABLES
        .check(line.consumables)
        .map_err(at)?;
    let per_part = match &line.surface {
        Surface::Dimensions {
            length_mm,
            width_mm,
        } if *length_mm > Decimal::ZERO && *width_mm > Decimal::ZERO => {
            let length_mm = limits::quote::DIMENSION_MM.check(*length_mm).map_err(at)?;
            let width_mm = limits::quote::DIMENSION_MM.check(*width_mm).map_err(at)?;
            mul(length_mm, width_mm, "surface").map_err(at)? / Decimal::from(1_000_000)
        }
        Surface::Area { m2 } if *m2 > Decimal::ZERO => {
            limits::quote::AREA_M2.check(*m2).map_err(at)?
        }
        _ => return Err(PricingError::Surface { line: number }),
    };
    // With the bounds above every product below stays far inside Decimal's range; the
    // checked operations turn a bound forgotten one day into a refusal, not a panic.
    // Divisions are by constants of at least 1 (or the quantity, at least 1): they cannot
    // overflow.
    let checked = |result: Result<Decimal, OutOfBounds>| result.map_err(at);
    let quantity = Decimal::from(line.quantity);
    let surface_m2 = checked(mul(per_part, quantity, "surface"))?.round_dp(4);
    let mut steps = vec![Step {
        label: "Surface".into(),
        detail: format!(
            "{} m² × {} pièce(s)",
            fr(per_part.round_dp(4)),
            line.quantity
        ),
        amount: surface_m2,
    }];
    let mut subtotal = Decimal::ZERO;
    let mut powder_kg = Decimal::ZERO;
    if let Some(powder) = &line.powder {
        let coats = Decimal::from(line.coats);
        let one_coat_kg = checked(mul(surface_m2, powder.consumption_kg_m2, "poudre"))?;
        powder_kg = checked(mul(one_coat_kg, coats, "poudre"))?.round_dp(3);
        let mut cost = checked(mul(powder_kg, powder.price_per_kg, "coût de la poudre"))?;
        steps.push(Step {
            label: format!("Poudre {}", powder.identity.reference()),
            detail: format!(
                "{} m² × {} kg/m² × {} couche(s) = {} kg × {} €/kg",
                fr(surface_m2),
                fr(powder.consumption_kg_m2),
                line.coats,
                fr(powder_kg),
                fr(powder.price_per_kg)
            ),
            amount: cents(cost),
        });
        for (wanted, label, price) in [
            (line.primer, "Primaire", rates.primer_price_per_kg),
            (line.varnish, "Vernis", rates.varnish_price_per_kg),
        ] {
            if wanted {
                let kg = one_coat_kg.round_dp(3);
                let extra = checked(mul(kg, price, "coût de la poudre"))?;
                cost = checked(add(cost, extra, "coût de la poudre"))?;
                steps.push(Step {
                    label: label.into(),
                    detail: format!("une couche : {} kg × {} €/kg", fr(kg), fr(price)),
                    amount: cents(extra),
                });
            }
        }
        let margin =
            checked(mul(cost, rates.powder_margin_pct, "marge poudre"))? / Decimal::ONE_HUNDRED;
        steps.push(Step {
            label: "Marge poudre".into(),
            detail: format!("{} % de {}", fr(rates.powder_margin_pct), euros(cost)),
            amount: cents(margin),
        });
        subtotal = checked(add(cost, margin, "total de la ligne"))?;
    }
    if line.labour_minutes > Decimal::ZERO {
        let minutes = checked(mul(line.labour_minutes, quantity, "main d'œuvre"))?;
        let cost = checked(mul(minutes, rates.hourly_rate, "main d'œuvre"))? / Decimal::from(60);
        let margin = checked(mul(cost, rates.labour_margin_pct, "marge main d'œuvre"))?
            / Decimal::ONE_HUNDRED;
        steps.push(Step {
            label: "Main d'œuvre".into(),
            detail: format!(
                "{} min × {} pièce(s) × {} €/h",
                fr(line.labour_minutes),
                line.quantity,
                fr(rates.hourly_rate)
            ),
            amount: cents(cost),
        });
        steps.push(Step {
            label: "Marge main d'œuvre".into(),
            detail: format!("{} % de {}", fr(rates.labour_margin_pct), euros(cost)),
            amount: cents(margin),
        });
        let labour = checked(add(cost, margin, "total de la ligne"))?;
        subtotal = checked(add(subtotal, labour, "total de la ligne"))?;
    }
    if line.consumables > Decimal::ZERO {
        steps.push(Step {
            label: "Consommables et énergie".into(),
            detail: "montant saisi".into(),
            amount: cents(line.consumables),
        });
        subtotal = checked(add(subtotal, line.consumables, "total de la ligne"))?;
    }
    if line.discount_pct > Decimal::ZERO {
        // At most 100 % of the subtotal: the product cannot grow past the subtotal × 100.
        let discount = checked(mul(subtotal, line.discount_pct, "remise"))? / Decimal::ONE_HUNDRED;
        steps.push(Step {
            label: "Remise".into(),
            detail: format!("{} % de {}", fr(line.discount_pct), euros(subtotal)),
            amount: -cents(discount),
        });
        subtotal -= discount;
    }
    // The unit price is the contractual figure: rounded to the cent, then multiplied.
    let unit_price_ht = cents(subtotal / quantity);
    let total_ht = checked(mul(unit_price_ht, quantity, "total de la ligne"))?;
    limits::quote::LINE_TOTAL.check(total_ht).map_err(at)?;
    steps.push(Step {
        label: "Total HT de la ligne".into(),
        detail: format!("{} pièce(s) × {} HT", line.quantity, euros(unit_price_ht)),
        amount: total_ht,
    });
    Ok(PricedLine {
        surface_m2,
        powder_kg,
        unit_price_ht,
        total_ht,
        vat_rate: line.vat_rate,
        steps,
    })
}

/// Prices every line and totals the quote; the first bad line refuses it, naming the line
/// (numbered from 1).
pub fn price(lines: &[Line], rates: &Rates) -> Result<Priced, PricingError> {
    rates.check()?;
    if lines.is_empty() {
        return Err(PricingError::Empty);
    }
    limits::quote::LINES.check_integer(lines.len() as u64)?;
    let priced = lines
        .iter()
        .enumerate()
        .map(|(index, line)| price_line(index + 1, line, rates))
        .collect::<Result<Vec<_>, _>>()?;
    // Each line is bounded and so is their number: the sums below cannot overflow, and are
    // checked all the same.
    let mut vat: Vec<VatTotal> = Vec::new();
    for line in &priced {
        match vat.iter_mut().find(|total| total.rate == line.vat_rate) {
            Some(total) => total.base_ht = add(total.base_ht, line.total_ht, "total HT")?,
            None => vat.push(VatTotal {
                rate: line.vat_rate,
                base_ht: line.total_ht,
                vat: Decimal::ZERO,
            }),
        }
    }
    vat.sort_by_key(|total| std::cmp::Reverse(total.rate));
    for total in &mut vat {
        total.vat = cents(mul(total.base_ht, total.rate, "TVA")? / Decimal::ONE_HUNDRED);
    }
    let total_ht = priced.iter().try_fold(Decimal::ZERO, |sum, line| {
        add(sum, line.total_ht, "total HT")
    })?;
    let total_vat = vat
        .iter()
        .try_fold(Decimal::ZERO, |sum, total| add(sum, total.vat, "TVA"))?;
    let total_ttc = limits::quote::TOTAL_TTC.check(add(total_ht, total_vat, "total TTC")?)?;
    Ok(Priced {
        lines: priced,
        total_ht,
        vat,
        total_vat,
        total_ttc,
    })
}
