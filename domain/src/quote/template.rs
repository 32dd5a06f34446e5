//! The look of a workshop's quote PDF (spec §4.2): five predefined templates, or its own
//! configuration zone by zone (header, body, footer, conditions).
//!
//! Everything here is pure: the logo is named by the SHA-256 of an image uploaded elsewhere,
//! and the PDF renderer gets plain data (colours, widths, [`Block`]s), never HTML to interpret.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::limits::excerpt;
use crate::{DomainError, ErrorKind, Stamped};

pub const AGGREGATE_LOCAL_ID: &str = "quote_template";

/// The variables a title, the legal mentions or the CGV may use, with what they hold (shown
/// in the editor).
pub const VARIABLES: &[(&str, &str)] = &[
    ("nom_atelier", "nom de l'atelier"),
    ("siret_atelier", "SIRET de l'atelier"),
    ("adresse_atelier", "adresse de l'atelier"),
    ("numero_devis", "numéro du devis"),
    ("date_devis", "date du devis"),
    ("validite_devis", "date de fin de validité du devis"),
    ("nom_client", "nom du client"),
    ("montant_ttc", "montant TTC, en euros"),
    ("acompte", "acompte demandé à la signature"),
];

/// Tags the CGV keep: enough for headed paragraphs and lists, nothing a PDF cannot draw
/// (no links, images, tables, styles).
pub const CGV_TAGS: [&str; 12] = [
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4",
];

const TITLE_MAX_CHARS: usize = 200;
const LEGAL_MENTIONS_MAX_CHARS: usize = 2_000;
const CGV_MAX_CHARS: usize = 20_000;

/// The five predefined templates; a custom one starts from one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    Modern,
    Classic,
    Minimal,
    Premium,
    Compact,
}

/// A whole template, zone by zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TemplateConfig {
    /// The predefined template this one derives from: the renderer lays the zones out as
    /// that preset does, this configuration fills them.
    pub preset_base: Preset,
    pub header: HeaderZone,
    pub palette: Palette,
    pub body: BodyZone,
    pub footer: FooterZone,
    pub conditions: ConditionsZone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HeaderZone {
    /// Lowercase hex SHA-256 of an image the workshop uploaded; absent or null: no logo. Presets name
    /// none, since each workshop uploads its own.
    #[schemars(regex(pattern = r"^[0-9A-Fa-f]{64}$"))]
    pub logo_sha256: Option<String>,
    #[schemars(range(min = 10, max = 80))]
    pub logo_width_mm: u16,
    pub show_workshop_address: bool,
    /// The document title, with variables (`Devis {numero_devis}`).
    #[schemars(length(min = 1, max = 200))]
    pub title: String,
}

/// Colours as `#RRGGBB`; validation writes them uppercase so equal palettes compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Palette {
    /// Title, table header, rules.
    #[schemars(regex(pattern = r"^#[0-9A-Fa-f]{6}$"))]
    pub primary: String,
    /// Totals and highlights.
    #[schemars(regex(pattern = r"^#[0-9A-Fa-f]{6}$"))]
    pub accent: String,
    /// Running text.
    #[schemars(regex(pattern = r"^#[0-9A-Fa-f]{6}$"))]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BodyZone {
    pub columns: ColumnWidths,
    #[schemars(range(min = 7, max = 12))]
    pub font_size_pt: u8,
    /// Space between two quote lines (lignes de devis) of the table, in mm: whole
    /// millimetres are as fine as anyone tunes a printed table.
    #[schemars(range(max = 10))]
    pub line_spacing_mm: u8,
    /// Powder, finish, coats, cure: hidden, the `technical` column is not drawn.
    pub show_technical_details: bool,
}

