//! Quotes and the quote settings as GraphQL shows them, and their inputs as the write side
//! takes them.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use commands::quote::{LineDraft, QuoteDraft};
use domain::quote::lifecycle::{Deposit, PricedContent};
use domain::quote::pricing::Surface;
use domain::quote::settings::QuoteSettings;
use domain::Role;
use projections::quote::QuoteRow;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ApiError;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "QuoteStatus")]
pub enum QuoteStatusValue {
    Draft,
    Sent,
    Accepted,
    Refused,
    Expired,
}

impl QuoteStatusValue {
    pub fn stored(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::Expired => "expired",
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            "sent" => Self::Sent,
            "accepted" => Self::Accepted,
            "refused" => Self::Refused,
            "expired" => Self::Expired,
            _ => Self::Draft,
        }
    }
}

/// Une ligne du devis : la surface par dimensions (mm) ou en m², par pièce.
#[derive(InputObject)]
pub struct QuoteLineInput {
    pub description: String,
    pub quantity: u32,
    pub length_mm: Option<Decimal>,
    pub width_mm: Option<Decimal>,
    pub area_m2: Option<Decimal>,
    /// Une poudre du catalogue ; absente pour une ligne de main d'œuvre seule.
    pub powder_id: Option<ID>,
    #[graphql(default = 1)]
    pub coats: u8,
    #[graphql(default)]
    pub primer: bool,
    #[graphql(default)]
    pub varnish: bool,
    /// Minutes par pièce.
    #[graphql(default)]
    pub labour_minutes: Decimal,
    /// € HT pour la ligne.
    #[graphql(default)]
    pub consumables: Decimal,
    #[graphql(default)]
    pub discount_pct: Decimal,
    /// 20, 10, 5.5, 2.1 ou 0.
    #[graphql(default_with = "Decimal::from(20)")]
    pub vat_rate: Decimal,
}

/// L'acompte : un montant TTC ou un pourcentage (un seul des deux ; aucun : pas d'acompte).
#[derive(InputObject)]
pub struct DepositInput {
    pub amount: Option<Decimal>,
    pub percent: Option<Decimal>,
}

impl DepositInput {
    fn deposit(self) -> Result<Deposit, ApiError> {
        match (self.amount, self.percent) {
            (Some(amount), None) => Ok(Deposit::Amount(amount)),
            (None, Some(percent)) => Ok(Deposit::Percent(percent)),
            (None, None) => Ok(Deposit::None),
            (Some(_), Some(_)) => Err(invalid(
                "QUOTE_DEPOSIT_INVALID",
                "l'acompte est un montant ou un pourcentage, pas les deux".to_owned(),
            )),
        }
    }
}

#[derive(InputObject)]
pub struct QuoteInput {
    pub client_id: ID,
    pub lines: Vec<QuoteLineInput>,
    /// La validité de l'atelier si absente.
    pub valid_until: Option<NaiveDate>,
    /// La règle d'acompte de l'atelier si absente.
    pub deposit: Option<DepositInput>,
}

fn invalid(reason: &'static str, message: String) -> ApiError {
    ApiError::new(domain::ErrorKind::Validation, reason, message)
}

impl QuoteInput {
    pub fn draft(self) -> Result<QuoteDraft, ApiError> {
        let client_id = Uuid::parse_str(&self.client_id).map_err(|_| {
            ApiError::new(
                domain::ErrorKind::NotFound,
                "CLIENT_NOT_FOUND",
                "ce client n'existe pas",
            )
        })?;
        let lines = line_drafts(self.lines)?;
        let deposit = self.deposit.map(DepositInput::deposit).transpose()?;
        Ok(QuoteDraft {
            client_id,
            lines,
            valid_until: self.valid_until,
            deposit,
        })
    }
}

