//! Quote PDFs with genpdf and the DejaVu fonts of [`super::fonts`].
//!
//! The same inputs give the same bytes, so a PDF can be hashed, signed and drawn again:
//! printpdf stamps the clock and random ids in every file, which [`pin_identity`] replaces
//! by the document's own date and a digest of its inputs.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use domain::digest::sha256_hex;
use domain::money::euros;
use domain::powder::{Finish, PowderKind};
use domain::quote::lifecycle::{Deposit, PricedContent};
use std::collections::BTreeMap;

use domain::quote::template::{cgv_blocks, substitute, Block, Preset, Span, TemplateConfig};
use genpdf::elements::{Break, Image, Paragraph, TableLayout, Text};
use genpdf::style::{Color, Style};
use genpdf::{Alignment, Element, Margins};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::fonts;

/// What the PDF of a quote shows. Kept with the PDF sent, to draw its signed copy from the
/// very same inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteDocument {
    pub workshop: String,
    pub number: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub client_name: String,
    pub client_lines: Vec<String>,
    pub content: PricedContent,
    /// The workshop's template when the PDF was drawn (PDFs sent before templates: modern).
    #[serde(default = "modern")]
    pub template: TemplateConfig,
}

fn modern() -> TemplateConfig {
    Preset::Modern.config()
}

/// The signature block of a signed copy.
pub struct SignatureStamp {
    /// Flattened on white: genpdf draws no transparency.
    pub image: image::DynamicImage,
    pub signed_at: DateTime<Utc>,
    /// « le client » or « Camille Martin pour le client ».
    pub signed_by: String,
    /// The digest of the PDF the signer was shown.
    pub pdf_sha256: String,
}

fn number(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

fn date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// `#RRGGBB` (validated when the template was saved; black otherwise).
fn colour(hex: &str) -> Color {
    let channel = |range: std::ops::Range<usize>| {
        hex.get(range)
            .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            .unwrap_or(0)
    };
    Color::Rgb(channel(1..3), channel(3..5), channel(5..7))
}

/// The values of the template's variables for this quote. The workshop's SIRET and address
/// are not recorded yet: empty, and the lines naming them are left out.
fn variables(quote: &QuoteDocument) -> BTreeMap<&'static str, String> {
    let created = quote.created_at.with_timezone(&Paris).date_naive();
    [
        ("nom_atelier", quote.workshop.clone()),
        ("siret_atelier", String::new()),
        ("adresse_atelier", String::new()),
        ("numero_devis", quote.number.clone()),
        ("date_devis", date(created)),
        ("validite_devis", date(quote.content.content.valid_until)),
        ("nom_client", quote.client_name.clone()),
        ("montant_ttc", euros(quote.content.priced.total_ttc)),
        ("acompte", euros(quote.content.deposit_due)),
    ]
    .into_iter()
    .collect()
}

/// `text`'s lines with their variables filled, without the lines naming an empty value.
fn filled_lines(text: &str, values: &BTreeMap<&'static str, String>) -> Vec<String> {
    text.lines()
        .filter(|line| {
            !values
                .iter()
                .any(|(name, value)| value.is_empty() && line.contains(&format!("{{{name}}}")))
        })
        .map(|line| substitute(line, values))
        .collect()
}

/// How a template draws: its colours, type size and row spacing.
struct Look {
    primary: Color,
    accent: Color,
    text: Color,
    cell_padding: Margins,
}

impl Look {
    fn of(template: &TemplateConfig) -> Self {
        let vertical = 0.5 + f32::from(template.body.line_spacing_mm) / 2.0;
        Self {
            primary: colour(&template.palette.primary),
            accent: colour(&template.palette.accent),
            text: colour(&template.palette.text),
            cell_padding: Margins::trbl(vertical, 1, vertical, 1),
        }
    }

    fn cell(&self, text: impl Into<String>) -> impl Element {
        Paragraph::new(text.into())
            .styled(Style::new().with_color(self.text))
            .padded(self.cell_padding)
    }

    fn right(&self, text: impl Into<String>) -> impl Element {
        Paragraph::new(text.into())
            .aligned(Alignment::Right)
            .styled(Style::new().with_color(self.text))
            .padded(self.cell_padding)
    }

    fn heading(&self, text: impl Into<String>) -> impl Element {
        Paragraph::new(text.into())
            .styled(Style::new().bold().with_color(self.primary))
            .padded(self.cell_padding)
    }
}

