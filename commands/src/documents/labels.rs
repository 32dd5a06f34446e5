//! Oven-proof part labels (*étiquettes*): each part's typeable code, its QR code and what the
//! workshop needs to recognise it, drawn on label paper as a PDF.
//!
//! Pure: labels and a format in, PDF bytes out. genpdf lays out flowing text, not fixed
//! cells, so the sheet is one custom [`Element`] that draws a page of cells at computed
//! positions and asks genpdf for another page while labels remain.

use chrono::NaiveDate;
use domain::project::lifecycle::Part;
use domain::{DomainError, ErrorKind};
use genpdf::fonts::FontCache;
use genpdf::render::Area;
use genpdf::style::Style;
use genpdf::{Context, Element, Mm, Position, RenderResult, Rotation, Scale, Size};
use image::{DynamicImage, GrayImage, Luma};
use qrcode::QrCode;

const A4_WIDTH_MM: f64 = 210.0;
const A4_HEIGHT_MM: f64 = 297.0;
const SHEET_MARGIN_MM: f64 = 8.0;
/// White kept inside each label, so neighbouring labels never touch even when the paper is
/// cut slightly off.
const PADDING_MM: f64 = 2.0;
const GAP_MM: f64 = 1.5;
/// The QR code's standard quiet zone: scanners need it to find the code, and the text next
/// to it is closer than that.
const QUIET_MODULES: usize = 4;
/// printpdf marks images `/Interpolate true`: with whole pixels per module a viewer's
/// smoothing blurs one pixel of eight at an edge, not half a module.
const PIXELS_PER_MODULE: usize = 8;
const SMALLEST_PT: u8 = 6;
const CODE_LARGEST_PT: u8 = 28;
const DETAILS_LARGEST_PT: u8 = 10;
const DETAIL_LINES: usize = 4;
/// The details' type is the largest in which a line this long fits (the date line, and most
/// powder lines and descriptions), longer ones are cut.
const TYPICAL_LINE: &str = "Promis le 12/03/2026 · P26-0042";
/// Larger scans no better, and the room goes to the text.
const QR_LARGEST_MM: f64 = 30.0;

pub use domain::project::numbering::QR_PREFIX;

/// One part's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The typeable part number, e.g. `P26-0042-2`: printed whole or, if it cannot fit,
    /// visibly cut; the QR code always carries the payload.
    pub code: String,
    pub qr_payload: String,
    pub project_number: String,
    pub client_name: String,
    pub description: String,
    /// E.g. « TP 7016 B · brillant · 2 couches ».
    pub powder: Option<String>,
    pub promised: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    /// An A4 sheet cut into `columns × rows` labels, 8 mm from the edges.
    A4Grid { columns: u8, rows: u8 },
    /// One label per page of exactly this size (label printers, rolls).
    Single { width_mm: u16, height_mm: u16 },
}

#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    #[error("une planche A4 compte de 1 à 4 colonnes et de 1 à 12 lignes d'étiquettes (demandé : {columns} × {rows})")]
    GridInvalid { columns: u8, rows: u8 },
    #[error("une étiquette seule mesure de 30 à 150 mm de large et de 20 à 150 mm de haut (demandé : {width_mm} × {height_mm} mm)")]
    SingleInvalid { width_mm: u16, height_mm: u16 },
    #[error("aucune étiquette à imprimer")]
    NoLabels,
    #[error("le contenu du QR code de l'étiquette « {code} » est trop long")]
    QrPayloadTooLong { code: String },
    #[error("les étiquettes n'ont pas pu être dessinées")]
    Pdf(#[from] genpdf::error::Error),
}

impl DomainError for LabelError {
    fn code(&self) -> &'static str {
        match self {
            Self::GridInvalid { .. } | Self::SingleInvalid { .. } => "LABEL_FORMAT_INVALID",
            Self::NoLabels => "LABEL_NONE",
            Self::QrPayloadTooLong { .. } => "LABEL_QR_PAYLOAD_TOO_LONG",
            Self::Pdf(_) => "LABEL_PDF_FAILED",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Pdf(_) => ErrorKind::Internal,
            _ => ErrorKind::Validation,
        }
    }
}