/// Lines as typed, for a quote or a project: by dimensions or by area.
pub fn line_drafts(inputs: Vec<QuoteLineInput>) -> Result<Vec<LineDraft>, ApiError> {
    let mut lines = Vec::with_capacity(inputs.len());
    for (index, line) in inputs.into_iter().enumerate() {
        let surface = match (line.length_mm, line.width_mm, line.area_m2) {
            (Some(length_mm), Some(width_mm), None) => Surface::Dimensions {
                length_mm,
                width_mm,
            },
            (None, None, Some(m2)) => Surface::Area { m2 },
            _ => {
                return Err(invalid(
                    "QUOTE_SURFACE_INVALID",
                    format!(
                        "ligne {} : donnez la longueur et la largeur (mm), ou la surface (m²)",
                        index + 1
                    ),
                ))
            }
        };
        lines.push(LineDraft {
            description: line.description,
            quantity: line.quantity,
            surface,
            powder_id: line.powder_id.map(|id| id.0),
            coats: line.coats,
            primer: line.primer,
            varnish: line.varnish,
            labour_minutes: line.labour_minutes,
            consumables: line.consumables,
            discount_pct: line.discount_pct,
            vat_rate: line.vat_rate,
        });
    }
    Ok(lines)
}

/// Une étape du calcul, telle que l'écran l'explique.
#[derive(SimpleObject)]
pub struct PriceStep {
    pub label: String,
    pub detail: String,
    pub amount: Decimal,
}

#[derive(SimpleObject)]
pub struct QuoteLineNode {
    pub description: String,
    pub quantity: u32,
    pub surface_m2: Decimal,
    pub powder_reference: Option<String>,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    /// Poudre estimée (kg). Interne à l'atelier : absente pour le client.
    pub powder_kg: Option<Decimal>,
    pub unit_price_ht: Decimal,
    pub total_ht: Decimal,
    pub vat_rate: Decimal,
    /// Le détail du calcul (marges, main d'œuvre). Interne à l'atelier : vide pour le client,
    /// qui voit ce qu'on lui a envoyé.
    pub steps: Vec<PriceStep>,
}

#[derive(SimpleObject)]
pub struct VatLine {
    pub rate: Decimal,
    pub base_ht: Decimal,
    pub vat: Decimal,
}

/// Un devis, dans sa version courante.
#[derive(SimpleObject)]
#[graphql(name = "Quote")]
pub struct QuoteNode {
    pub id: ID,
    pub number: String,
    pub version: i32,
    pub status: QuoteStatusValue,
    pub client_id: ID,
    pub total_ht: Decimal,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    /// Acompte TTC dû à la signature.
    pub deposit_due: Decimal,
    pub valid_until: NaiveDate,
    pub lines: Vec<QuoteLineNode>,
    /// La TVA par taux.
    pub vat: Vec<VatLine>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// SHA-256 du PDF envoyé au client : celui qu'une signature doit nommer.
    pub sent_pdf_sha256: Option<String>,
    /// Le PDF du devis tel qu'il est (brouillon, envoyé ou signé).
    pub pdf_url: String,
    pub updated_at: DateTime<Utc>,
}

impl QuoteNode {
    /// The quote as `role` may read it: a client in its portal gets what its PDF shows,
    /// without the workshop's breakdown (margins, labour, powder estimate).
    pub fn seen_by(row: QuoteRow, role: Role) -> Self {
        let mut node = Self::from(row);
        if role == Role::Client {
            for line in &mut node.lines {
                line.steps.clear();
                line.powder_kg = None;
            }
        }
        node
    }
}

impl From<QuoteRow> for QuoteNode {
    fn from(row: QuoteRow) -> Self {
        let content: Option<PricedContent> = serde_json::from_value(row.content).ok();
        let (lines, vat) = match content {
            Some(content) => (
                content
                    .content
                    .lines
                    .iter()
                    .zip(content.priced.lines)
                    .map(|(line, priced)| QuoteLineNode {
                        description: line.description.clone(),
                        quantity: line.quantity,
                        surface_m2: priced.surface_m2,
                        powder_reference: line
                            .powder
                            .as_ref()
                            .map(|powder| powder.identity.reference().to_owned()),
                        coats: line.coats,
                        primer: line.primer,
                        varnish: line.varnish,
                        powder_kg: Some(priced.powder_kg),
                        unit_price_ht: priced.unit_price_ht,
                        total_ht: priced.total_ht,
                        vat_rate: priced.vat_rate,
                        steps: priced
                            .steps
                            .into_iter()
                            .map(|step| PriceStep {
                                label: step.label,
                                detail: step.detail,
                                amount: step.amount,
                            })
                            .collect(),
                    })
                    .collect(),
                content
                    .priced
                    .vat
                    .into_iter()
                    .map(|total| VatLine {
                        rate: total.rate,
                        base_ht: total.base_ht,
                        vat: total.vat,
                    })
                    .collect(),
            ),
            None => (vec![], vec![]),
        };
        Self {
            id: ID(row.quote_id.to_string()),
            number: row.number,
            version: row.version,
            status: QuoteStatusValue::of(&row.status),
            client_id: ID(row.client_id.to_string()),
            total_ht: row.total_ht,
            total_vat: row.total_vat,
            total_ttc: row.total_ttc,
            deposit_due: row.deposit_due,
            valid_until: row.valid_until,
            lines,
            vat,
            created_at: row.created_at,
            sent_at: row.sent_at,
            sent_pdf_sha256: row.sent_pdf_sha256,
            pdf_url: format!("/api/v1/quotes/{}.pdf", row.quote_id),
            updated_at: row.updated_at,
        }
    }
}

