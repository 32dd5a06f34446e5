//! The real-world range of every figure, text and date a person types (issue 16): the one
//! table aggregates check against, docs/api.md prints and the bounds e2e test walks.
//!
//! A bound is a business fact, not a storage limit: no workshop receives 10 t of powder at
//! once or quotes 10 000 m² for one part. Refusing the absurd in the aggregate keeps it out of
//! the log, where it would sit forever, and keeps every product in pricing far from
//! `Decimal`'s 28 digits.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{DomainError, ErrorKind};

/// A number's range, both ends accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The GraphQL field it is typed in, `Input.field` (or `mutation.argument`).
    pub field: &'static str,
    /// French name shown in the refusal: « quantité ».
    pub label: &'static str,
    pub min: Decimal,
    pub max: Decimal,
    /// Printed after the figures: « kg », « € », « mm »; empty for a count.
    pub unit: &'static str,
    /// The stable `extensions.reason` of a refusal.
    pub code: &'static str,
}

/// A text's longest length, in characters (what a person counts, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextBound {
    pub field: &'static str,
    pub label: &'static str,
    pub max_chars: usize,
    pub code: &'static str,
}

/// A date a person types. `Past` dates (a payment received, a call made) cannot be after
/// today in Paris; `Planned` dates (a promise, a use-by date) may be in the future, within
/// [`LATEST`]. Neither may be before [`EARLIEST`]: the shop did not exist then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateBound {
    pub field: &'static str,
    pub label: &'static str,
    pub past: bool,
    pub code: &'static str,
}

pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(date) => date,
    None => panic!("2000-01-01 is a date"),
};
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(date) => date,
    None => panic!("2099-12-31 is a date"),
};

/// A refusal: the field, a stable code, and the French sentence naming the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OutOfBounds {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl DomainError for OutOfBounds {
    fn code(&self) -> &'static str {
        self.code
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// « 10 000 », « 0,5 »: French grouping (narrow no-break space) and decimal comma.
pub fn french_number(value: Decimal) -> String {
    let text = value.normalize().abs().to_string();
    let (whole, decimals) = match text.split_once('.') {
        Some((whole, decimals)) => (whole.to_owned(), Some(decimals.to_owned())),
        None => (text, None),
    };
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    match decimals {
        Some(decimals) => format!("{sign}{grouped},{decimals}"),
        None => format!("{sign}{grouped}"),
    }
}

impl Bound {
    /// `value` itself when within the range.
    pub fn check(&self, value: Decimal) -> Result<Decimal, OutOfBounds> {
        let (word, limit) = if value > self.max {
            ("au plus", self.max)
        } else if value < self.min {
            ("au moins", self.min)
        } else {
            return Ok(value);
        };
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        Err(OutOfBounds {
            field: self.field,
            code: self.code,
            message: format!("{} : {word} {}{unit}", self.label, french_number(limit)),
        })
    }

    /// For counts and sizes typed as integers.
    pub fn check_integer(&self, value: impl Into<Decimal>) -> Result<(), OutOfBounds> {
        self.check(value.into()).map(|_| ())
    }
}

impl TextBound {
    pub fn check(&self, text: &str) -> Result<(), OutOfBounds> {
        if text.chars().count() <= self.max_chars {
            return Ok(());
        }
        Err(OutOfBounds {
            field: self.field,
            code: self.code,
            message: format!(
                "{} : au plus {} caractères",
                self.label,
                french_number(Decimal::from(self.max_chars))
            ),
        })
    }

    pub fn check_optional(&self, text: Option<&str>) -> Result<(), OutOfBounds> {
        text.map_or(Ok(()), |text| self.check(text))
    }
}

