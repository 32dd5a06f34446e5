use std::collections::BTreeMap;

use super::{Template, TemplateError};

/// The variables a template may use, with what they hold (shown in the editor).
pub const VARIABLES: &[(&str, &str)] = &[
    ("nom_client", "nom du client"),
    ("nom_atelier", "nom de l'atelier"),
    ("montant", "montant TTC, en euros"),
    ("date", "date (retrait, échéance…)"),
    (
        "lien",
        "lien vers le document, le paiement ou l'espace client",
    ),
    ("numero_devis", "numéro du devis"),
    ("numero_facture", "numéro de la facture"),
    ("numero_projet", "numéro du projet"),
    ("jours_restants", "jours d'essai restants"),
    (
        "liste",
        "les éléments concernés (poudres en stock bas avec la quantité conseillée…)",
    ),
];

/// Longest template accepted: a rich email is a few kilobytes of MJML.
const MAX_CHARS: usize = 100_000;

/// The email as sent: subject, HTML and its plain-text twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// `{name}` placeholders of `text`, in order. Braces not around a plain name (CSS in
/// `mj-style`, say) are not placeholders.
fn placeholders(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        while let Some(open) = text[start..].find('{').map(|i| i + start) {
            let close = text[open..].find('}').map(|i| i + open)?;
            start = open + 1;
            let name = &text[open + 1..close];
            let is_name = !name.is_empty()
                && name.len() <= 40
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if is_name && bytes[open] == b'{' {
                start = close + 1;
                return Some((open, close + 1, name));
            }
        }
        None
    })
}

/// Refuses a template that names an unknown variable or is not valid MJML.
pub fn check(template: &Template) -> Result<(), TemplateError> {
    if template.subject.trim().is_empty() {
        return Err(TemplateError::SubjectEmpty);
    }
    if template.subject.len() + template.mjml.len() > MAX_CHARS {
        return Err(TemplateError::TooLong { max: MAX_CHARS });
    }
    for text in [&template.subject, &template.mjml] {
        for (_, _, name) in placeholders(text) {
            if !VARIABLES.iter().any(|(known, _)| *known == name) {
                let known = VARIABLES
                    .iter()
                    .map(|(known, _)| format!("{{{known}}}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(TemplateError::UnknownVariable {
                    name: name.to_owned(),
                    known,
                });
            }
        }
    }
    to_html(&template.mjml).map(|_| ())
}

fn to_html(mjml: &str) -> Result<String, TemplateError> {
    let invalid = |detail: String| TemplateError::InvalidMjml { detail };
    let parsed = mrml::parse(mjml).map_err(|error| invalid(parse_detail(&error)))?;
    parsed
        .element
        .render(&mrml::prelude::render::RenderOptions::default())
        .map_err(|error| invalid(render_detail(&error)))
}

/// mrml explains in English; the person editing a template reads French, with the position
/// (in characters from the start) where the parser stopped.
fn parse_detail(error: &mrml::prelude::parser::Error) -> String {
    use mrml::prelude::parser::Error;
    match error {
        Error::UnexpectedElement { position, .. } => {
            format!("élément inattendu à la position {}", position.start)
        }
        Error::UnexpectedToken { position, .. } => {
            format!("caractère inattendu à la position {}", position.start)
        }
        Error::MissingAttribute { name, position, .. } => {
            format!(
                "attribut « {name} » manquant à la position {}",
                position.start
            )
        }
        Error::InvalidAttribute { position, .. } => {
            format!("attribut incorrect à la position {}", position.start)
        }
        Error::InvalidFormat { position, .. } => {
            format!("valeur mal formée à la position {}", position.start)
        }
        Error::EndOfStream { .. } => "le modèle s'arrête avant la fin d'une balise".to_owned(),
        Error::SizeLimit { .. } => "le modèle est trop grand".to_owned(),
        Error::ParserError { .. } => "balisage illisible".to_owned(),
        Error::NoRootNode => "le modèle doit commencer par la balise <mjml>".to_owned(),
        Error::IncludeLoaderError { position, .. } => {
            format!("inclusion impossible à la position {}", position.start)
        }
    }
}

fn render_detail(error: &mrml::prelude::render::Error) -> String {
    use mrml::prelude::render::Error;
    match error {
        Error::UnknownFragment(fragment) => format!("fragment inconnu : {fragment}"),
        Error::Format(_) => "mise en page impossible".to_owned(),
    }
}

fn substitute(
    text: &str,
    values: &BTreeMap<&str, String>,
    escape: bool,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, name) in placeholders(text) {
        let value = values
            .get(name)
            .ok_or_else(|| TemplateError::MissingValue {
                name: name.to_owned(),
            })?;
        out.push_str(&text[last..start]);
        if escape {
            out.push_str(&escape_html(value));
        } else {
            out.push_str(value);
        }
        last = end;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Values come from customers' and workshops' own words: never let them become markup.
fn escape_html(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Fills the variables and renders the MJML to responsive HTML plus a plain-text part.
pub fn render(
    template: &Template,
    values: &BTreeMap<&str, String>,
) -> Result<Rendered, TemplateError> {
    let subject = substitute(&template.subject, values, false)?;
    let html = to_html(&substitute(&template.mjml, values, true)?)?;
    Ok(Rendered {
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        text: plain_text(&html),
        html,
    })
}

/// Example values for previews.
pub fn sample_values() -> BTreeMap<&'static str, String> {
    [
        ("nom_client", "Jean Dupont"),
        ("nom_atelier", "Thermolaquage du Val"),
        ("montant", "1 234,56 €"),
        ("date", "25/11/2026"),
        ("lien", "https://app.thermogestion.fr/espace"),
        ("numero_devis", "D-2026-0042"),
        ("numero_facture", "F-2026-0108"),
        ("numero_projet", "P-2026-0017"),
        ("jours_restants", "23"),
        ("liste", "TP 7016 B : 2 kg, 1 jour restant, commander 25 kg"),
    ]
    .into_iter()
    .map(|(name, value)| (name, value.to_owned()))
    .collect()
}

/// The readable text of rendered HTML: the plain-text part every email needs for clients
/// that do not show HTML (and for spam filters).
fn plain_text(html: &str) -> String {
    let body = html.find("<body").map_or(html, |start| &html[start..]);
    let mut text = String::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let raw_tag = &rest[open + 1..open + close];
        let tag = raw_tag.to_ascii_lowercase();
        if tag.starts_with("style") || tag.starts_with("script") {
            let end = format!(
                "</{}",
                &tag[..tag
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(tag.len())]
            );
            match rest[open..].find(&end) {
                Some(skip) => {
                    rest = &rest[open + skip..];
                    continue;
                }
                None => break,
            }
        }
        if ["br", "/p", "/div", "/h1", "/h2", "/h3", "/tr", "/li"]
            .iter()
            .any(|block| {
                tag == *block
                    || tag.starts_with(&format!("{block} "))
                    || tag.starts_with(&format!("{block}/"))
            })
        {
            text.push('\n');
        }
        // The tag name is matched in lower case; the address keeps its case (tokens in
        // links are case-sensitive).
        if let Some(href) = tag
            .starts_with("a ")
            .then(|| raw_tag[2..].split("href=\"").nth(1))
            .flatten()
        {
            // Buttons are links: their address must survive in the text part.
            let link = href.split('"').next().unwrap_or_default();
            text.push_str(&format!(" {link} "));
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}
