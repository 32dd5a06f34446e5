//! Phone numbers in E.164, read the way French customers write them.

use phonenumber::country::Id;
use phonenumber::Mode;

/// `06 12 34 56 78`, `+33 6 12…`, `0033 6…` → `+33612345678`. Numbers without a country
/// prefix are French. `None` when the number cannot exist.
pub fn e164(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let international = match trimmed.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => trimmed.to_owned(),
    };
    let number = phonenumber::parse(Some(Id::FR), &international).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers_by_default_and_foreign_ones_with_their_prefix() {
        for (input, expected) in [
            ("06 12 34 56 78", Some("+33612345678")),
            ("06.12.34.56.78", Some("+33612345678")),
            ("+33 6 12 34 56 78", Some("+33612345678")),
            ("0033612345678", Some("+33612345678")),
            ("02 41 00 00 00", Some("+33241000000")),
            ("+49 30 901820", Some("+4930901820")),
            ("+32 2 555 12 12", Some("+3225551212")),
            ("06 12 34", None),
            ("pas de numéro", None),
            ("00 00 00 00 00", None),
        ] {
            assert_eq!(e164(input).as_deref(), expected, "{input}");
        }
    }
}
