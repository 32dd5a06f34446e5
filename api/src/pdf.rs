//! Quote PDFs with genpdf and the DejaVu fonts embedded in the binary (accents render the
//! same everywhere), cut down to French text by `scripts/subset-fonts`. The text depends on the quote only: the same quote gives the same text
//! (printpdf still stamps its own creation date and document id in the file).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use domain::powder::{Finish, PowderKind};
use domain::quote::lifecycle::{Deposit, PricedContent};
use genpdf::elements::{Break, Paragraph, TableLayout, Text};
use genpdf::fonts::{FontData, FontFamily};
use genpdf::style::Style;
use genpdf::{Alignment, Element};
use rust_decimal::Decimal;

const REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Oblique.ttf");
const BOLD_ITALIC: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-BoldOblique.ttf");

/// What the PDF of a quote shows.
pub struct QuoteDocument<'a> {
    pub workshop: &'a str,
    pub number: &'a str,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub client_name: &'a str,
    pub client_lines: Vec<String>,
    pub content: &'a PricedContent,
}

/// Parsed once per process: every render clones the parsed fonts.
static FONTS: std::sync::LazyLock<Result<FontFamily<FontData>, String>> =
    std::sync::LazyLock::new(|| {
        let load = |bytes: &[u8]| FontData::new(bytes.to_vec(), None).map_err(|e| e.to_string());
        Ok(FontFamily {
            regular: load(REGULAR)?,
            bold: load(BOLD)?,
            italic: load(ITALIC)?,
            bold_italic: load(BOLD_ITALIC)?,
        })
    });

fn fonts() -> Result<FontFamily<FontData>, genpdf::error::Error> {
    FONTS.clone().map_err(|message| {
        genpdf::error::Error::new(message, genpdf::error::ErrorKind::InvalidFont)
    })
}

/// « 1 234,56 € »: French grouping and decimal comma.
pub fn euros(amount: Decimal) -> String {
    let amount = amount.round_dp(2);
    let text = format!("{:.2}", amount.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped},{cents} €")
}

fn number(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

fn date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

fn cell(text: impl Into<String>) -> impl Element {
    Paragraph::new(text.into()).padded(1)
}

fn right(text: impl Into<String>) -> impl Element {
    Paragraph::new(text.into())
        .aligned(Alignment::Right)
        .padded(1)
}

fn bold(text: impl Into<String>) -> impl Element {
    Paragraph::new(text.into())
        .styled(Style::new().bold())
        .padded(1)
}

pub fn quote_pdf(quote: &QuoteDocument<'_>) -> Result<Vec<u8>, genpdf::error::Error> {
    let mut doc = genpdf::Document::new(fonts()?);
    doc.set_title(format!("Devis {}", quote.number));
    // printpdf's default conformance (PDF/X-3) embeds a 650 KB ICC colour profile in every
    // file; a quote needs none. PDF/A-3 comes with invoices (Factur-X).
    doc.set_minimal_conformance();
    doc.set_font_size(9);
    let mut decorator = genpdf::SimplePageDecorator::new();
    decorator.set_margins(15);
    doc.set_page_decorator(decorator);

    doc.push(Text::new(quote.workshop.to_owned()).styled(Style::new().bold().with_font_size(16)));
    doc.push(Break::new(1));
    doc.push(
        Text::new(format!(
            "DEVIS N° {} — version {}",
            quote.number, quote.version
        ))
        .styled(Style::new().bold().with_font_size(13)),
    );
    let created = quote.created_at.with_timezone(&Paris).date_naive();
    doc.push(Paragraph::new(format!(
        "Date : {}    Valable jusqu'au : {}",
        date(created),
        date(quote.content.content.valid_until)
    )));
    doc.push(Break::new(1));
    doc.push(Text::new("Client").styled(Style::new().bold()));
    doc.push(Paragraph::new(quote.client_name.to_owned()));
    for line in &quote.client_lines {
        doc.push(Paragraph::new(line.clone()));
    }
    doc.push(Break::new(1));

    let mut table = TableLayout::new(vec![4, 1, 2, 7, 2, 2, 2]);
    table.set_cell_decorator(genpdf::elements::FrameCellDecorator::new(true, true, false));
    let mut header = table.row();
    for title in [
        "Désignation",
        "Qté",
        "Surface",
        "Détails techniques",
        "PU HT",
        "Total HT",
        "TVA",
    ] {
        header = header.element(bold(title));
    }
    header.push()?;
    let content = &quote.content;
    for (line, priced) in content.content.lines.iter().zip(&content.priced.lines) {
        let technical = match &line.powder {
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
        };
        table
            .row()
            .element(cell(line.description.clone()))
            .element(right(line.quantity.to_string()))
            .element(right(format!("{} m²", number(priced.surface_m2))))
            .element(cell(technical))
            .element(right(euros(priced.unit_price_ht)))
            .element(right(euros(priced.total_ht)))
            .element(right(format!("{} %", number(priced.vat_rate))))
            .push()?;
    }
    doc.push(table);
    doc.push(Break::new(1));

    let mut totals = TableLayout::new(vec![4, 2]);
    totals
        .row()
        .element(right("Total HT"))
        .element(right(euros(content.priced.total_ht)))
        .push()?;
    for vat in &content.priced.vat {
        totals
            .row()
            .element(right(format!(
                "TVA {} % sur {}",
                number(vat.rate),
                euros(vat.base_ht)
            )))
            .element(right(euros(vat.vat)))
            .push()?;
    }
    totals
        .row()
        .element(
            Paragraph::new("Total TTC")
                .aligned(Alignment::Right)
                .styled(Style::new().bold())
                .padded(1),
        )
        .element(
            Paragraph::new(euros(content.priced.total_ttc))
                .aligned(Alignment::Right)
                .styled(Style::new().bold())
                .padded(1),
        )
        .push()?;
    if content.deposit_due > Decimal::ZERO {
        let rule = match &content.content.deposit {
            Deposit::Percent(pct) => format!(" ({} %)", number(*pct)),
            _ => String::new(),
        };
        totals
            .row()
            .element(right(format!("Acompte à la signature{rule}")))
            .element(right(euros(content.deposit_due)))
            .push()?;
    }
    doc.push(totals);
    doc.push(Break::new(1));
    doc.push(Text::new("Conditions").styled(Style::new().bold()));
    doc.push(Paragraph::new(format!(
        "Devis valable jusqu'au {}. Il est accepté par signature électronique ; le solde est dû à la livraison des pièces.",
        date(content.content.valid_until)
    )));
    let mut buffer = Vec::new();
    doc.render(&mut buffer)?;
    Ok(buffer)
}

fn kind_label(kind: &PowderKind) -> &'static str {
    match kind {
        PowderKind::Epoxy => "époxy",
        PowderKind::Polyester => "polyester",
        PowderKind::EpoxyPolyester => "époxy-polyester",
        PowderKind::Polyurethane => "polyuréthane",
        PowderKind::Acrylic => "acrylique",
    }
}

fn finish_label(finish: &Finish) -> &'static str {
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
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_read_the_french_way() {
        assert_eq!(euros(dec!(1234.5)), "1\u{202f}234,50 €");
        assert_eq!(euros(dec!(200.04)), "200,04 €");
        assert_eq!(euros(dec!(-9.61)), "-9,61 €");
        assert_eq!(euros(dec!(1000000)), "1\u{202f}000\u{202f}000,00 €");
    }
}
