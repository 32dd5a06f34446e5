//! Text forms used to compare people: accents and case do not make two clients.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower case, accents removed, spaces collapsed: « Éloïse  DUPONT » → « eloise dupont ».
/// Duplicate detection and search both compare in this form.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
    {
        match c {
            // Apostrophes and hyphens typed differently are the same name.
            '’' | '\'' | '-' => folded.push(' '),
            'œ' => folded.push_str("oe"),
            'æ' => folded.push_str("ae"),
            other => folded.push(other),
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trimmed, inner spaces collapsed; `None` when nothing is left.
pub fn tidy(text: Option<&str>) -> Option<String> {
    let tidy = text?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!tidy.is_empty()).then_some(tidy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_spacing_fold_away() {
        assert_eq!(fold("  Éloïse   DUPONT "), "eloise dupont");
        assert_eq!(fold("Jean-François L’Hôte"), "jean francois l hote");
        assert_eq!(fold("Cœur de Lion"), "coeur de lion");
        assert_eq!(fold("ÇA ÈST"), "ca est");
        assert_eq!(tidy(Some("  a   b ")), Some("a b".to_owned()));
        assert_eq!(tidy(Some("   ")), None);
    }
}