impl DateBound {
    /// `today` is the decision day in Paris (from `Stamped::now`).
    pub fn check(&self, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, OutOfBounds> {
        let latest = if self.past { today } else { LATEST };
        let rule = if date < EARLIEST {
            "pas avant le 01/01/2000".to_owned()
        } else if date > latest && self.past {
            "pas après aujourd'hui".to_owned()
        } else if date > latest {
            format!("pas après le {}", LATEST.format("%d/%m/%Y"))
        } else {
            return Ok(date);
        };
        Err(OutOfBounds {
            field: self.field,
            code: self.code,
            message: format!("{} : {rule}", self.label),
        })
    }
}

/// What a refusal may quote of the input: its first 40 characters, then « … ». A message names
/// the field and the limit; repeating 100 000 characters typed by mistake (or by an attacker)
/// would only make the answer as large as the request.
pub fn excerpt(text: &str) -> String {
    const SHOWN: usize = 40;
    let mut chars = text.chars();
    let shown: String = chars.by_ref().take(SHOWN).collect();
    if chars.next().is_some() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// What overflowed in a calculation the bounds should already keep small: refused, never a
/// panic.
pub fn overflow(what: &'static str) -> OutOfBounds {
    OutOfBounds {
        field: what,
        code: "AMOUNT_TOO_LARGE",
        message: format!("{what} : montant trop grand pour être calculé"),
    }
}

/// `a × b`, refused instead of panicking when it leaves `Decimal`'s range.
pub fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, OutOfBounds> {
    a.checked_mul(b).ok_or_else(|| overflow(what))
}

/// `a + b`, refused instead of panicking.
pub fn add(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, OutOfBounds> {
    a.checked_add(b).ok_or_else(|| overflow(what))
}

const fn int(value: i64) -> Decimal {
    Decimal::from_parts(value as u32, (value >> 32) as u32, 0, value < 0, 0)
}

/// `units / 10^scale`: `milli(1, 3)` is 0.001.
const fn scaled(units: u32, scale: u32) -> Decimal {
    Decimal::from_parts(units, 0, 0, false, scale)
}

const fn bound(
    field: &'static str,
    label: &'static str,
    min: Decimal,
    max: Decimal,
    unit: &'static str,
    code: &'static str,
) -> Bound {
    Bound {
        field,
        label,
        min,
        max,
        unit,
        code,
    }
}

const fn text(
    field: &'static str,
    label: &'static str,
    max_chars: usize,
    code: &'static str,
) -> TextBound {
    TextBound {
        field,
        label,
        max_chars,
        code,
    }
}

/// Quotes (and the lines a project is opened with, priced the same way).
pub mod quote {
    use super::*;

    pub const LINES: Bound = bound(
        "QuoteInput.lines",
        "nombre de lignes",
        int(1),
        int(200),
        "",
        "QUOTE_LINES_OUT_OF_RANGE",
    );
    pub const QUANTITY: Bound = bound(
        "QuoteLineInput.quantity",
        "quantité",
        int(1),
        int(10_000),
        "",
        "QUOTE_QUANTITY_OUT_OF_RANGE",
    );
    /// A part longer than a semi-trailer does not enter a coating line.
    pub const DIMENSION_MM: Bound = bound(
        "QuoteLineInput.lengthMm / widthMm",
        "dimension",
        scaled(1, 1),
        int(20_000),
        "mm",
        "QUOTE_DIMENSION_OUT_OF_RANGE",
    );
    pub const AREA_M2: Bound = bound(
        "QuoteLineInput.areaM2",
        "surface par pièce",
        scaled(1, 4),
        int(1_000),
        "m²",
        "QUOTE_AREA_OUT_OF_RANGE",
    );
    /// A week of work per part.
    pub const LABOUR_MINUTES: Bound = bound(
        "QuoteLineInput.labourMinutes",
        "main d'œuvre par pièce",
        int(0),
        int(10_000),
        "min",
        "QUOTE_LABOUR_OUT_OF_RANGE",
    );
    pub const CONSUMABLES: Bound = bound(
        "QuoteLineInput.consumables",
        "consommables",
        int(0),
        int(100_000),
        "€",
        "QUOTE_CONSUMABLES_OUT_OF_RANGE",
    );
    pub const DESCRIPTION: TextBound = text(
        "QuoteLineInput.description",
        "description de la ligne",
        2_000,
        "QUOTE_DESCRIPTION_TOO_LONG",
    );
    pub const LINE_TOTAL: Bound = bound(
        "total HT d'une ligne",
        "total HT de la ligne",
        int(0),
        int(1_000_000),
        "€",
        "QUOTE_LINE_TOTAL_OUT_OF_RANGE",
    );
    pub const TOTAL_TTC: Bound = bound(
        "total TTC d'un devis",
        "total TTC du devis",
        int(0),
        int(10_000_000),
        "€",
        "QUOTE_TOTAL_OUT_OF_RANGE",
    );
    pub const DEPOSIT_AMOUNT: Bound = bound(
        "DepositInput.amount",
        "acompte",
        int(0),
        int(10_000_000),
        "€",
        "QUOTE_DEPOSIT_OUT_OF_RANGE",
    );
    pub const VALID_UNTIL: DateBound = DateBound {
        field: "QuoteInput.validUntil",
        label: "date de validité",
        past: false,
        code: "QUOTE_VALIDITY_OUT_OF_RANGE",
    };
    pub const HOURLY_RATE: Bound = bound(
        "QuoteSettingsInput.hourlyRate",
        "taux horaire",
        int(0),
        int(1_000),
        "€/h",
        "QUOTE_HOURLY_RATE_OUT_OF_RANGE",
    );
    pub const MARGIN_PCT: Bound = bound(
        "QuoteSettingsInput.powderMarginPct / labourMarginPct",
        "marge",
        int(0),
        int(1_000),
        "%",
        "QUOTE_MARGIN_OUT_OF_RANGE",
    );
    pub const PRIMER_VARNISH_PRICE: Bound = bound(
        "QuoteSettingsInput.primerPricePerKg / varnishPricePerKg",
        "prix au kg du primaire ou du vernis",
        int(0),
        int(1_000),
        "€/kg",
        "QUOTE_PRICE_PER_KG_OUT_OF_RANGE",
    );
}

/// The powder catalogue and stock movements.
pub mod powder {
    use super::*;

    /// A truck of powder, at most: what one reception, consumption or lot may weigh.
    pub const MOVEMENT_KG: Bound = bound(
        "receivePowder.kg / consumePowder.kg",
        "quantité",
        scaled(1, 3),
        int(10_000),
        "kg",
        "POWDER_KG_OUT_OF_RANGE",
    );
    /// What a workshop scale weighs.
    pub const GROSS_KG: Bound = bound(
        "weighPowder.grossKg",
        "poids brut",
        int(0),
        int(1_000),
        "kg",
        "POWDER_GROSS_KG_OUT_OF_RANGE",
    );
    pub const FORMAT_KG: Bound = bound(
        "FormatInput.kg / receivePowder.formatKg",
        "format du carton",
        scaled(1, 3),
        int(1_000),
        "kg",
        "POWDER_FORMAT_KG_OUT_OF_RANGE",
    );
    pub const FORMATS: Bound = bound(
        "PowderInput.formats",
        "nombre de formats",
        int(1),
        int(20),
        "",
        "POWDER_FORMATS_OUT_OF_RANGE",
    );
    pub const PRICE_PER_KG: Bound = bound(
        "PowderInput.pricePerKg",
        "prix au kg",
        int(0),
        int(1_000),
        "€/kg",
        "POWDER_PRICE_OUT_OF_RANGE",
    );
    /// Real powders spray 0.05 to 0.5 kg/m²; ten times that is a typing error.
    pub const CONSUMPTION_KG_M2: Bound = bound(
        "PowderInput.consumptionKgM2",
        "consommation",
        scaled(1, 3),
        int(5),
        "kg/m²",
        "POWDER_CONSUMPTION_OUT_OF_RANGE",
    );
    pub const TRANSFER_EFFICIENCY: Bound = bound(
        "PowderInput.transferEfficiency",
        "rendement de transfert",
        scaled(5, 2),
        int(1),
        "",
        "POWDER_EFFICIENCY_OUT_OF_RANGE",
    );
    pub const REFERENCE: TextBound = text(
        "PowderInput.reference",
        "référence",
        100,
        "POWDER_REFERENCE_TOO_LONG",
    );
    pub const BRAND: TextBound = text("PowderInput.brand", "marque", 200, "POWDER_BRAND_TOO_LONG");
    pub const NAME: TextBound = text("PowderInput.name", "nom", 200, "POWDER_NAME_TOO_LONG");
    pub const COLOUR: TextBound = text(
        "PowderInput.colour",
        "teinte",
        100,
        "POWDER_COLOUR_TOO_LONG",
    );
    pub const CONSUMPTION_NOTE: TextBound = text(
        "consumePowder.note",
        "motif de la consommation",
        2_000,
        "POWDER_NOTE_TOO_LONG",
    );
    pub const EXPIRES_ON: DateBound = DateBound {
        field: "receivePowder.expiresOn",
        label: "date de péremption",
        past: false,
        code: "POWDER_EXPIRY_OUT_OF_RANGE",
    };
}

/// Payments, refunds and invoices.
pub mod billing {
    use super::*;

    pub const PAYMENT_AMOUNT: Bound = bound(
        "PaymentInput.amount",
        "montant du paiement",
        scaled(1, 2),
        int(10_000_000),
        "€",
        "PAYMENT_AMOUNT_OUT_OF_RANGE",
    );
    pub const REFUND_AMOUNT: Bound = bound(
        "RefundInput.amount",
        "montant du remboursement",
        scaled(1, 2),
        int(10_000_000),
        "€",
        "REFUND_AMOUNT_OUT_OF_RANGE",
    );
    pub const PAYMENT_REFERENCE: TextBound = text(
        "PaymentInput.reference",
        "référence du paiement",
        200,
        "PAYMENT_REFERENCE_TOO_LONG",
    );
    pub const REFUND_REASON: TextBound = text(
        "RefundInput.reason",
        "motif du remboursement",
        2_000,
        "REFUND_REASON_TOO_LONG",
    );
    pub const RECEIVED_ON: DateBound = DateBound {
        field: "PaymentInput.receivedOn",
        label: "date du paiement",
        past: true,
        code: "PAYMENT_DATE_OUT_OF_RANGE",
    };
}

/// The workshop's invoicing settings: what every invoice prints.
pub mod invoice_settings {
    use super::*;

    pub const SELLER_TEXT: TextBound = text(
        "SellerInput.legalName / legalForm / registration / email / address",
        "mention du vendeur",
        200,
        "SELLER_TEXT_TOO_LONG",
    );
    pub const LATE_PENALTY: TextBound = text(
        "InvoiceSettingsInput.latePenalty",
        "mention des pénalités de retard",
        1_000,
        "LATE_PENALTY_TOO_LONG",
    );
    /// ISO 13616: at most 34 letters and digits; the spaces people type between groups of
    /// four are not counted.
    pub const IBAN: TextBound = text(
        "SellerInput.iban",
        "IBAN (sans les espaces)",
        34,
        "SELLER_IBAN_TOO_LONG",
    );
    /// Our account as the chart writes it (digits, like `Chart`'s accounts).
    pub const PENNYLANE_ACCOUNT: TextBound = text(
        "PennylaneAccountInput.account",
        "compte du plan",
        20,
        "PENNYLANE_ACCOUNT_TOO_LONG",
    );
    /// Pennylane's numeric id of a ledger account: positive, and typed as a GraphQL `Int`
    /// (32 bits).
    pub const PENNYLANE_LEDGER_ACCOUNT_ID: Bound = bound(
        "PennylaneAccountInput.ledgerAccountId",
        "identifiant du compte Pennylane",
        int(1),
        int(2_147_483_647),
        "",
        "PENNYLANE_LEDGER_ACCOUNT_OUT_OF_RANGE",
    );
}

/// Partial inventories.
pub mod inventory {
    use super::*;

    pub const NAME: TextBound = text(
        "planInventory.name",
        "nom de l'inventaire",
        200,
        "INVENTORY_NAME_TOO_LONG",
    );
    /// How many powders a partial inventory counts: a few shelves, not the whole store.
    pub const SIZE: Bound = bound(
        "planInventory.size",
        "nombre de poudres à compter",
        int(1),
        int(200),
        "",
        "INVENTORY_SIZE_OUT_OF_RANGE",
    );
    pub const STARTS_ON: DateBound = DateBound {
        field: "planInventory.startsOn / endsOn",
        label: "période de l'inventaire",
        past: false,
        code: "INVENTORY_DATE_OUT_OF_RANGE",
    };
}

/// Projects opened at the counter and their journal.
pub mod project {
    use super::*;

    pub const END_USE: TextBound = text(
        "ProjectInput.endUse",
        "usage",
        200,
        "PROJECT_END_USE_TOO_LONG",
    );
    /// Why a step is skipped, a QC comment, a non-conformity's comment or action.
    pub const NOTE: TextBound = text(
        "skipStep.reason / QcAnswerInput.comment / NonConformityInput.comment / correctiveAction",
        "texte",
        5_000,
        "PROJECT_TEXT_TOO_LONG",
    );
    pub const DEPOSITED_ON: DateBound = DateBound {
        field: "ProjectInput.depositedOn",
        label: "date de dépôt",
        past: false,
        code: "PROJECT_DATE_OUT_OF_RANGE",
    };
    pub const PROMISED_ON: DateBound = DateBound {
        field: "ProjectInput.promisedOn",
        label: "date promise",
        past: false,
        code: "PROJECT_DATE_OUT_OF_RANGE",
    };
}

/// The oven the packing works in.
pub mod oven {
    use super::*;

    /// The biggest tunnel ovens are around 20 m.
    pub const SIZE_MM: Bound = bound(
        "OvenInput.lengthMm / widthMm / heightMm / barSpacingMm / gapMm / marginMm / hookMm",
        "dimension du four",
        int(0),
        int(50_000),
        "mm",
        "OVEN_DIMENSION_OUT_OF_RANGE",
    );
    pub const MAX_LOAD_KG: Bound = bound(
        "OvenInput.maxLoadKg",
        "charge maximale",
        scaled(1, 3),
        int(100_000),
        "kg",
        "OVEN_LOAD_OUT_OF_RANGE",
    );
}

/// The client's journal.
pub mod client {
    use super::*;

    pub const INTERACTION_ON: DateBound = DateBound {
        field: "recordInteraction.occurredAt",
        label: "date de l'interaction",
        past: true,
        code: "INTERACTION_DATE_OUT_OF_RANGE",
    };
}

/// Accounts and sessions: what is typed at sign-up and at the door. Accounts live outside the
/// log (ADR 0003), so the command side checks these; the consent versions are checked by the
/// workspace aggregate.
pub mod account {
    use super::*;

    /// E.164 has at most 15 digits; typed with spaces, dots and « +33 (0) », 30 is plenty.
    pub const PHONE: TextBound = text(
        "SignUpInput.phone",
        "téléphone",
        30,
        "ACCOUNT_PHONE_TOO_LONG",
    );
    /// A version label (« 2026-11 », « v3.2 »), not the document itself.
    pub const CONSENT_VERSION: TextBound = text(
        "ConsentInput.termsVersion / privacyPolicyVersion",
        "version des conditions acceptées",
        50,
        "CONSENT_VERSION_TOO_LONG",
    );
    /// A TOTP code has 6 digits and a recovery code 11 characters; typed with spaces, 20.
    pub const TWO_FACTOR_CODE: TextBound = text(
        "LoginInput.totpCode / recoveryCode, acceptInvitation.totpCode / recoveryCode",
        "code de vérification",
        20,
        "TWO_FACTOR_CODE_TOO_LONG",
    );
    /// Our refresh tokens are 43 characters (256 random bits in base64).
    pub const REFRESH_TOKEN: TextBound = text(
        "refreshSession.refreshToken / logout.refreshToken",
        "jeton de renouvellement",
        100,
        "REFRESH_TOKEN_TOO_LONG",
    );
}

/// A workshop's own SMTP server (not an aggregate: its password is sealed beside the log, so
/// the command side checks these).
pub mod mail_settings {
    use super::*;

    /// A DNS name is at most 253 characters (RFC 1035).
    pub const SMTP_HOST: TextBound = text(
        "SmtpSettingsInput.host",
        "serveur SMTP",
        253,
        "SMTP_HOST_TOO_LONG",
    );
    /// Providers' logins are an address (254) or a key name; passwords and API keys they issue
    /// stay well within 256.
    pub const SMTP_CREDENTIAL: TextBound = text(
        "SmtpSettingsInput.username / password",
        "identifiant ou mot de passe SMTP",
        256,
        "SMTP_CREDENTIAL_TOO_LONG",
    );
}

/// The platform's catalogue, typed by the editor.
pub mod platform {
    use super::*;

    pub const MONTHLY_PRICE: Bound = bound(
        "PricesInput.monthlyHt",
        "prix mensuel HT",
        int(0),
        int(10_000),
        "€",
        "MONTHLY_PRICE_OUT_OF_RANGE",
    );
    pub const YEARLY_PRICE: Bound = bound(
        "PricesInput.yearlyHt",
        "prix annuel HT",
        int(0),
        int(120_000),
        "€",
        "YEARLY_PRICE_OUT_OF_RANGE",
    );
    /// A trial shorter than a day shows nothing; longer than a quarter is a free plan.
    pub const TRIAL_DAYS: Bound = bound(
        "setTrialLength.days",
        "durée de l'essai",
        int(1),
        int(90),
        "jours",
        "TRIAL_DAYS_OUT_OF_RANGE",
    );
    pub const ROLLOUT_PERCENT: Bound = bound(
        "setFeatureRollout.percent",
        "part des ateliers",
        int(0),
        int(100),
        "%",
        "ROLLOUT_PERCENT_OUT_OF_RANGE",
    );
    pub const APPLIES_FROM: DateBound = DateBound {
        field: "appliesFrom",
        label: "date d'application",
        past: false,
        code: "APPLIES_FROM_OUT_OF_RANGE",
    };
}

/// One row of the table of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Number(Bound),
    Text(TextBound),
    Date(DateBound),
}

impl Limit {
    pub fn field(&self) -> &'static str {
        match self {
            Self::Number(bound) => bound.field,
            Self::Text(bound) => bound.field,
            Self::Date(bound) => bound.field,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Number(bound) => bound.code,
            Self::Text(bound) => bound.code,
            Self::Date(bound) => bound.code,
        }
    }
}

impl Limit {
    /// The range in French, as docs/api.md prints it.
    pub fn range(&self) -> String {
        match self {
            Self::Number(bound) => {
                let unit = if bound.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", bound.unit)
                };
                format!(
                    "de {} à {}{unit}",
                    french_number(bound.min),
                    french_number(bound.max)
                )
            }
            Self::Text(bound) => format!(
                "au plus {} caractères",
                french_number(Decimal::from(bound.max_chars))
            ),
            Self::Date(bound) if bound.past => "du 01/01/2000 à aujourd'hui (Paris)".to_owned(),
            Self::Date(_) => format!("du 01/01/2000 au {}", LATEST.format("%d/%m/%Y")),
        }
    }
}

