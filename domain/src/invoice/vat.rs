//! Which VAT applies to an invoice (France and the EU): French VAT by default; an intra-EU
//! business client with a valid VAT number pays it itself (reverse charge, « autoliquidation »);
//! a business outside the EU is outside the scope of French VAT for a service on its goods;
//! a workshop under the franchise charges none. Each treatment carries its legal mention.

use serde::{Deserialize, Serialize};

use crate::client::identifiers::{vat_country, vat_number};
use crate::limits::excerpt;
use crate::{DomainError, ErrorKind};

/// ISO 3166 codes of the 27 member states (Greece is `GR` here, `EL` in VAT numbers).
const EU: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "GR", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VatTreatment {
    /// French VAT at each line's rate.
    Domestic,
    /// Intra-EU business client: no VAT invoiced, the client accounts for it.
    ReverseCharge { buyer_vat_number: String },
    /// Business client outside the EU: the service is taxed where the client is.
    OutsideEu,
    /// The workshop is under the VAT franchise (art. 293 B du CGI).
    Franchise,
}

impl VatTreatment {
    pub fn charges_vat(&self) -> bool {
        matches!(self, Self::Domestic)
    }

    /// The mention the invoice must carry, if any.
    pub fn mention(&self) -> Option<&'static str> {
        match self {
            Self::Domestic => None,
            Self::ReverseCharge { .. } => Some(
                "Autoliquidation — TVA due par le preneur (article 283-2 du CGI, article 196 de la directive 2006/112/CE)",
            ),
            Self::OutsideEu => Some("TVA non applicable — article 259-1 du CGI"),
            Self::Franchise => Some("TVA non applicable, article 293 B du CGI"),
        }
    }

    /// The EN 16931 VAT category code (UNCL 5305) of the invoice's lines.
    pub fn category(&self, rate_is_zero: bool) -> &'static str {
        match self {
            Self::Domestic if rate_is_zero => "Z",
            Self::Domestic => "S",
            Self::ReverseCharge { .. } => "AE",
            Self::OutsideEu => "O",
            Self::Franchise => "E",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatError {
    #[error("client professionnel dans l'UE ({country}) : un numéro de TVA intracommunautaire valide de ce pays est requis pour l'autoliquidation (« {} » ne l'est pas)", excerpt(.given))]
    VatNumberInvalid { country: String, given: String },
}

impl DomainError for VatError {
    fn code(&self) -> &'static str {
        "VAT_NUMBER_INVALID"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// The treatment for a French seller invoicing this client.
pub fn treatment(
    franchise: bool,
    professional: bool,
    country: &str,
    buyer_vat_number: Option<&str>,
) -> Result<VatTreatment, VatError> {
    if franchise {
        return Ok(VatTreatment::Franchise);
    }
    let country = country.trim().to_uppercase();
    if country.is_empty() || country == "FR" || !professional {
        // Private clients pay French VAT on work done in France, wherever they live.
        return Ok(VatTreatment::Domestic);
    }
    if !EU.contains(&country.as_str()) {
        return Ok(VatTreatment::OutsideEu);
    }
    let given = buyer_vat_number.unwrap_or_default();
    let expected_prefix = if country == "GR" { "EL" } else { &country };
    match vat_number(given) {
        Some(number) if vat_country(&number) == expected_prefix => {
            Ok(VatTreatment::ReverseCharge {
                buyer_vat_number: number,
            })
        }
        _ => Err(VatError::VatNumberInvalid {
            country,
            given: given.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_treatment() {
        assert_eq!(
            treatment(false, false, "DE", None),
            Ok(VatTreatment::Domestic)
        );
        assert_eq!(
            treatment(false, true, "FR", None),
            Ok(VatTreatment::Domestic)
        );
        assert_eq!(
            treatment(false, true, "de", Some("DE 123 456 789")),
            Ok(VatTreatment::ReverseCharge {
                buyer_vat_number: "DE123456789".into()
            })
        );
        assert_eq!(
            treatment(false, true, "GR", Some("GR123456789")),
            Ok(VatTreatment::ReverseCharge {
                buyer_vat_number: "EL123456789".into()
            })
        );
        assert_eq!(
            treatment(false, true, "CH", None),
            Ok(VatTreatment::OutsideEu)
        );
        assert_eq!(
            treatment(true, true, "DE", None),
            Ok(VatTreatment::Franchise)
        );
    }

    #[test]
    fn reverse_charge_needs_a_valid_number_of_the_clients_country() {
        for given in [None, Some("DE12345"), Some("BE0123456789")] {
            let error = treatment(false, true, "DE", given).unwrap_err();
            assert_eq!(error.code(), "VAT_NUMBER_INVALID");
            assert!(error.to_string().contains("autoliquidation"), "{error}");
        }
    }
}