/// Relative widths of the table columns (weights from 1 to 20, not millimetres), so a
/// template fits any page width.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnWidths {
    #[schemars(range(min = 1, max = 20))]
    pub designation: u8,
    #[schemars(range(min = 1, max = 20))]
    pub quantity: u8,
    #[schemars(range(min = 1, max = 20))]
    pub surface: u8,
    #[schemars(range(min = 1, max = 20))]
    pub technical: u8,
    #[schemars(range(min = 1, max = 20))]
    pub unit_price: u8,
    #[schemars(range(min = 1, max = 20))]
    pub total: u8,
    #[schemars(range(min = 1, max = 20))]
    pub vat: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FooterZone {
    /// Plain text with variables; line breaks are kept.
    #[schemars(length(max = 2000))]
    pub legal_mentions: String,
    pub show_page_numbers: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConditionsZone {
    /// Conditions générales de vente: HTML limited to [`CGV_TAGS`] without attributes, with
    /// variables. Anything else is stripped when the template is saved.
    #[schemars(length(max = 20000))]
    pub cgv_html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("{field} : « {} » n'est pas une couleur au format #RRGGBB", excerpt(.value))]
    Colour { field: &'static str, value: String },
    #[error("le logo se désigne par l'empreinte SHA-256 de l'image envoyée (64 caractères hexadécimaux)")]
    LogoDigest,
    #[error("la largeur du logo va de 10 à 80 mm")]
    LogoWidth,
    #[error("la largeur de la colonne « {column} » est un poids de 1 à 20")]
    ColumnWidth { column: &'static str },
    #[error("la taille du texte va de 7 à 12 points")]
    FontSize,
    #[error("l'espacement entre les lignes du devis va de 0 à 10 mm")]
    LineSpacing,
    #[error("le titre du devis est obligatoire")]
    TitleEmpty,
    #[error("{field} : {max} caractères au plus")]
    TooLong { field: &'static str, max: usize },
    #[error("variable inconnue : {{{name}}} (variables possibles : {known})")]
    UnknownVariable { name: String, known: String },
}

impl DomainError for TemplateError {
    fn code(&self) -> &'static str {
        match self {
            Self::Colour { .. } => "TEMPLATE_COLOUR_INVALID",
            Self::LogoDigest => "TEMPLATE_LOGO_INVALID",
            Self::LogoWidth => "TEMPLATE_LOGO_WIDTH_INVALID",
            Self::ColumnWidth { .. } => "TEMPLATE_COLUMN_WIDTH_INVALID",
            Self::FontSize => "TEMPLATE_FONT_SIZE_INVALID",
            Self::LineSpacing => "TEMPLATE_LINE_SPACING_INVALID",
            Self::TitleEmpty => "TEMPLATE_TITLE_EMPTY",
            // Same codes as the email templates': same refusal, same client handling.
            Self::TooLong { .. } => "TEMPLATE_TOO_LONG",
            Self::UnknownVariable { .. } => "TEMPLATE_UNKNOWN_VARIABLE",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Self::Modern,
        Self::Classic,
        Self::Minimal,
        Self::Premium,
        Self::Compact,
    ];

    /// The predefined template in full. Each passes [`TemplateConfig::validate`] unchanged.
    pub fn config(self) -> TemplateConfig {
        let legal_mentions = "{nom_atelier} – SIRET {siret_atelier} – {adresse_atelier}\n\
             Devis valable jusqu'au {validite_devis}. Acompte à la signature : {acompte}."
            .to_owned();
        let conditions = ConditionsZone {
            cgv_html: DEFAULT_CGV_HTML.to_owned(),
        };
        let footer = FooterZone {
            legal_mentions,
            show_page_numbers: true,
        };
        // The technical column (powder, finish, coats, cure) is the widest: it is what a
        // powder-coating quote is read for.
        match self {
            Self::Modern => TemplateConfig {
                preset_base: self,
                header: header(40, true, "Devis {numero_devis}"),
                palette: palette("#1D4ED8", "#0EA5E9", "#1F2937"),
                body: BodyZone {
                    columns: columns([4, 1, 2, 7, 2, 2, 2]),
                    font_size_pt: 10,
                    line_spacing_mm: 2,
                    show_technical_details: true,
                },
                footer,
                conditions,
            },
            Self::Classic => TemplateConfig {
                preset_base: self,
                header: header(35, true, "DEVIS N° {numero_devis}"),
                palette: palette("#000000", "#444444", "#000000"),
                body: BodyZone {
                    columns: columns([5, 1, 2, 7, 2, 2, 2]),
                    font_size_pt: 11,
                    line_spacing_mm: 3,
                    show_technical_details: true,
                },
                footer,
                conditions,
            },
            // Greyscale and no header address: the footer's legal mentions carry it.
            Self::Minimal => TemplateConfig {
                preset_base: self,
                header: header(25, false, "Devis {numero_devis}"),
                palette: palette("#333333", "#777777", "#222222"),
                body: BodyZone {
                    columns: columns([10, 2, 3, 1, 3, 3, 2]),
                    font_size_pt: 9,
                    line_spacing_mm: 2,
                    show_technical_details: false,
                },
                footer,
                conditions,
            },
            Self::Premium => TemplateConfig {
                preset_base: self,
                header: header(50, true, "Devis n° {numero_devis} du {date_devis}"),
                palette: palette("#1B2A4A", "#C9A227", "#1F2430"),
                body: BodyZone {
                    columns: columns([4, 1, 2, 8, 2, 2, 2]),
                    font_size_pt: 10,
                    line_spacing_mm: 4,
                    show_technical_details: true,
                },
                footer,
                conditions,
            },
            // For long quotes (a whole fence, a batch of rims): small type, tight rows.
            Self::Compact => TemplateConfig {
                preset_base: self,
                header: header(25, true, "Devis {numero_devis} – {date_devis}"),
                palette: palette("#334155", "#0F766E", "#1E293B"),
                body: BodyZone {
                    columns: columns([4, 1, 2, 8, 2, 2, 1]),
                    font_size_pt: 8,
                    line_spacing_mm: 0,
                    show_technical_details: true,
                },
                footer,
                conditions,
            },
        }
    }
}

fn header(logo_width_mm: u16, show_workshop_address: bool, title: &str) -> HeaderZone {
    HeaderZone {
        logo_sha256: None,
        logo_width_mm,
        show_workshop_address,
        title: title.to_owned(),
    }
}

fn palette(primary: &str, accent: &str, text: &str) -> Palette {
    Palette {
        primary: primary.to_owned(),
        accent: accent.to_owned(),
        text: text.to_owned(),
    }
}

/// Designation, quantity, surface, technical, unit price, total, VAT.
fn columns(
    [designation, quantity, surface, technical, unit_price, total, vat]: [u8; 7],
) -> ColumnWidths {
    ColumnWidths {
        designation,
        quantity,
        surface,
        technical,
        unit_price,
        total,
        vat,
    }
}

/// Default CGV of a powder-coating workshop, already in the sanitiser's output form so the
/// presets validate to themselves. Late-payment terms are the legal minimum for
/// professionals (Code de commerce, L441-10 and D441-5).
const DEFAULT_CGV_HTML: &str = "<h3>Conditions générales de vente</h3>\
<p><strong>Acceptation.</strong> Le devis {numero_devis} est valable jusqu'au {validite_devis}. \
Sa signature électronique par le client vaut acceptation des prestations, des prix et des \
présentes conditions.</p>\
<p><strong>Acompte.</strong> Un acompte de {acompte} est dû à la signature ; les travaux sont \
planifiés à sa réception.</p>\
<p><strong>Dépôt et retrait.</strong> Les pièces sont déposées et retirées à l'atelier, sauf \
livraison prévue au devis. Le client est prévenu dès qu'elles sont prêtes ; les délais \
annoncés sont indicatifs.</p>\
<p><strong>Garantie.</strong> {nom_atelier} garantit l'adhérence du revêtement dans des \
conditions normales d'utilisation et d'entretien. Sont exclus les chocs, l'abrasion, les \
produits agressifs et les défauts du support d'origine (corrosion interne, soudures, \
matériau non conforme).</p>\
<p><strong>Paiement.</strong> Le solde est payable au retrait des pièces, sans escompte pour \
paiement anticipé. Tout retard entraîne des pénalités au taux de la Banque centrale \
européenne majoré de 10 points et, pour les professionnels, une indemnité forfaitaire de \
40 € pour frais de recouvrement.</p>";

impl TemplateConfig {
    /// Checks every bound and returns the template as it will be stored: colours uppercase,
    /// logo digest lowercase, CGV sanitised to [`CGV_TAGS`].
    pub fn validate(mut self) -> Result<Self, TemplateError> {
        for (field, colour) in [
            ("couleur principale", &mut self.palette.primary),
            ("couleur d'accent", &mut self.palette.accent),
            ("couleur du texte", &mut self.palette.text),
        ] {
            *colour = parse_colour(colour).ok_or_else(|| TemplateError::Colour {
                field,
                value: colour.clone(),
            })?;
        }

        let header = &mut self.header;
        if let Some(digest) = &mut header.logo_sha256 {
            if !crate::digest::is_sha256(digest) {
                return Err(TemplateError::LogoDigest);
            }
            // The log writes digests lowercase (`digest::sha256_hex`); match it here.
            *digest = digest.to_ascii_lowercase();
        }
        if !(10..=80).contains(&header.logo_width_mm) {
            return Err(TemplateError::LogoWidth);
        }
        if header.title.trim().is_empty() {
            return Err(TemplateError::TitleEmpty);
        }

        let columns = &self.body.columns;
        for (column, weight) in [
            ("désignation", columns.designation),
            ("quantité", columns.quantity),
            ("surface", columns.surface),
            ("détails techniques", columns.technical),
            ("prix unitaire", columns.unit_price),
            ("total", columns.total),
            ("TVA", columns.vat),
        ] {
            if !(1..=20).contains(&weight) {
                return Err(TemplateError::ColumnWidth { column });
            }
        }
        if !(7..=12).contains(&self.body.font_size_pt) {
            return Err(TemplateError::FontSize);
        }
        if self.body.line_spacing_mm > 10 {
            return Err(TemplateError::LineSpacing);
        }

        // The raw CGV is bounded before sanitising (bounded work), and the result after it,
        // since escaping can lengthen it: what is stored always validates again.
        check_length("titre", &self.header.title, TITLE_MAX_CHARS)?;
        check_length(
            "mentions légales",
            &self.footer.legal_mentions,
            LEGAL_MENTIONS_MAX_CHARS,
        )?;
        check_length(
            "conditions générales de vente",
            &self.conditions.cgv_html,
            CGV_MAX_CHARS,
        )?;
        self.conditions.cgv_html = sanitise_cgv(&self.conditions.cgv_html);
        check_length(
            "conditions générales de vente",
            &self.conditions.cgv_html,
            CGV_MAX_CHARS,
        )?;

        for text in [
            &self.header.title,
            &self.footer.legal_mentions,
            &self.conditions.cgv_html,
        ] {
            check_variables(text)?;
        }
        Ok(self)
    }
}

/// `#RRGGBB` in either case, returned uppercase.
fn parse_colour(text: &str) -> Option<String> {
    let hex = text.strip_prefix('#')?;
    (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_uppercase()))
}

fn check_length(field: &'static str, text: &str, max: usize) -> Result<(), TemplateError> {
    // Characters, not bytes: the limit users read ("2000 caractères") counts accents once.
    if text.chars().count() > max {
        return Err(TemplateError::TooLong { field, max });
    }
    Ok(())
}

fn check_variables(text: &str) -> Result<(), TemplateError> {
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
    Ok(())
}

/// `{name}` placeholders of `text` as (start, end, name), in order. Braces not around a plain
/// lowercase name are text, as in the email templates.
fn placeholders(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
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
            if is_name {
                start = close + 1;
                return Some((open, close + 1, name));
            }
        }
        None
    })
}

