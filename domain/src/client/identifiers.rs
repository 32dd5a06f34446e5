//! Company identifiers a French invoice carries: SIREN / SIRET (checked with their Luhn key)
//! and intra-EU VAT numbers (format per member state, key checked for France).

use std::sync::LazyLock;

use regex::Regex;

/// Digits only, as printed with spaces or dots.
fn compact(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
        .collect()
}

/// Luhn: from the right, every second digit doubled (minus 9 above 9); the sum ends in 0.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(index, digit)| match index % 2 {
            0 => digit,
            _ if digit * 2 > 9 => digit * 2 - 9,
            _ => digit * 2,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// La Poste's establishments share SIREN 356 000 000 and are numbered beyond what Luhn
/// allows: INSEE checks their SIRET by the sum of digits being a multiple of 5.
const LA_POSTE: &str = "356000000";

/// A SIREN (9 digits) or SIRET (14 digits) with a valid key, compacted.
pub fn company_number(input: &str) -> Option<String> {
    let number = compact(input);
    if !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let valid = match number.len() {
        9 => luhn(&number),
        14 if number.starts_with(LA_POSTE) && number != format!("{LA_POSTE}00048") => number
            .chars()
            .filter_map(|c| c.to_digit(10))
            .sum::<u32>()
            .is_multiple_of(5),
        14 => luhn(&number),
        _ => false,
    };
    valid.then_some(number)
}

/// The 27 member states' VAT number shapes (after the 2-letter prefix), from the
/// Commission's VIES format table.
static VAT_FORMATS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("AT", r"U\d{8}"),
        ("BE", r"[01]\d{9}"),
        ("BG", r"\d{9,10}"),
        ("CY", r"\d{8}[A-Z]"),
        ("CZ", r"\d{8,10}"),
        ("DE", r"\d{9}"),
        ("DK", r"\d{8}"),
        ("EE", r"\d{9}"),
        ("EL", r"\d{9}"),
        ("ES", r"[A-Z0-9]\d{7}[A-Z0-9]"),
        ("FI", r"\d{8}"),
        ("FR", r"[A-HJ-NP-Z0-9]{2}\d{9}"),
        ("HR", r"\d{11}"),
        ("HU", r"\d{8}"),
        ("IE", r"\d[A-Z0-9+*]\d{5}[A-Z]{1,2}"),
        ("IT", r"\d{11}"),
        ("LT", r"\d{9}|\d{12}"),
        ("LU", r"\d{8}"),
        ("LV", r"\d{11}"),
        ("MT", r"\d{8}"),
        ("NL", r"\d{9}B\d{2}"),
        ("PL", r"\d{10}"),
        ("PT", r"\d{9}"),
        ("RO", r"\d{2,10}"),
        ("SE", r"\d{12}"),
        ("SI", r"\d{8}"),
        ("SK", r"\d{10}"),
    ]
    .into_iter()
    .map(|(country, pattern)| {
        let anchored = format!("^(?:{pattern})$");
        (
            country,
            Regex::new(&anchored).expect("VAT patterns are valid"),
        )
    })
    .collect()
});

/// An intra-EU VAT number in its compact upper-case form, when its shape fits its member
/// state (and, for France, when its key matches the SIREN).
pub fn vat_number(input: &str) -> Option<String> {
    let number = compact(input).to_uppercase();
    // Greece's prefix is EL in VAT numbers; people type GR.
    let number = match number.strip_prefix("GR") {
        Some(rest) => format!("EL{rest}"),
        None => number,
    };
    let (country, rest) = (number.get(..2)?, number.get(2..)?);
    let (_, format) = VAT_FORMATS.iter().find(|(code, _)| *code == country)?;
    if !format.is_match(rest) {
        return None;
    }
    if country == "FR" {
        let siren = &rest[2..];
        if !luhn(siren) && !siren.starts_with(LA_POSTE) {
            return None;
        }
        // The numeric key is (12 + 3 × (SIREN mod 97)) mod 97; letter keys (old scheme) are
        // only checked for shape.
        if let Ok(key) = rest[..2].parse::<u64>() {
            let siren: u64 = siren.parse().ok()?;
            if key != (12 + 3 * (siren % 97)) % 97 {
                return None;
            }
        }
    }
    Some(number)
}

/// The member state of a valid VAT number.
pub fn vat_country(vat_number: &str) -> &str {
    vat_number.get(..2).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_and_siret_keys() {
        for (input, expected) in [
            ("732 829 320", Some("732829320")),
            ("73282932000074", Some("73282932000074")),
            ("732 829 320 00074", Some("73282932000074")),
            ("732829321", None),
            ("73282932000075", None),
            ("35600000000048", Some("35600000000048")),
            ("35600000012346", Some("35600000012346")),
            ("35600000012345", None),
            ("12345", None),
            ("73282932A", None),
        ] {
            assert_eq!(company_number(input).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn vat_numbers_per_member_state() {
        for (input, expected) in [
            ("FR 40 303 265 045", Some("FR40303265045")),
            ("fr40303265045", Some("FR40303265045")),
            ("FR41303265045", None),
            ("FR4030326504", None),
            ("DE 123456789", Some("DE123456789")),
            ("DE12345678", None),
            ("BE0123456789", Some("BE0123456789")),
            ("NL123456789B01", Some("NL123456789B01")),
            ("ESX1234567X", Some("ESX1234567X")),
            ("GR123456789", Some("EL123456789")),
            ("ATU12345678", Some("ATU12345678")),
            ("US123456789", None),
            ("IT1234567890", None),
            ("", None),
        ] {
            assert_eq!(vat_number(input).as_deref(), expected, "{input}");
        }
    }
}