/// The powder line of a part's label, e.g. « TP 7016 B · brillant · 2 couche(s) ».
pub fn powder_line(part: &Part) -> Option<String> {
    let powder = part.powder.as_ref()?;
    let finish = super::quote_pdf::finish_label(&powder.identity.finish());
    Some(format!(
        "{} · {finish} · {} couche(s)",
        powder.identity.reference(),
        part.coats
    ))
}

/// A part's labels, one per physical part (four rims, four labels with one code).
pub fn part_labels(
    part: &Part,
    project_number: &str,
    client_name: &str,
    promised: Option<NaiveDate>,
    powder: Option<String>,
) -> impl Iterator<Item = Label> {
    let label = Label {
        code: part.code.clone(),
        qr_payload: format!("{QR_PREFIX}{}", part.code),
        project_number: project_number.to_owned(),
        client_name: client_name.to_owned(),
        description: part.description.clone(),
        powder,
        promised,
    };
    std::iter::repeat_n(label, part.quantity as usize)
}

/// The PDF of `labels` in `format`: a grid fills as many A4 pages as needed, a single label
/// takes a page of its own size.
pub fn label_sheet(labels: &[Label], format: &LabelFormat) -> Result<Vec<u8>, LabelError> {
    let layout = Layout::of(format)?;
    if labels.is_empty() {
        return Err(LabelError::NoLabels);
    }
    let prepared = labels
        .iter()
        .map(|label| {
            Ok(Prepared {
                qr: qr_image(&label.qr_payload).ok_or_else(|| LabelError::QrPayloadTooLong {
                    code: label.code.clone(),
                })?,
                label: label.clone(),
            })
        })
        .collect::<Result<Vec<_>, LabelError>>()?;

    let mut doc = genpdf::Document::new(super::fonts()?);
    doc.set_title("Étiquettes");
    // As for quotes: printpdf's default PDF/X-3 embeds a 650 KB colour profile.
    doc.set_minimal_conformance();
    doc.set_paper_size(layout.page);
    doc.push(Sheet {
        layout,
        remaining: prepared.into_iter(),
    });
    let mut buffer = Vec::new();
    doc.render(&mut buffer)?;
    Ok(buffer)
}

/// Where cells fall on a page; only built from a valid format.
#[derive(Debug, Clone, Copy)]
struct Layout {
    page: Size,
    margin: f64,
    columns: usize,
    rows: usize,
    cell_width: f64,
    cell_height: f64,
}

impl Layout {
    fn of(format: &LabelFormat) -> Result<Self, LabelError> {
        match *format {
            LabelFormat::A4Grid { columns, rows } => {
                if !(1..=4).contains(&columns) || !(1..=12).contains(&rows) {
                    return Err(LabelError::GridInvalid { columns, rows });
                }
                Ok(Self {
                    page: Size::new(A4_WIDTH_MM, A4_HEIGHT_MM),
                    margin: SHEET_MARGIN_MM,
                    columns: usize::from(columns),
                    rows: usize::from(rows),
                    cell_width: (A4_WIDTH_MM - 2.0 * SHEET_MARGIN_MM) / f64::from(columns),
                    cell_height: (A4_HEIGHT_MM - 2.0 * SHEET_MARGIN_MM) / f64::from(rows),
                })
            }
            LabelFormat::Single {
                width_mm,
                height_mm,
            } => {
                if !(30..=150).contains(&width_mm) || !(20..=150).contains(&height_mm) {
                    return Err(LabelError::SingleInvalid {
                        width_mm,
                        height_mm,
                    });
                }
                Ok(Self {
                    page: Size::new(width_mm, height_mm),
                    margin: 0.0,
                    columns: 1,
                    rows: 1,
                    cell_width: f64::from(width_mm),
                    cell_height: f64::from(height_mm),
                })
            }
        }
    }
}

struct Prepared {
    label: Label,
    qr: DynamicImage,
}

