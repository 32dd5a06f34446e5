//! Importing a supplier's catalogue from CSV (spec §5.6). Every line is parsed and validated
//! before anything is written: one bad line refuses the file, with its line and column.
//!
//! Format (`;`-separated, first line the headers, decimal comma or point):
//! `reference;type;finition;marque;nom;couleur;densite;epaisseur_um;consommation_kg_m2;rendement;cuisson_c;cuisson_min;formats;prix_kg`
//! where `formats` lists `kg:tare` pairs separated by `|` (`25:0,8|5:0,3`).

use std::str::FromStr;

use domain::powder::catalogue::{Format, PowderError, PowderSpec};
use domain::powder::{Finish, PowderKind};
use domain::{DomainError, ErrorKind};
use rust_decimal::Decimal;

pub const COLUMNS: [&str; 14] = [
    "reference",
    "type",
    "finition",
    "marque",
    "nom",
    "couleur",
    "densite",
    "epaisseur_um",
    "consommation_kg_m2",
    "rendement",
    "cuisson_c",
    "cuisson_min",
    "formats",
    "prix_kg",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("en-têtes attendus : {expected}")]
    Headers { expected: String },
    #[error("ligne {line}, colonne {column} : {message}")]
    Cell {
        line: usize,
        column: &'static str,
        message: String,
    },
    #[error("ligne {line} : {source}")]
    Powder {
        line: usize,
        #[source]
        source: PowderError,
    },
    #[error("fichier illisible : {0}")]
    Unreadable(String),
}

impl DomainError for ImportError {
    fn code(&self) -> &'static str {
        match self {
            Self::Headers { .. } => "IMPORT_HEADERS",
            Self::Cell { .. } => "IMPORT_CELL_INVALID",
            Self::Powder { source, .. } => source.code(),
            Self::Unreadable(_) => "IMPORT_UNREADABLE",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

fn decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(&text.trim().replace(',', ".").replace(' ', "")).ok()
}

fn kind(text: &str) -> Option<PowderKind> {
    match text.trim().to_lowercase().replace(['é', 'è'], "e").as_str() {
        "epoxy" | "epoxy " => Some(PowderKind::Epoxy),
        "polyester" => Some(PowderKind::Polyester),
        "epoxy-polyester" | "epoxy polyester" | "hybride" => Some(PowderKind::EpoxyPolyester),
        "polyurethane" => Some(PowderKind::Polyurethane),
        "acrylique" | "acrylic" => Some(PowderKind::Acrylic),
        _ => None,
    }
}

fn finish(text: &str) -> Option<Finish> {
    match text.trim().to_lowercase().replace(['é', 'è'], "e").as_str() {
        "mat" | "matt" => Some(Finish::Matt),
        "satine" | "satin" => Some(Finish::Satin),
        "brillant" | "gloss" => Some(Finish::Gloss),
        "texture" | "structure" => Some(Finish::Texture),
        "metallise" | "metallic" | "metal" => Some(Finish::Metallic),
        _ => None,
    }
}

/// Parses and validates every line; returns the powders in file order.
pub fn parse_csv(text: &str) -> Result<Vec<PowderSpec>, ImportError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| ImportError::Unreadable(error.to_string()))?
        .iter()
        .map(|header| header.trim().to_lowercase())
        .collect::<Vec<_>>();
    if headers != COLUMNS {
        return Err(ImportError::Headers {
            expected: COLUMNS.join(";"),
        });
    }
    let mut powders = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record =
            record.map_err(|error| ImportError::Unreadable(format!("ligne {line} : {error}")))?;
        let cell = |column: usize| record.get(column).unwrap_or_default().trim().to_owned();
        let bad = |column: usize, message: &str| ImportError::Cell {
            line,
            column: COLUMNS[column],
            message: format!("{message} : « {} »", domain::limits::excerpt(&cell(column))),
        };
        let number =
            |column: usize| decimal(&cell(column)).ok_or_else(|| bad(column, "nombre attendu"));
        let optional = |column: usize| {
            let text = cell(column);
            if text.is_empty() {
                Ok(None)
            } else {
                decimal(&text)
                    .map(Some)
                    .ok_or_else(|| bad(column, "nombre attendu"))
            }
        };
        let integer = |column: usize| {
            cell(column)
                .parse::<u16>()
                .map_err(|_| bad(column, "nombre entier attendu"))
        };
        let mut formats = Vec::new();
        for pair in cell(12).split('|').filter(|pair| !pair.trim().is_empty()) {
            let (kg, tare) = pair
                .split_once(':')
                .ok_or_else(|| bad(12, "format kg:tare attendu"))?;
            formats.push(Format {
                kg: decimal(kg).ok_or_else(|| bad(12, "format kg:tare attendu"))?,
                tare_kg: decimal(tare).ok_or_else(|| bad(12, "format kg:tare attendu"))?,
            });
        }
        let spec = PowderSpec {
            reference: cell(0),
            kind: kind(&cell(1)).ok_or_else(|| {
                bad(
                    1,
                    "type inconnu (époxy, polyester, époxy-polyester, polyuréthane, acrylique)",
                )
            })?,
            finish: finish(&cell(2)).ok_or_else(|| {
                bad(
                    2,
                    "finition inconnue (mat, satiné, brillant, texturé, métallisé)",
                )
            })?,
            brand: cell(3),
            name: cell(4),
            colour: Some(cell(5)).filter(|colour| !colour.is_empty()),
            density_g_cm3: number(6)?,
            thickness_um: number(7)?,
            consumption_kg_m2: optional(8)?,
            transfer_efficiency: optional(9)?,
            cure_temperature_c: integer(10)?,
            cure_minutes: integer(11)?,
            formats,
            price_per_kg: number(13)?,
        };
        powders.push(
            spec.validate()
                .map_err(|source| ImportError::Powder { line, source })?,
        );
    }
    Ok(powders)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "reference;type;finition;marque;nom;couleur;densite;epaisseur_um;consommation_kg_m2;rendement;cuisson_c;cuisson_min;formats;prix_kg";

    #[test]
    fn a_supplier_file_parses_with_french_numbers() {
        let file = format!(
            "{HEADER}\nTP 7016 B;Polyester;Brillant;Thermopoudre;Gris anthracite;RAL 7016;1,5;70;;0,6;200;10;25:0,8|5:0,3;12,90\n"
        );
        let powders = parse_csv(&file).unwrap();
        assert_eq!(powders.len(), 1);
        assert_eq!(powders[0].consumption_kg_m2, Some(Decimal::new(175, 3)));
        assert_eq!(powders[0].formats.len(), 2);
        assert_eq!(powders[0].price_per_kg, Decimal::new(1290, 2));
    }

    #[test]
    fn bad_lines_say_where() {
        for (line, code, needle) in [
            (
                "TP 1;Polyester;Brillant;B;N;;lourde;70;;0,6;200;10;25:0,8;12",
                "IMPORT_CELL_INVALID",
                "colonne densite",
            ),
            (
                "TP 1;Vinyle;Brillant;B;N;;1,5;70;;0,6;200;10;25:0,8;12",
                "IMPORT_CELL_INVALID",
                "colonne type",
            ),
            (
                "TP 1;Polyester;Brillant;B;N;;1,5;70;;0,6;200;10;25-0,8;12",
                "IMPORT_CELL_INVALID",
                "colonne formats",
            ),
            (
                "TP 1;Polyester;Brillant;B;N;;1,5;70;;0,6;200;10;1:1,2;12",
                "POWDER_FORMAT_INVALID",
                "ligne 2",
            ),
        ] {
            let error = parse_csv(&format!("{HEADER}\n{line}\n")).unwrap_err();
            assert_eq!(error.code(), code, "{line}: {error}");
            assert!(error.to_string().contains(needle), "{error}");
        }
        assert_eq!(
            parse_csv("ref;nom\nx;y").unwrap_err().code(),
            "IMPORT_HEADERS"
        );
    }
}

