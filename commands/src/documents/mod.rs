//! Documents, produced where they are decided: pure functions, domain values (or the small
//! input structs of these modules) in, bytes out; never a read-model row, never I/O. Drawing
//! is CPU work: callers run it off the async threads.
//! - `quote_pdf`: a quote's PDF in its template, and the inputs kept to draw it again.
//! - `invoice_pdf`, `facturx`: an issued invoice's PDF, its Factur-X PDF/A-3, its CII and UBL.
//! - `labels`: part label sheets and what their QR codes hold.
//! - `project_report`: a project's traceability report.
//! - `image_check`: uploaded images checked before anything is stored, and made drawable.

pub mod facturx;
pub mod image_check;
pub mod invoice_pdf;
pub mod labels;
pub mod project_report;
pub mod quote_pdf;

use genpdf::fonts::{FontData, FontFamily};

// The DejaVu fonts embedded in the binary (accents render the same everywhere), cut down to
// French text by `scripts/subset-fonts`.
const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Oblique.ttf");
const BOLD_ITALIC: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-BoldOblique.ttf");

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

/// The DejaVu family, for every PDF we draw (quotes, invoices, labels, reports).
fn fonts() -> Result<FontFamily<FontData>, genpdf::error::Error> {
    FONTS.clone().map_err(|message| {
        genpdf::error::Error::new(message, genpdf::error::ErrorKind::InvalidFont)
    })
}