/// The QR code of `payload` as a greyscale image (genpdf draws no alpha), `None` when the
/// payload exceeds what a QR code holds.
fn qr_image(payload: &str) -> Option<DynamicImage> {
    let code = QrCode::new(payload.as_bytes()).ok()?;
    let modules = code.width();
    let side = (modules + 2 * QUIET_MODULES) * PIXELS_PER_MODULE;
    let dark = |pixel: u32| (pixel as usize / PIXELS_PER_MODULE).checked_sub(QUIET_MODULES);
    let image = GrayImage::from_fn(side as u32, side as u32, |x, y| match (dark(x), dark(y)) {
        (Some(x), Some(y)) if x < modules && y < modules && code[(x, y)] == qrcode::Color::Dark => {
            Luma([0])
        }
        _ => Luma([255]),
    });
    Some(DynamicImage::ImageLuma8(image))
}

/// All labels, one page of cells per call to `render`.
struct Sheet {
    layout: Layout,
    remaining: std::vec::IntoIter<Prepared>,
}

impl Element for Sheet {
    fn render(
        &mut self,
        context: &Context,
        area: Area<'_>,
        style: Style,
    ) -> Result<RenderResult, genpdf::error::Error> {
        let layout = self.layout;
        let per_page = layout.columns * layout.rows;
        for (index, prepared) in self.remaining.by_ref().take(per_page).enumerate() {
            let column = (index % layout.columns) as f64;
            let row = (index / layout.columns) as f64;
            let cell = sub_area(
                &area,
                layout.margin + column * layout.cell_width,
                layout.margin + row * layout.cell_height,
                layout.cell_width,
                layout.cell_height,
            );
            draw_label(&context.font_cache, &cell, style, &prepared)?;
        }
        Ok(RenderResult {
            size: area.size(),
            has_more: self.remaining.len() > 0,
        })
    }
}

/// A `width × height` area at `(x, y)` from `area`'s top left corner, in millimetres.
fn sub_area<'a>(area: &Area<'a>, x: f64, y: f64, width: f64, height: f64) -> Area<'a> {
    let mut sub = area.clone();
    sub.add_offset(Position::new(x, y));
    sub.set_size(Size::new(width, height));
    sub
}

/// The code across the top in the largest bold that fits, then the QR code on the left and
/// the details on its right, each line cut to the cell's width: nothing reaches a neighbour.
fn draw_label(
    fonts: &FontCache,
    cell: &Area<'_>,
    style: Style,
    prepared: &Prepared,
) -> Result<(), genpdf::error::Error> {
    let label = &prepared.label;
    let width = f64::from(cell.size().width) - 2.0 * PADDING_MM;
    let height = f64::from(cell.size().height) - 2.0 * PADDING_MM;
    let inner = sub_area(cell, PADDING_MM, PADDING_MM, width, height);

    // At most 30 % of the height (12 mm), so small labels keep room for the QR code.
    let band = (height * 0.3).min(12.0);
    let code_style = largest(style.bold(), CODE_LARGEST_PT, |candidate| {
        f64::from(candidate.line_height(fonts)) <= band
            && f64::from(candidate.str_width(fonts, &label.code)) <= width
    });
    inner.print_str(
        fonts,
        Position::default(),
        code_style,
        fitted(&label.code, code_style, width, fonts),
    )?;

    let below = band + GAP_MM;
    let qr_side = (height - below).min(width * 0.4).min(QR_LARGEST_MM);
    let (pixels, _) = image::GenericImageView::dimensions(&prepared.qr);
    let dpi = f64::from(pixels) * 25.4 / qr_side;
    // printpdf places an image by its bottom left corner.
    inner.add_image(
        &prepared.qr,
        Position::new(0, below + qr_side),
        Scale::default(),
        Rotation::default(),
        Some(dpi),
    );

    let text_left = qr_side + GAP_MM;
    let text_width = width - text_left;
    let text_height = height - below;
    let text = sub_area(&inner, text_left, below, text_width, text_height);
    // Sized by the format alone, so every label of a sheet reads alike whatever its text.
    let details_style = largest(style, DETAILS_LARGEST_PT, |candidate| {
        f64::from(candidate.line_height(fonts)) * DETAIL_LINES as f64 <= text_height
            && f64::from(candidate.str_width(fonts, TYPICAL_LINE)) <= text_width
    });
    let line_height = details_style.line_height(fonts);
    let mut top = Mm::from(0.0);
    for line in details(label) {
        // `print_str` refuses a line that would cross the bottom: the last lines are left out
        // on labels too small for all of them.
        let printed = text.print_str(
            fonts,
            Position::new(0, top),
            details_style,
            fitted(&line, details_style, text_width, fonts),
        )?;
        if !printed {
            break;
        }
        top += line_height;
    }
    Ok(())
}