/// A product of the supplier's export (PrestaShop webservice shape: `products`, each with
/// `reference`, `name`, `price` and the powder's `features`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SupplierProduct {
    pub reference: String,
    pub name: String,
    pub price: String,
    #[serde(default)]
    pub manufacturer_name: Option<String>,
    pub features: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub formats: Vec<SupplierFormat>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct SupplierFormat {
    pub kg: String,
    pub tare: String,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct SupplierExport {
    pub products: Vec<SupplierProduct>,
}

/// Turns the supplier's products into powders, validating each (the product index, from 1,
/// stands for the line in errors).
pub fn from_supplier(export: &SupplierExport) -> Result<Vec<PowderSpec>, ImportError> {
    let mut powders = Vec::with_capacity(export.products.len());
    for (index, product) in export.products.iter().enumerate() {
        let line = index + 1;
        let feature = |name: &'static str| {
            product
                .features
                .get(name)
                .map(String::as_str)
                .unwrap_or_default()
        };
        let bad = |column: &'static str, value: &str, message: &str| ImportError::Cell {
            line,
            column,
            message: format!("{message} : « {} »", domain::limits::excerpt(value)),
        };
        let number = |column: &'static str| {
            let value = feature(column);
            decimal(value).ok_or_else(|| bad(column, value, "nombre attendu"))
        };
        let optional = |column: &'static str| {
            let value = feature(column);
            if value.trim().is_empty() {
                Ok(None)
            } else {
                decimal(value)
                    .map(Some)
                    .ok_or_else(|| bad(column, value, "nombre attendu"))
            }
        };
        let integer = |column: &'static str| {
            let value = feature(column);
            value
                .trim()
                .parse::<u16>()
                .map_err(|_| bad(column, value, "nombre entier attendu"))
        };
        let mut formats = Vec::new();
        for format in &product.formats {
            formats.push(Format {
                kg: decimal(&format.kg)
                    .ok_or_else(|| bad("formats", &format.kg, "nombre attendu"))?,
                tare_kg: decimal(&format.tare)
                    .ok_or_else(|| bad("formats", &format.tare, "nombre attendu"))?,
            });
        }
        let spec = PowderSpec {
            reference: product.reference.clone(),
            kind: kind(feature("type"))
                .ok_or_else(|| bad("type", feature("type"), "type inconnu"))?,
            finish: finish(feature("finition"))
                .ok_or_else(|| bad("finition", feature("finition"), "finition inconnue"))?,
            brand: product
                .manufacturer_name
                .clone()
                .unwrap_or_else(|| "Thermopoudre".to_owned()),
            name: product.name.clone(),
            colour: Some(feature("couleur").trim().to_owned()).filter(|colour| !colour.is_empty()),
            density_g_cm3: number("densite")?,
            thickness_um: number("epaisseur_um")?,
            consumption_kg_m2: optional("consommation_kg_m2")?,
            transfer_efficiency: optional("rendement")?,
            cure_temperature_c: integer("cuisson_c")?,
            cure_minutes: integer("cuisson_min")?,
            formats,
            price_per_kg: decimal(&product.price)
                .ok_or_else(|| bad("prix_kg", &product.price, "nombre attendu"))?,
        };
        powders.push(
            spec.validate()
                .map_err(|source| ImportError::Powder { line, source })?,
        );
    }
    Ok(powders)
}