/// Fills the `{variables}` of `text`; a name without a value stays as written (validation
/// already refused unknown names). Values are inserted as they are: fill the spans of
/// [`cgv_blocks`], never the HTML, so a value cannot become markup.
pub fn substitute(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, name) in placeholders(text) {
        if let Some(value) = values.get(name) {
            out.push_str(&text[last..start]);
            out.push_str(value);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Keeps [`CGV_TAGS`] without any attribute; drops `<script>` and `<style>` with their
/// content and every other tag but its text (a link keeps its words, loses its target).
fn sanitise_cgv(html: &str) -> String {
    ammonia::Builder::empty()
        .tags(CGV_TAGS.into_iter().collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::new())
        .link_rel(None)
        .clean(html)
        .to_string()
}

/// A run of text in one style. A `\n` in `text` is a forced line break (`<br>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
}

/// What a PDF renderer draws of the CGV, one block under the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `<h3>` or `<h4>`.
    Heading(Vec<Span>),
    Paragraph(Vec<Span>),
    /// `ordered_index` counts from 1 in an `<ol>`; `None` is a bullet.
    ListItem {
        ordered_index: Option<u32>,
        spans: Vec<Span>,
    },
}

/// Turns sanitised CGV into blocks of styled text, whitespace collapsed as a browser would,
/// entities decoded. Nested lists come out flat, one item after the other.
///
/// Only for [`TemplateConfig::validate`]'s output: ammonia writes well-formed tags without
/// attributes or comments, so a tag is `<name>` or `</name>` and a small tokenizer suffices.
pub fn cgv_blocks(sanitised_html: &str) -> Vec<Block> {
    let mut builder = BlockBuilder::default();
    let mut rest = sanitised_html;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {
                let Some(end) = rest.find('>') else {
                    // Not ammonia's output: keep the rest as text rather than guess a tag.
                    builder.text(&decode_entities(rest));
                    break;
                };
                let tag = rest[1..end].trim().trim_end_matches('/').trim();
                match tag.strip_prefix('/') {
                    Some(name) => builder.close(&name.trim().to_ascii_lowercase()),
                    None => builder.open(&tag.to_ascii_lowercase()),
                }
                rest = &rest[end + 1..];
            }
            Some(next) => {
                builder.text(&decode_entities(&rest[..next]));
                rest = &rest[next..];
            }
            None => {
                builder.text(&decode_entities(rest));
                rest = "";
            }
        }
    }
    builder.flush();
    builder.blocks
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BlockKind {
    Heading,
    Paragraph,
    ListItem(Option<u32>),
}