/// At most [`DETAIL_LINES`], the most useful at the bench first: who, what, which powder,
/// then the promised date with the project, which a cut may take as it prefixes the code.
fn details(label: &Label) -> Vec<String> {
    let project = match label.promised {
        Some(day) => format!(
            "Promis le {} · {}",
            day.format("%d/%m/%Y"),
            label.project_number
        ),
        None => format!("Projet {}", label.project_number),
    };
    [
        Some(label.client_name.as_str()),
        Some(label.description.as_str()),
        label.powder.as_deref(),
        Some(project.as_str()),
    ]
    .into_iter()
    .flatten()
    // One line each: a description typed with line breaks must not print them.
    .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
    .filter(|line| !line.is_empty())
    .collect()
}

/// `style` at the largest size from `largest_pt` down that `fits`, else the smallest size.
fn largest(style: Style, largest_pt: u8, fits: impl Fn(Style) -> bool) -> Style {
    (SMALLEST_PT..=largest_pt)
        .rev()
        .map(|size| style.with_font_size(size))
        .find(|candidate| fits(*candidate))
        .unwrap_or(style.with_font_size(SMALLEST_PT))
}

/// `text` whole if it fits in `width` millimetres, else its longest prefix that fits with
/// an ellipsis, so a cut is visible.
fn fitted(text: &str, style: Style, width: f64, fonts: &FontCache) -> String {
    let fits = |candidate: &str| f64::from(style.str_width(fonts, candidate)) <= width;
    if fits(text) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let shortened = |count: usize| {
        let prefix: String = chars[..count].iter().collect();
        format!("{}…", prefix.trim_end())
    };
    // Widths grow with the prefix: a binary search needs a dozen measures, not one a char.
    let (mut fitting, mut too_long) = (0, chars.len());
    while too_long - fitting > 1 {
        let middle = (fitting + too_long) / 2;
        if fits(&shortened(middle)) {
            fitting = middle;
        } else {
            too_long = middle;
        }
    }
    shortened(fitting)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn label(code: &str, client: &str, description: &str) -> Label {
        Label {
            code: code.into(),
            qr_payload: format!("https://app.thermogestion.fr/p/{code}"),
            project_number: "P26-0042".into(),
            client_name: client.into(),
            description: description.into(),
            powder: Some("TP 7016 B · brillant · 2 couches".into()),
            promised: NaiveDate::from_ymd_opt(2026, 3, 12),
        }
    }

    fn five_labels() -> Vec<Label> {
        vec![
            label("P26-0042-1", "Bernard Paul", "Jantes aluminium"),
            label("P26-0042-2", "Hélène Lefèvre", "Portail en fer forgé"),
            label("P26-0042-3", "Garage Müller & Fils", "Châssis de moto"),
            label("P26-0042-4", "Mairie de Saint-Étienne", "Bancs publics"),
            label("P26-0042-5", "Zoé Cœur", "Étagère à épices"),
        ]
    }

    /// What poppler reads from the PDF, given as `arguments` before the input.
    fn poppler(tool: &str, arguments: &[&str], pdf: &[u8]) -> String {
        let mut child = Command::new(tool)
            .args(arguments)
            .args(["fd://0", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
        child.stdin.take().unwrap().write_all(pdf).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{tool} failed");
        String::from_utf8(output.stdout).unwrap()
    }

    fn page_count(pdf: &[u8]) -> usize {
        // pdftotext ends every page with a form feed.
        poppler("pdftotext", &[], pdf).matches('\u{c}').count()
    }

    fn count(pdf: &[u8], needle: &str) -> usize {
        pdf.windows(needle.len())
            .filter(|window| *window == needle.as_bytes())
            .count()
    }

    fn image_count(pdf: &[u8]) -> usize {
        count(pdf, "/Subtype/Image") + count(pdf, "/Subtype /Image")
    }

    #[test]
    fn five_labels_on_a_two_by_two_grid_take_two_pages_with_a_qr_code_each() {
        let pdf = label_sheet(
            &five_labels(),
            &LabelFormat::A4Grid {
                columns: 2,
                rows: 2,
            },
        )
        .unwrap();
        assert_eq!(page_count(&pdf), 2);
        assert_eq!(image_count(&pdf), 5);
    }

    #[test]
    fn labels_show_code_client_description_powder_and_date_with_their_accents() {
        let pdf = label_sheet(
            &five_labels(),
            &LabelFormat::A4Grid {
                columns: 2,
                rows: 2,
            },
        )
        .unwrap();
        let text = poppler("pdftotext", &["-layout"], &pdf);
        for label in five_labels() {
            for expected in [&label.code, &label.client_name, &label.description] {
                assert!(text.contains(expected.as_str()), "{expected} in:\n{text}");
            }
        }
        for expected in [
            "TP 7016 B · brillant · 2 couches",
            "Promis le 12/03/2026 · P26-0042",
        ] {
            assert_eq!(text.matches(expected).count(), 5, "{expected} in:\n{text}");
        }
    }

    #[test]
    fn a_single_label_format_gives_one_page_of_its_size_per_label() {
        let pdf = label_sheet(
            &five_labels()[..3],
            &LabelFormat::Single {
                width_mm: 60,
                height_mm: 40,
            },
        )
        .unwrap();
        assert_eq!(page_count(&pdf), 3);
        assert_eq!(image_count(&pdf), 3);
        let text = String::from_utf8_lossy(&pdf);
        let boxes: Vec<Vec<f64>> = text
            .split("/MediaBox")
            .skip(1)
            .map(|rest| {
                let inside = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
                inside
                    .split_whitespace()
                    .map(|n| n.parse().unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(boxes.len(), 3, "one media box per page");
        for media_box in boxes {
            let expected = [0.0, 0.0, 60.0 * 72.0 / 25.4, 40.0 * 72.0 / 25.4];
            for (value, expected) in media_box.iter().zip(expected) {
                assert!((value - expected).abs() < 0.01, "{media_box:?}");
            }
        }
    }

    #[test]
    fn long_texts_are_cut_inside_their_cell_and_the_code_stays_whole() {
        let long = "Garde-corps d'escalier hélicoïdal en acier galvanisé avec main courante";
        let mut labels = vec![label("P26-0042-12", long, long); 8];
        labels[0].powder = Some(long.into());
        let pdf = label_sheet(
            &labels,
            &LabelFormat::A4Grid {
                columns: 4,
                rows: 12,
            },
        )
        .unwrap();
        let text = poppler("pdftotext", &["-layout"], &pdf);
        assert_eq!(text.matches("P26-0042-12").count(), 8, "{text}");
        assert!(text.contains('…'), "{text}");
        assert!(!text.contains("main courante"), "{text}");

        // Every word lies within one column of the grid (poppler measures in points).
        let bboxes = poppler("pdftotext", &["-bbox"], &pdf);
        let point = |mm: f64| mm * 72.0 / 25.4;
        let cell_width = point((A4_WIDTH_MM - 2.0 * SHEET_MARGIN_MM) / 4.0);
        let cell_height = point((A4_HEIGHT_MM - 2.0 * SHEET_MARGIN_MM) / 12.0);
        let cell = |value: f64, size: f64| ((value - point(SHEET_MARGIN_MM)) / size).floor();
        let attribute = |word: &str, name: &str| -> f64 {
            let start = word.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            word[start..][..word[start..].find('"').unwrap()]
                .parse()
                .unwrap()
        };
        let words: Vec<&str> = bboxes.split("<word ").skip(1).collect();
        assert!(words.len() > 8 * 5, "{bboxes}");
        for word in words {
            let (x_min, x_max) = (attribute(word, "xMin"), attribute(word, "xMax"));
            assert_eq!(
                cell(x_min, cell_width),
                cell(x_max - 0.01, cell_width),
                "{word}"
            );
            // Poppler's word heights are the font's bounding box, taller than a line: rows
            // are kept by `print_str`, which refuses a line crossing the bottom, so only
            // check that each word sits on a row of the grid.
            let y_centre = (attribute(word, "yMin") + attribute(word, "yMax")) / 2.0;
            assert!((0.0..12.0).contains(&cell(y_centre, cell_height)), "{word}");
        }
    }

    #[test]
    fn the_qr_image_is_the_code_module_for_module_inside_a_quiet_zone() {
        let payload = "https://app.thermogestion.fr/p/P26-0042-2";
        let code = QrCode::new(payload).unwrap();
        // qrcode's own renderer, one character per module.
        let expected = code
            .render::<char>()
            .quiet_zone(false)
            .module_dimensions(1, 1)
            .build();
        let image = qr_image(payload).unwrap().into_luma8();
        let modules = code.width();
        assert_eq!(
            image.width() as usize,
            (modules + 2 * QUIET_MODULES) * PIXELS_PER_MODULE
        );
        for (y, row) in expected.lines().enumerate() {
            for (x, module) in row.chars().enumerate() {
                // The centre of each module's pixels.
                let pixel = |m: usize| {
                    ((m + QUIET_MODULES) * PIXELS_PER_MODULE + PIXELS_PER_MODULE / 2) as u32
                };
                let dark = image.get_pixel(pixel(x), pixel(y)).0[0] == 0;
                assert_eq!(dark, module != ' ', "module ({x}, {y})");
            }
        }
        let quiet = (QUIET_MODULES * PIXELS_PER_MODULE - 1) as u32;
        assert!((0..image.width()).all(|i| image.get_pixel(i, quiet).0[0] == 255));
        assert!((0..image.width()).all(|i| image.get_pixel(quiet, i).0[0] == 255));
    }

    #[test]
    fn formats_outside_their_limits_and_empty_input_are_refused_with_their_code() {
        let grid = |columns, rows| LabelFormat::A4Grid { columns, rows };
        let single = |width_mm, height_mm| LabelFormat::Single {
            width_mm,
            height_mm,
        };
        let one = &five_labels()[..1];
        for (format, expected) in [
            (grid(0, 2), Err("LABEL_FORMAT_INVALID")),
            (grid(5, 2), Err("LABEL_FORMAT_INVALID")),
            (grid(2, 0), Err("LABEL_FORMAT_INVALID")),
            (grid(2, 13), Err("LABEL_FORMAT_INVALID")),
            (single(29, 40), Err("LABEL_FORMAT_INVALID")),
            (single(151, 40), Err("LABEL_FORMAT_INVALID")),
            (single(60, 19), Err("LABEL_FORMAT_INVALID")),
            (single(60, 151), Err("LABEL_FORMAT_INVALID")),
            (grid(1, 1), Ok(())),
            (grid(4, 12), Ok(())),
            (single(30, 20), Ok(())),
            (single(150, 150), Ok(())),
        ] {
            let result = label_sheet(one, &format).map(|_| ()).map_err(|e| e.code());
            assert_eq!(result, expected, "{format:?}");
        }
        let refused = label_sheet(&[], &grid(2, 2)).unwrap_err();
        assert_eq!(refused.code(), "LABEL_NONE");
        let mut too_long = five_labels()[0].clone();
        too_long.qr_payload = "x".repeat(5000);
        let refused = label_sheet(&[too_long], &grid(2, 2)).unwrap_err();
        assert_eq!(refused.code(), "LABEL_QR_PAYLOAD_TOO_LONG");
    }
}