/// Les réglages des devis de l'atelier.
#[derive(SimpleObject)]
pub struct QuoteSettingsNode {
    /// Modèle de numéro, ex. `DEV-{YYYY}-{NNNN}`.
    pub number_pattern: String,
    pub hourly_rate: Decimal,
    pub powder_margin_pct: Decimal,
    pub labour_margin_pct: Decimal,
    pub primer_price_per_kg: Decimal,
    pub varnish_price_per_kg: Decimal,
    pub validity_days: u16,
    pub deposit_amount: Option<Decimal>,
    pub deposit_percent: Option<Decimal>,
    /// Jours après l'envoi où un devis non signé est rappelé au client (J+2, J+7).
    pub reminder_days: Vec<u16>,
}

#[derive(InputObject)]
pub struct QuoteSettingsInput {
    pub number_pattern: String,
    pub hourly_rate: Decimal,
    pub powder_margin_pct: Decimal,
    pub labour_margin_pct: Decimal,
    pub primer_price_per_kg: Decimal,
    pub varnish_price_per_kg: Decimal,
    pub validity_days: u16,
    pub deposit: Option<DepositInput>,
    /// Relances des devis non signés, en jours après l'envoi (au plus 3) ; inchangées si
    /// absentes, aucune si vide.
    pub reminder_days: Option<Vec<u16>>,
}

impl QuoteSettingsInput {
    /// The settings as typed; no deposit when none is given. Reminders left out are `None`:
    /// the caller keeps those in force.
    pub fn settings(self) -> Result<(QuoteSettings, Option<Vec<u16>>), ApiError> {
        let pattern = domain::quote::numbering::NumberPattern::parse(&self.number_pattern)
            .map_err(|error| ApiError::domain(&error))?;
        let deposit = self
            .deposit
            .map(DepositInput::deposit)
            .transpose()?
            .unwrap_or(Deposit::None);
        let settings = QuoteSettings {
            pattern,
            rates: domain::quote::pricing::Rates {
                hourly_rate: self.hourly_rate,
                powder_margin_pct: self.powder_margin_pct,
                labour_margin_pct: self.labour_margin_pct,
                primer_price_per_kg: self.primer_price_per_kg,
                varnish_price_per_kg: self.varnish_price_per_kg,
            },
            validity_days: self.validity_days,
            deposit,
            reminder_days: Vec::new(),
        };
        Ok((settings, self.reminder_days))
    }
}

impl From<QuoteSettings> for QuoteSettingsNode {
    fn from(settings: QuoteSettings) -> Self {
        let (deposit_amount, deposit_percent) = match settings.deposit {
            Deposit::None => (None, None),
            Deposit::Amount(amount) => (Some(amount), None),
            Deposit::Percent(pct) => (None, Some(pct)),
        };
        Self {
            number_pattern: settings.pattern.as_str().to_owned(),
            hourly_rate: settings.rates.hourly_rate,
            powder_margin_pct: settings.rates.powder_margin_pct,
            labour_margin_pct: settings.rates.labour_margin_pct,
            primer_price_per_kg: settings.rates.primer_price_per_kg,
            varnish_price_per_kg: settings.rates.varnish_price_per_kg,
            validity_days: settings.validity_days,
            deposit_amount,
            deposit_percent,
            reminder_days: settings.reminder_days,
        }
    }
}