/// The PDF of `quote` in its template, with the workshop's `logo` if the template names one
/// and the signature block when `stamp` is given.
pub fn quote_pdf(
    quote: &QuoteDocument,
    logo: Option<&image::DynamicImage>,
    stamp: Option<&SignatureStamp>,
) -> Result<Vec<u8>, genpdf::error::Error> {
    let template = &quote.template;
    let look = Look::of(template);
    let values = variables(quote);
    let mut doc = genpdf::Document::new(fonts()?);
    doc.set_title(format!("Devis {}", quote.number));
    // printpdf's default conformance (PDF/X-3) embeds a 650 KB ICC colour profile in every
    // file; a quote needs none. PDF/A-3 comes with invoices (Factur-X).
    doc.set_minimal_conformance();
    doc.set_font_size(template.body.font_size_pt);
    let mut decorator = genpdf::SimplePageDecorator::new();
    decorator.set_margins(15);
    if template.footer.show_page_numbers {
        decorator.set_header(|page| {
            Paragraph::new(format!("Page {page}"))
                .aligned(Alignment::Right)
                .styled(Style::new().with_font_size(7))
        });
    }
    doc.set_page_decorator(decorator);

    if let Some(logo) = logo {
        // Sized in millimetres whatever the pixels: genpdf sizes images by their dpi.
        let (width, _) = image::GenericImageView::dimensions(logo);
        let dpi = f64::from(width.max(1)) * 25.4 / f64::from(template.header.logo_width_mm);
        doc.push(Image::from_dynamic_image(logo.clone())?.with_dpi(dpi));
    }
    doc.push(
        Text::new(quote.workshop.clone()).styled(
            Style::new()
                .bold()
                .with_font_size(16)
                .with_color(look.primary),
        ),
    );
    if template.header.show_workshop_address {
        for line in filled_lines("{adresse_atelier}", &values) {
            doc.push(Paragraph::new(line));
        }
    }
    doc.push(Break::new(1));
    doc.push(
        Text::new(format!(
            "{} — version {}",
            substitute(&template.header.title, &values),
            quote.version
        ))
        .styled(
            Style::new()
                .bold()
                .with_font_size(13)
                .with_color(look.primary),
        ),
    );
    let created = quote.created_at.with_timezone(&Paris).date_naive();
    doc.push(Paragraph::new(format!(
        "Date : {}    Valable jusqu'au : {}",
        date(created),
        date(quote.content.content.valid_until)
    )));
    doc.push(Break::new(1));
    doc.push(Text::new("Client").styled(Style::new().bold().with_color(look.primary)));
    doc.push(Paragraph::new(quote.client_name.clone()));
    for line in &quote.client_lines {
        doc.push(Paragraph::new(line.clone()));
    }
    doc.push(Break::new(1));

    let columns = &template.body.columns;
    let technical = template.body.show_technical_details;
    let mut widths = vec![
        usize::from(columns.designation),
        usize::from(columns.quantity),
        usize::from(columns.surface),
    ];
    if technical {
        widths.push(usize::from(columns.technical));
    }
    widths.extend([
        usize::from(columns.unit_price),
        usize::from(columns.total),
        usize::from(columns.vat),
    ]);
    let mut table = TableLayout::new(widths);
    table.set_cell_decorator(genpdf::elements::FrameCellDecorator::new(true, true, false));
    let mut header = table.row();
    for title in ["Désignation", "Qté", "Surface"] {
        header = header.element(look.heading(title));
    }
    if technical {
        header = header.element(look.heading("Détails techniques"));
    }
    for title in ["PU HT", "Total HT", "TVA"] {
        header = header.element(look.heading(title));
    }
    header.push()?;
    let content = &quote.content;
    for (line, priced) in content.content.lines.iter().zip(&content.priced.lines) {
        let mut row = table
            .row()
            .element(look.cell(line.description.clone()))
            .element(look.right(line.quantity.to_string()))
            .element(look.right(format!("{} m²", number(priced.surface_m2))));
        if technical {
            row = row.element(look.cell(technical_details(line)));
        }
        row.element(look.right(euros(priced.unit_price_ht)))
            .element(look.right(euros(priced.total_ht)))
            .element(look.right(format!("{} %", number(priced.vat_rate))))
            .push()?;
    }
    doc.push(table);
    doc.push(Break::new(1));

    let mut totals = TableLayout::new(vec![4, 2]);
    totals
        .row()
        .element(look.right("Total HT"))
        .element(look.right(euros(content.priced.total_ht)))
        .push()?;
    for vat in &content.priced.vat {
        totals
            .row()
            .element(look.right(format!(
                "TVA {} % sur {}",
                number(vat.rate),
                euros(vat.base_ht)
            )))
            .element(look.right(euros(vat.vat)))
            .push()?;
    }
    let highlighted = Style::new().bold().with_color(look.accent);
    totals
        .row()
        .element(
            Paragraph::new("Total TTC")
                .aligned(Alignment::Right)
                .styled(highlighted)
                .padded(look.cell_padding),
        )
        .element(
            Paragraph::new(euros(content.priced.total_ttc))
                .aligned(Alignment::Right)
                .styled(highlighted)
                .padded(look.cell_padding),
        )
        .push()?;
    if content.deposit_due > Decimal::ZERO {
        let rule = match &content.content.deposit {
            Deposit::Percent(pct) => format!(" ({} %)", number(*pct)),
            _ => String::new(),
        };
        totals
            .row()
            .element(look.right(format!("Acompte à la signature{rule}")))
            .element(look.right(euros(content.deposit_due)))
            .push()?;
    }
    doc.push(totals);
    doc.push(Break::new(1));
    doc.push(Text::new("Conditions").styled(Style::new().bold().with_color(look.primary)));
    doc.push(Paragraph::new(format!(
        "Devis valable jusqu'au {}. Il est accepté par signature électronique ; le solde est dû à la livraison des pièces.",
        date(content.content.valid_until)
    )));
    push_conditions(&mut doc, &template.conditions.cgv_html, &values, &look);
    let mentions = filled_lines(&template.footer.legal_mentions, &values);
    if !mentions.is_empty() {
        doc.push(Break::new(1));
        for line in mentions {
            doc.push(Paragraph::new(line).styled(Style::new().with_font_size(7)));
        }
    }

    if let Some(stamp) = stamp {
        doc.push(Break::new(1));
        doc.push(Text::new("Bon pour accord").styled(Style::new().bold()));
        // Sixty millimetres wide whatever the pixels.
        let (width, _) = image::GenericImageView::dimensions(&stamp.image);
        let dpi = f64::from(width.max(1)) * 25.4 / 60.0;
        doc.push(Image::from_dynamic_image(stamp.image.clone())?.with_dpi(dpi));
        let at = stamp.signed_at.with_timezone(&Paris);
        doc.push(Paragraph::new(format!(
            "Signé électroniquement le {} à {} (heure de Paris) par {}.",
            at.format("%d/%m/%Y"),
            at.format("%H:%M:%S"),
            stamp.signed_by
        )));
        doc.push(
            Paragraph::new(format!(
                "Empreinte SHA-256 du devis signé : {}",
                stamp.pdf_sha256
            ))
            .styled(Style::new().with_font_size(7)),
        );
    }
    let mut buffer = Vec::new();
    doc.render(&mut buffer)?;
    let inputs = serde_json::to_vec(quote).unwrap_or_default();
    let seed = match stamp {
        Some(stamp) => format!("{}|{}", sha256_hex(&inputs), stamp.pdf_sha256),
        None => sha256_hex(&inputs),
    };
    let dated = stamp.map_or(quote.created_at, |stamp| stamp.signed_at);
    pin_identity(&buffer, dated, &seed)
}