/// The table of docs/api.md (« Limites des saisies »); a test keeps them the same.
pub fn markdown_table() -> String {
    let mut table = "| Field | Range | Reason |\n|---|---|---|\n".to_owned();
    for limit in ALL {
        table.push_str(&format!(
            "| `{}` | {} | `{}` |\n",
            limit.field(),
            limit.range().replace('\u{202f}', " "),
            limit.code()
        ));
    }
    table
}

/// Every limit, in the order docs/api.md lists them.
pub const ALL: &[Limit] = &[
    Limit::Number(quote::LINES),
    Limit::Number(quote::QUANTITY),
    Limit::Number(quote::DIMENSION_MM),
    Limit::Number(quote::AREA_M2),
    Limit::Number(quote::LABOUR_MINUTES),
    Limit::Number(quote::CONSUMABLES),
    Limit::Text(quote::DESCRIPTION),
    Limit::Number(quote::LINE_TOTAL),
    Limit::Number(quote::TOTAL_TTC),
    Limit::Number(quote::DEPOSIT_AMOUNT),
    Limit::Date(quote::VALID_UNTIL),
    Limit::Number(quote::HOURLY_RATE),
    Limit::Number(quote::MARGIN_PCT),
    Limit::Number(quote::PRIMER_VARNISH_PRICE),
    Limit::Number(powder::MOVEMENT_KG),
    Limit::Number(powder::GROSS_KG),
    Limit::Number(powder::FORMAT_KG),
    Limit::Number(powder::FORMATS),
    Limit::Number(powder::PRICE_PER_KG),
    Limit::Number(powder::CONSUMPTION_KG_M2),
    Limit::Number(powder::TRANSFER_EFFICIENCY),
    Limit::Text(powder::REFERENCE),
    Limit::Text(powder::BRAND),
    Limit::Text(powder::NAME),
    Limit::Text(powder::COLOUR),
    Limit::Text(powder::CONSUMPTION_NOTE),
    Limit::Date(powder::EXPIRES_ON),
    Limit::Number(billing::PAYMENT_AMOUNT),
    Limit::Number(billing::REFUND_AMOUNT),
    Limit::Text(billing::PAYMENT_REFERENCE),
    Limit::Text(billing::REFUND_REASON),
    Limit::Date(billing::RECEIVED_ON),
    Limit::Text(invoice_settings::SELLER_TEXT),
    Limit::Text(invoice_settings::LATE_PENALTY),
    Limit::Text(invoice_settings::IBAN),
    Limit::Text(invoice_settings::PENNYLANE_ACCOUNT),
    Limit::Number(invoice_settings::PENNYLANE_LEDGER_ACCOUNT_ID),
    Limit::Text(inventory::NAME),
    Limit::Number(inventory::SIZE),
    Limit::Date(inventory::STARTS_ON),
    Limit::Text(project::END_USE),
    Limit::Text(project::NOTE),
    Limit::Date(project::DEPOSITED_ON),
    Limit::Date(project::PROMISED_ON),
    Limit::Number(oven::SIZE_MM),
    Limit::Number(oven::MAX_LOAD_KG),
    Limit::Date(client::INTERACTION_ON),
    Limit::Text(account::PHONE),
    Limit::Text(account::CONSENT_VERSION),
    Limit::Text(account::TWO_FACTOR_CODE),
    Limit::Text(account::REFRESH_TOKEN),
    Limit::Text(mail_settings::SMTP_HOST),
    Limit::Text(mail_settings::SMTP_CREDENTIAL),
    Limit::Number(platform::MONTHLY_PRICE),
    Limit::Number(platform::YEARLY_PRICE),
    Limit::Number(platform::TRIAL_DAYS),
    Limit::Number(platform::ROLLOUT_PERCENT),
    Limit::Date(platform::APPLIES_FROM),
];

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_largest_value_is_accepted_and_one_more_refused() {
        let bound = quote::QUANTITY;
        assert_eq!(bound.check(dec!(10000)), Ok(dec!(10000)));
        let refused = bound.check(dec!(10001)).unwrap_err();
        assert_eq!(refused.to_string(), "quantité : au plus 10\u{202f}000");
        assert_eq!(refused.code(), "QUOTE_QUANTITY_OUT_OF_RANGE");
        assert_eq!(refused.kind(), ErrorKind::Validation);
        assert_eq!(
            bound.check(dec!(0)).unwrap_err().to_string(),
            "quantité : au moins 1"
        );
        assert_eq!(
            powder::MOVEMENT_KG.check(dec!(-1)).unwrap_err().to_string(),
            "quantité : au moins 0,001 kg"
        );
    }

    #[test]
    fn texts_count_characters_not_bytes() {
        let bound = powder::COLOUR;
        assert_eq!(bound.check(&"é".repeat(100)), Ok(()));
        assert_eq!(
            bound.check(&"é".repeat(101)).unwrap_err().to_string(),
            "teinte : au plus 100 caractères"
        );
    }

    #[test]
    fn past_dates_stop_today_and_no_date_is_before_2000() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
        let bound = billing::RECEIVED_ON;
        assert_eq!(bound.check(today, today), Ok(today));
        assert_eq!(bound.check(EARLIEST, today), Ok(EARLIEST));
        let tomorrow = today.succ_opt().unwrap();
        assert_eq!(
            bound.check(tomorrow, today).unwrap_err().to_string(),
            "date du paiement : pas après aujourd'hui"
        );
        let before = EARLIEST.pred_opt().unwrap();
        assert_eq!(
            bound.check(before, today).unwrap_err().to_string(),
            "date du paiement : pas avant le 01/01/2000"
        );
        assert_eq!(powder::EXPIRES_ON.check(tomorrow, today), Ok(tomorrow));
        assert!(powder::EXPIRES_ON
            .check(LATEST.succ_opt().unwrap(), today)
            .is_err());
    }

    #[test]
    fn every_limit_has_its_own_field_and_a_sane_range() {
        let mut fields: Vec<_> = ALL.iter().map(Limit::field).collect();
        fields.sort();
        fields.dedup();
        assert_eq!(fields.len(), ALL.len(), "one row per field");
        for limit in ALL {
            if let Limit::Number(bound) = limit {
                assert!(bound.min <= bound.max, "{}", bound.field);
                // Two bounded figures multiplied stay far inside Decimal's 28 digits.
                assert!(
                    bound.max.checked_mul(bound.max).is_some(),
                    "{}",
                    bound.field
                );
            }
        }
    }

    #[test]
    fn docs_list_every_limit() {
        let docs = include_str!("../../docs/api.md");
        let table = markdown_table();
        assert!(
            docs.contains(&table),
            "docs/api.md « Limites des saisies » should read:\n{table}"
        );
    }

    #[test]
    fn refusals_quote_at_most_forty_characters() {
        assert_eq!(excerpt("RAL 7016"), "RAL 7016");
        assert_eq!(excerpt(&"é".repeat(40)), "é".repeat(40));
        assert_eq!(
            excerpt(&"é".repeat(100_000)),
            format!("{}…", "é".repeat(40))
        );
    }

    #[test]
    fn overflow_is_a_refusal() {
        assert_eq!(
            mul(Decimal::MAX, dec!(2), "total").unwrap_err().code,
            "AMOUNT_TOO_LARGE"
        );
        assert_eq!(add(dec!(1), dec!(2), "total"), Ok(dec!(3)));
        assert_eq!(french_number(dec!(1234567.50)), "1\u{202f}234\u{202f}567,5");
    }
}