#[derive(Default)]
struct BlockBuilder {
    blocks: Vec<Block>,
    current: Option<(BlockKind, Vec<Span>)>,
    /// Depths rather than flags: `<b><strong>x</strong> y</b>` keeps `y` bold.
    bold: u32,
    italic: u32,
    underline: u32,
    /// Open lists, innermost last: `None` unordered, `Some(n)` the last number given.
    lists: Vec<Option<u32>>,
}

impl BlockBuilder {
    fn open(&mut self, tag: &str) {
        match tag {
            "p" => {
                // `<li><p>…</p></li>` is still the list item.
                let in_empty_item = matches!(
                    &self.current,
                    Some((BlockKind::ListItem(_), spans)) if spans.is_empty()
                );
                if !in_empty_item {
                    self.start(BlockKind::Paragraph);
                }
            }
            "h3" | "h4" => self.start(BlockKind::Heading),
            "ul" | "ol" => {
                self.flush();
                self.lists.push((tag == "ol").then_some(0));
            }
            "li" => {
                let index = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        *number += 1;
                        Some(*number)
                    }
                    _ => None,
                };
                self.start(BlockKind::ListItem(index));
            }
            "strong" | "b" => self.bold += 1,
            "em" | "i" => self.italic += 1,
            "u" => self.underline += 1,
            "br" => self.line_break(),
            _ => {}
        }
    }

    fn close(&mut self, tag: &str) {
        match tag {
            "p" | "h3" | "h4" | "li" => self.flush(),
            "ul" | "ol" => {
                self.flush();
                self.lists.pop();
            }
            "strong" | "b" => self.bold = self.bold.saturating_sub(1),
            "em" | "i" => self.italic = self.italic.saturating_sub(1),
            "u" => self.underline = self.underline.saturating_sub(1),
            _ => {}
        }
    }

    fn start(&mut self, kind: BlockKind) {
        self.flush();
        self.current = Some((kind, vec![]));
    }

    /// Ends the current block; trailing blanks and breaks draw nothing, an empty block is
    /// dropped.
    fn flush(&mut self) {
        let Some((kind, mut spans)) = self.current.take() else {
            return;
        };
        trim_end(&mut spans, &[' ', '\n']);
        if spans.is_empty() {
            return;
        }
        self.blocks.push(match kind {
            BlockKind::Heading => Block::Heading(spans),
            BlockKind::Paragraph => Block::Paragraph(spans),
            BlockKind::ListItem(ordered_index) => Block::ListItem {
                ordered_index,
                spans,
            },
        });
    }

    fn spans(&mut self) -> &mut Vec<Span> {
        // Text outside any block (left over from a stripped `<div>`) reads as a paragraph.
        &mut self
            .current
            .get_or_insert_with(|| (BlockKind::Paragraph, vec![]))
            .1
    }

    fn line_break(&mut self) {
        let spans = self.spans();
        trim_end(spans, &[' ']);
        self.push('\n');
    }

    /// Collapses runs of HTML whitespace to one space and drops it at a line's start; the
    /// no-break space (`&nbsp;`) is text, as in a browser.
    fn text(&mut self, text: &str) {
        for character in text.chars() {
            if matches!(character, ' ' | '\t' | '\n' | '\r' | '\u{c}') {
                let last = self
                    .current
                    .as_ref()
                    .and_then(|(_, spans)| spans.last())
                    .and_then(|span| span.text.chars().last());
                if matches!(last, Some(c) if c != ' ' && c != '\n') {
                    self.push(' ');
                }
            } else {
                self.push(character);
            }
        }
    }

    fn push(&mut self, character: char) {
        let (bold, italic, underline) = (self.bold > 0, self.italic > 0, self.underline > 0);
        let spans = self.spans();
        match spans.last_mut() {
            Some(span) if (span.bold, span.italic, span.underline) == (bold, italic, underline) => {
                span.text.push(character);
            }
            _ => spans.push(Span {
                text: character.to_string(),
                bold,
                italic,
                underline,
            }),
        }
    }
}