fn technical_details(line: &domain::quote::Line) -> String {
    match &line.powder {
        Some(powder) => {
            let mut details = format!(
                "{} ({}, {}), {} couche(s)",
                powder.identity.reference(),
                kind_label(&powder.identity.kind()),
                finish_label(&powder.identity.finish()),
                line.coats
            );
            if line.primer {
                details.push_str(", primaire");
            }
            if line.varnish {
                details.push_str(", vernis");
            }
            details.push_str(&format!(
                " ; cuisson {} °C, {} min",
                powder.cure_temperature_c, powder.cure_minutes
            ));
            details
        }
        None => "Main d'œuvre".to_owned(),
    }
}

/// The CGV, block by block: headings, paragraphs with their bold and italic, list items.
/// Variables are filled in the plain text of each span, never in HTML.
fn push_conditions(
    doc: &mut genpdf::Document,
    cgv_html: &str,
    values: &BTreeMap<&'static str, String>,
    look: &Look,
) {
    let blocks = cgv_blocks(cgv_html);
    if blocks.is_empty() {
        return;
    }
    doc.push(Break::new(1));
    doc.push(
        Text::new("Conditions générales de vente")
            .styled(Style::new().bold().with_color(look.primary)),
    );
    let spans = |spans: &[Span], prefix: &str, base: Style| {
        let mut paragraph = Paragraph::default();
        if !prefix.is_empty() {
            paragraph.push_styled(prefix.to_owned(), base);
        }
        for span in spans {
            let mut style = base;
            if span.bold {
                style = style.bold();
            }
            if span.italic {
                style = style.italic();
            }
            // genpdf draws no underline: emphasis is what remains of it.
            paragraph.push_styled(substitute(&span.text, values).replace('\n', " "), style);
        }
        paragraph
    };
    let text = Style::new().with_font_size(8).with_color(look.text);
    for block in blocks {
        match block {
            Block::Heading(content) => {
                doc.push(spans(&content, "", text.bold().with_color(look.primary)))
            }
            Block::Paragraph(content) => doc.push(spans(&content, "", text)),
            Block::ListItem {
                ordered_index,
                spans: content,
            } => {
                let prefix = match ordered_index {
                    Some(index) => format!("{index}. "),
                    None => "• ".to_owned(),
                };
                doc.push(spans(&content, &prefix, text).padded(Margins::trbl(0, 0, 0, 4)))
            }
        }
    }
}