fn trim_end(spans: &mut Vec<Span>, blanks: &[char]) {
    while let Some(span) = spans.last_mut() {
        let kept = span.text.trim_end_matches(blanks).len();
        span.text.truncate(kept);
        if !span.text.is_empty() {
            return;
        }
        spans.pop();
    }
}

/// Decodes the named entities a sanitiser or an editor writes and every numeric one; anything
/// else stays as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest
            .find(';')
            .filter(|semicolon| *semicolon <= 10)
            .and_then(|semicolon| Some((entity(&rest[1..semicolon])?, semicolon)));
        match decoded {
            Some((character, semicolon)) => {
                out.push(character);
                rest = &rest[semicolon + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    let numeric = |digits: &str, radix| u32::from_str_radix(digits, radix).ok();
    let code = match name {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        "nbsp" => return Some('\u{a0}'),
        _ => match name.strip_prefix('#')? {
            hex if hex.starts_with(['x', 'X']) => numeric(&hex[1..], 16)?,
            decimal => numeric(decimal, 10)?,
        },
    };
    // NUL and surrogates are not characters: keep the entity as written.
    char::from_u32(code).filter(|character| *character != '\0')
}

/// A predefined template, or the workshop's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum TemplateChoice {
    Preset(Preset),
    Custom(TemplateConfig),
}

impl Default for TemplateChoice {
    fn default() -> Self {
        Self::Preset(Preset::Modern)
    }
}

impl TemplateChoice {
    /// The configuration to render with.
    pub fn config(&self) -> TemplateConfig {
        match self {
            Self::Preset(preset) => preset.config(),
            Self::Custom(config) => config.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuoteTemplateCommand {
    Choose(TemplateChoice),
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum QuoteTemplateEvent {
    Chosen {
        choice: TemplateChoice,
        chosen_at: DateTime<Utc>,
    },
}

impl QuoteTemplateEvent {
    pub const CHOSEN: &'static str = "QuoteTemplateChosen";
}

impl DomainEvent for QuoteTemplateEvent {
    fn event_type(&self) -> String {
        Self::CHOSEN.to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// A workshop's quote template; until it chooses one, the modern preset.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteTemplate {
    choice: TemplateChoice,
}

impl QuoteTemplate {
    pub fn choice(&self) -> &TemplateChoice {
        &self.choice
    }

    pub fn decide(
        &self,
        command: Stamped<QuoteTemplateCommand>,
    ) -> Result<Vec<QuoteTemplateEvent>, TemplateError> {
        let QuoteTemplateCommand::Choose(choice) = command.body;
        let choice = match choice {
            TemplateChoice::Preset(preset) => TemplateChoice::Preset(preset),
            TemplateChoice::Custom(config) => TemplateChoice::Custom(config.validate()?),
        };
        if choice == self.choice {
            return Ok(vec![]);
        }
        Ok(vec![QuoteTemplateEvent::Chosen {
            choice,
            chosen_at: command.now,
        }])
    }
}

impl Aggregate for QuoteTemplate {
    const TYPE: &'static str = "quote_template";
    type Command = Stamped<QuoteTemplateCommand>;
    type Event = QuoteTemplateEvent;
    type Error = TemplateError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let QuoteTemplateEvent::Chosen { choice, .. } = event;
        self.choice = choice;
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