/// Replaces what printpdf draws from the clock and the random generator (creation and
/// modification dates, the trailer's document and instance ids) by `dated` and a digest of
/// `seed`: the same document gives the same bytes.
///
/// Done in place, byte for byte: the fields have a fixed length, so the cross-reference
/// offsets stay right. (Parsing and re-saving the file with lopdf did the same for 27 ms a
/// quote; this takes well under one.) printpdf writes the information
/// dictionary and the trailer uncompressed, as the PDF format requires of the trailer.
fn pin_identity(
    pdf: &[u8],
    dated: DateTime<Utc>,
    seed: &str,
) -> Result<Vec<u8>, genpdf::error::Error> {
    let mut pinned = pdf.to_vec();
    let stamp = dated.format("%Y%m%d%H%M%S").to_string();
    let id = sha256_hex(seed.as_bytes())[..32].to_owned();
    let fields: [(&[u8], &str); 4] = [
        (b"/CreationDate(D:", &stamp),
        (b"/ModDate(D:", &stamp),
        (b"/ID[(", &id),
        (b")(", &id),
    ];
    let mut from = 0;
    for (index, (marker, value)) in fields.into_iter().enumerate() {
        // The instance id follows the document id; the dates come before the trailer.
        let start = if index == 3 { from } else { 0 };
        let found = pinned[start..]
            .windows(marker.len())
            .position(|window| window == marker)
            .map(|at| start + at + marker.len())
            .filter(|at| at + value.len() <= pinned.len())
            .ok_or_else(|| {
                genpdf::error::Error::new(
                    format!(
                        "printpdf no longer writes {}: the PDF cannot be made reproducible",
                        String::from_utf8_lossy(marker)
                    ),
                    genpdf::error::ErrorKind::Internal,
                )
            })?;
        pinned[found..found + value.len()].copy_from_slice(value.as_bytes());
        from = found + value.len();
    }
    Ok(pinned)
}

pub(crate) fn kind_label(kind: &PowderKind) -> &'static str {
    match kind {
        PowderKind::Epoxy => "époxy",
        PowderKind::Polyester => "polyester",
        PowderKind::EpoxyPolyester => "époxy-polyester",
        PowderKind::Polyurethane => "polyuréthane",
        PowderKind::Acrylic => "acrylique",
    }
}

pub(crate) fn finish_label(finish: &Finish) -> &'static str {
    match finish {
        Finish::Matt => "mat",
        Finish::Satin => "satiné",
        Finish::Gloss => "brillant",
        Finish::Texture => "texturé",
        Finish::Metallic => "métallisé",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::quote::lifecycle::{priced, Content};
    use domain::quote::pricing::{Line, Rates, Surface};
    use rust_decimal_macros::dec;

    fn document() -> QuoteDocument {
        let created_at = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
        let line = Line {
            description: "Sablage d'un portail".into(),
            quantity: 1,
            surface: Surface::Area { m2: dec!(2) },
            powder: None,
            coats: 1,
            primer: false,
            varnish: false,
            labour_minutes: dec!(45),
            consumables: dec!(0),
            discount_pct: dec!(0),
            vat_rate: dec!(20),
        };
        let content = Content {
            client_id: uuid::Uuid::nil(),
            lines: vec![line],
            rates: Rates {
                hourly_rate: dec!(45),
                powder_margin_pct: dec!(30),
                labour_margin_pct: dec!(20),
                primer_price_per_kg: dec!(15),
                varnish_price_per_kg: dec!(18),
            },
            valid_until: chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            deposit: Deposit::None,
        };
        QuoteDocument {
            workshop: "Atelier Dupont".into(),
            number: "DEV-2026-0042".into(),
            version: 1,
            created_at,
            client_name: "Bernard Paul".into(),
            client_lines: vec![],
            content: priced(content, created_at.date_naive()).unwrap(),
            template: Preset::Modern.config(),
        }
    }

    #[test]
    fn the_same_document_gives_the_same_bytes_dated_by_the_quote() {
        let first = quote_pdf(&document(), None, None).unwrap();
        let second = quote_pdf(&document(), None, None).unwrap();
        assert_eq!(sha256_hex(&first), sha256_hex(&second));
        let text = String::from_utf8_lossy(&first);
        assert!(
            text.contains("D:20261125093000+00'00'"),
            "dated by the quote"
        );
        let mut other = document();
        other.number = "DEV-2026-0043".into();
        assert_ne!(quote_pdf(&other, None, None).unwrap(), first);
        if let Ok(path) = std::env::var("WRITE_SAMPLE_PDF") {
            std::fs::write(path, &first).unwrap();
        }
    }
}
