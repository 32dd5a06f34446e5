//! Renditions of project photos (*photos avant/après*): the thumbnail, medium and large
//! WebP images the app and the client portal show, made from the uploaded original.
//!
//! Pure: bytes in, bytes out, no I/O, no clock, no thread pool. A worker calls it off the
//! request path (a 12 MP photo takes about 0.45 s of one core in release: `bench`), and tests
//! need no storage.
//!
//! The format is decided by magic bytes only, never by the file name or the declared type:
//! both come from the client. Decoding is pure Rust (`image` 0.25: zune-jpeg, png,
//! image-webp); encoding is libwebp, built from source by `libwebp-sys` and linked statically,
//! because `image` only writes lossless WebP: on the bench photo its large rendition weighs
//! 4.8 MiB against 97 KiB lossy.

use std::io::Cursor;
use std::time::{Duration, Instant};

use domain::{DomainError, ErrorKind};
use image25::imageops::{self, FilterType};
use image25::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage, RgbaImage};

/// The largest original accepted: a phone's 12 MP JPEG weighs 2 to 5 MiB.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The most pixels an original may have, read from its header before any pixel is decoded:
/// 50 MP is a 200 MiB RGBA buffer, and a 1 KiB "decompression bomb" can claim far more.
pub const MAX_PIXELS: u64 = 50_000_000;

/// libwebp's lossy quality (0–100), with its default method 4. Method 2 would encode the
/// large rendition three times faster (65 against 210 ms) for 0.2 dB less PSNR; off the
/// request path, the default's quality is worth the time.
pub const WEBP_QUALITY: f32 = 80.0;

/// The watermark's width as a share of the rendition's width.
const WATERMARK_WIDTH_SHARE: f32 = 0.15;
/// The watermark's opacity where the logo itself is opaque.
const WATERMARK_OPACITY: f32 = 0.6;
/// The gap between the watermark and the bottom and right edges, as a share of the width.
const WATERMARK_MARGIN_SHARE: f32 = 0.02;
/// A logo is a small picture; anything bigger than 4096 × 4096 is a mistake, not a logo.
const MAX_WATERMARK_PIXELS: u64 = 4096 * 4096;

/// The renditions, smallest first: name, longest side in pixels, watermarked.
const SIZES: [(&str, u32, bool); 3] = [
    ("thumbnail", 320, false),
    ("medium", 1024, true),
    ("large", 2048, true),
];

/// Each size is resized from the next larger one, which costs a fraction of resizing the
/// original three times; at reductions of 2 and 3.2 a widened filter still averages every
/// source pixel, so nothing aliases. Triangle
/// (bilinear widened to the reduction) is the cheapest filter that does not alias: on the
/// 12 MP step it took 125–165 ms, Catmull-Rom 160–220 ms, Lanczos3 200–290 ms.
const RESIZE_FILTER: FilterType = FilterType::Triangle;

/// A format the upload may be in, as told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormat {
    Jpeg,
    Png,
    WebP,
    /// iPhones' default; recognised so the refusal can say what to do, not decoded.
    Heic,
}

/// ISO-BMFF major brands of HEIF images; `mif1`/`msf1` are the generic HEIF brands some
/// Android phones write. AVIF (`avif`, `avis`) is deliberately not here: it is not HEIC.
const HEIF_BRANDS: [&[u8; 4]; 10] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
];

/// Identifies an upload by its magic bytes only (never by file name or declared type).
pub fn sniff(bytes: &[u8]) -> Option<PhotoFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(PhotoFormat::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(PhotoFormat::Png);
    }
    let (Some(first), Some(second), Some(third)) =
        (bytes.get(0..4), bytes.get(4..8), bytes.get(8..12))
    else {
        return None;
    };
    if first == b"RIFF" && third == b"WEBP" {
        return Some(PhotoFormat::WebP);
    }
    if second == b"ftyp" && HEIF_BRANDS.iter().any(|brand| third == brand.as_slice()) {
        return Some(PhotoFormat::Heic);
    }
    None
}

/// One WebP image made from the original.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendition {
    /// `"thumbnail"`, `"medium"` or `"large"`: the storage key suffix, a contract.
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub webp: Vec<u8>,
}

// Not derived: a log line or a failed assertion should show the size, not 100 KiB of bytes.
impl std::fmt::Debug for Rendition {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Rendition")
            .field("name", &self.name)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("webp_bytes", &self.webp.len())
            .finish()
    }
}

/// Why an upload has no renditions. `Display` is shown to the user; the `detail` fields are
/// the decoder's or encoder's words, for logs only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("ce fichier n'est pas une image prise en charge : envoyez un JPEG, un PNG ou un WebP")]
    NotAnImage,
    #[error("HEIC non pris en charge : envoyez un JPEG")]
    HeicUnsupported,
    #[error("le fichier pèse plus de 10 Mo : envoyez une photo plus légère")]
    FileTooLarge { bytes: usize },
    #[error(
        "l'image fait {width} × {height} pixels, au-delà de 50 mégapixels : réduisez-la avant de l'envoyer"
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("cette image est illisible ou endommagée")]
    Unreadable { detail: String },
    #[error("le logo du filigrane doit être une image PNG lisible")]
    WatermarkUnreadable { detail: String },
    #[error("les vignettes de cette photo n'ont pas pu être produites")]
    EncodeFailed { detail: String },
}

impl DomainError for PhotoError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAnImage => "PHOTO_NOT_AN_IMAGE",
            Self::HeicUnsupported => "PHOTO_HEIC_UNSUPPORTED",
            Self::FileTooLarge { .. } => "PHOTO_FILE_TOO_LARGE",
            Self::TooManyPixels { .. } => "PHOTO_TOO_MANY_PIXELS",
            Self::Unreadable { .. } => "PHOTO_UNREADABLE",
            Self::WatermarkUnreadable { .. } => "PHOTO_WATERMARK_UNREADABLE",
            Self::EncodeFailed { .. } => "PHOTO_ENCODE_FAILED",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotAnImage
            | Self::HeicUnsupported
            | Self::FileTooLarge { .. }
            | Self::TooManyPixels { .. }
            | Self::Unreadable { .. }
            | Self::WatermarkUnreadable { .. } => ErrorKind::Validation,
            Self::EncodeFailed { .. } => ErrorKind::Internal,
        }
    }
}

/// The thumbnail (320 px), medium (1024 px) and large (2048 px) renditions, in that order,
/// each fitting its size on the longest side, never upscaled: a 300 × 200 original gives
/// three 300 × 200 renditions, so callers always store the same three keys.
///
/// The EXIF orientation of JPEG and WebP originals is applied, transparency is flattened on
/// white, and `watermark` (a PNG logo, its alpha kept) is drawn bottom-right on medium and
/// large at 15 % of their width and 60 % opacity.
pub fn renditions(original: &[u8], watermark: Option<&[u8]>) -> Result<Vec<Rendition>, PhotoError> {
    if original.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::FileTooLarge {
            bytes: original.len(),
        });
    }
    let format = match sniff(original) {
        None => return Err(PhotoError::NotAnImage),
        Some(PhotoFormat::Heic) => return Err(PhotoError::HeicUnsupported),
        Some(PhotoFormat::Jpeg) => ImageFormat::Jpeg,
        Some(PhotoFormat::Png) => ImageFormat::Png,
        Some(PhotoFormat::WebP) => ImageFormat::WebP,
    };
    // The logo first: a broken setting should not cost a photo decode to find out.
    let logo = watermark.map(decode_watermark).transpose()?;
    let photo = decode_photo(original, format)?;

    // Largest first, each from the previous one, before any watermark is drawn on them.
    let mut pixels: Vec<RgbImage> = Vec::with_capacity(SIZES.len());
    for (_, longest_side, _) in SIZES.iter().rev() {
        let source = pixels.last().unwrap_or(&photo);
        pixels.push(fit(source, *longest_side));
    }
    drop(photo);
    pixels.reverse();

    SIZES
        .iter()
        .zip(pixels)
        .map(|((name, _, watermarked), mut image)| {
            if let (true, Some(logo)) = (watermarked, &logo) {
                stamp(&mut image, logo);
            }
            Ok(Rendition {
                name,
                width: image.width(),
                height: image.height(),
                webp: encode_webp(&image)?,
            })
        })
        .collect()
}

/// Why a decode failed, before it is known whether the photo or the logo was at fault.
enum DecodeFailure {
    TooManyPixels { width: u32, height: u32 },
    Unreadable(String),
}

fn decode(
    bytes: &[u8],
    format: ImageFormat,
    max_pixels: u64,
) -> Result<DynamicImage, DecodeFailure> {
    let unreadable = |error: image25::ImageError| DecodeFailure::Unreadable(error.to_string());
    // The format is the sniffed one: `image` must not guess again from other bytes.
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeFailure::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(DecodeFailure::Unreadable(format!(
            "{width} × {height} pixels"
        )));
    }
    // A phone held upright writes landscape pixels and an orientation tag; an unreadable tag
    // is not worth refusing the photo for.
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// The original as 8-bit RGB, upright, transparency flattened on white.
fn decode_photo(bytes: &[u8], format: ImageFormat) -> Result<RgbImage, PhotoError> {
    let image = decode(bytes, format, MAX_PIXELS).map_err(|failure| match failure {
        DecodeFailure::TooManyPixels { width, height } => {
            PhotoError::TooManyPixels { width, height }
        }
        DecodeFailure::Unreadable(detail) => PhotoError::Unreadable { detail },
    })?;
    Ok(flatten_on_white(image))
}

/// The logo with its colours premultiplied by alpha, so that resizing it blends its edges
/// towards transparent rather than towards whatever colour the transparent pixels hold.
fn decode_watermark(bytes: &[u8]) -> Result<RgbaImage, PhotoError> {
    // The workshop's logo as uploaded for its quotes: a PNG keeps its transparency, a JPEG
    // is drawn as its rectangle.
    let format = match sniff(bytes) {
        Some(PhotoFormat::Png) => ImageFormat::Png,
        Some(PhotoFormat::Jpeg) => ImageFormat::Jpeg,
        _ => {
            return Err(PhotoError::WatermarkUnreadable {
                detail: "not a PNG or JPEG".to_owned(),
            })
        }
    };
    let image = decode(bytes, format, MAX_WATERMARK_PIXELS).map_err(|failure| {
        let detail = match failure {
            DecodeFailure::TooManyPixels { width, height } => format!("{width} × {height} pixels"),
            DecodeFailure::Unreadable(detail) => detail,
        };
        PhotoError::WatermarkUnreadable { detail }
    })?;
    let mut logo = image.into_rgba8();
    for pixel in logo.pixels_mut() {
        let alpha = u16::from(pixel[3]);
        for channel in &mut pixel.0[..3] {
            *channel = ((u16::from(*channel) * alpha + 127) / 255) as u8;
        }
    }
    Ok(logo)
}

fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (target, source) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u16::from(source[3]);
        for channel in 0..3 {
            let over_white = u16::from(source[channel]) * alpha + 255 * (255 - alpha);
            target[channel] = ((over_white + 127) / 255) as u8;
        }
    }
    rgb
}

/// The size that fits `longest_side` on the longest side, keeping the ratio; never larger.
fn fitted_size(width: u32, height: u32, longest_side: u32) -> (u32, u32) {
    let current = width.max(height);
    if current <= longest_side {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(longest_side) + u64::from(current) / 2)
            / u64::from(current);
        (scaled as u32).max(1)
    };
    (scale(width), scale(height))
}

fn fit(image: &RgbImage, longest_side: u32) -> RgbImage {
    let (width, height) = fitted_size(image.width(), image.height(), longest_side);
    if (width, height) == image.dimensions() {
        return image.clone();
    }
    imageops::resize(image, width, height, RESIZE_FILTER)
}

/// Draws the (premultiplied) logo bottom-right, at [`WATERMARK_WIDTH_SHARE`] of the width.
fn stamp(image: &mut RgbImage, logo: &RgbaImage) {
    let (width, height) = image.dimensions();
    let margin = (width as f32 * WATERMARK_MARGIN_SHARE).round() as u32;
    let mut logo_width = (width as f32 * WATERMARK_WIDTH_SHARE).round() as u32;
    let mut logo_height =
        (u64::from(logo_width) * u64::from(logo.height()) / u64::from(logo.width())) as u32;
    // A tall logo on a panorama must still fit: at most a third of the height.
    let max_height = height / 3;
    if logo_height > max_height {
        logo_width =
            (u64::from(logo_width) * u64::from(max_height) / u64::from(logo_height)) as u32;
        logo_height = max_height;
    }
    if logo_width == 0 || logo_height == 0 || logo_width + margin > width {
        return;
    }
    // Triangle never overshoots, so premultiplied colours stay within their alpha.
    let scaled = imageops::resize(logo, logo_width, logo_height, FilterType::Triangle);
    let left = width - margin - logo_width;
    let top = height.saturating_sub(margin + logo_height);
    for (x, y, source) in scaled.enumerate_pixels() {
        if source[3] == 0 {
            continue;
        }
        let coverage = f32::from(source[3]) / 255.0 * WATERMARK_OPACITY;
        let target = image.get_pixel_mut(left + x, top + y);
        for channel in 0..3 {
            let blended = f32::from(target[channel]) * (1.0 - coverage)
                + f32::from(source[channel]) * WATERMARK_OPACITY;
            target[channel] = blended.round().clamp(0.0, 255.0) as u8;
        }
    }
}

fn encode_webp(image: &RgbImage) -> Result<Vec<u8>, PhotoError> {
    webp::Encoder::from_rgb(image.as_raw(), image.width(), image.height())
        .encode_simple(false, WEBP_QUALITY)
        .map(|memory| memory.to_vec())
        .map_err(|error| PhotoError::EncodeFailed {
            detail: format!("{error:?}"),
        })
}

/// A photo-like picture: a lit metal part on a workshop background, with sensor noise, so
/// that JPEG and WebP sizes and timings are those of a real photo, not of a flat colour.
fn synthetic_photo(width: u32, height: u32, seed: u64) -> RgbImage {
    let mut state = seed | 1;
    let mut noise = move || {
        // Xorshift64: reproducible and enough for grain.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 59) as i32 - 16
    };
    let (w, h) = (width as f32, height as f32);
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / w, y as f32 / h);
        // Background: a warm grey wall lit from the top left.
        let light = 1.0 - 0.5 * (fx * 0.6 + fy * 0.4);
        let mut rgb = [
            150.0 * light + 40.0,
            140.0 * light + 35.0,
            120.0 * light + 30.0,
        ];
        // The part: a powder-coated disc (RAL 5010-ish blue) with a specular band.
        let (dx, dy) = (fx - 0.5, (fy - 0.55) * h / w);
        let distance = (dx * dx + dy * dy).sqrt();
        if distance < 0.28 {
            let shade = 0.6 + 0.4 * (1.0 - distance / 0.28);
            let highlight = (-((dx + dy) * 30.0).powi(2)).exp() * 90.0;
            rgb = [
                14.0 * shade + highlight,
                78.0 * shade + highlight,
                140.0 * shade + highlight,
            ];
        }
        // Texture: fine stripes (the bench, the wall) that JPEG cannot throw away.
        let stripes = ((x as f32 * 0.21).sin() * (y as f32 * 0.13).cos()) * 6.0;
        image25::Rgb(rgb.map(|value| (value + stripes + noise() as f32).clamp(0.0, 255.0) as u8))
    })
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image25::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality)
        .encode_image(image)
        .expect("a JPEG encodes into memory");
    jpeg
}

/// A logo: an orange rounded badge with a transparent surround and a soft edge.
fn synthetic_logo(width: u32, height: u32) -> Vec<u8> {
    let logo = RgbaImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (
            (x as f32 + 0.5) / width as f32 - 0.5,
            (y as f32 + 0.5) / height as f32 - 0.5,
        );
        let inside = 0.5 - (dx.abs().max(dy.abs()));
        let alpha = (inside * 40.0).clamp(0.0, 1.0);
        // Transparent pixels hold black: premultiplying must hide it.
        if alpha == 0.0 {
            image25::Rgba([0, 0, 0, 0])
        } else {
            image25::Rgba([240, 120, 20, (alpha * 255.0) as u8])
        }
    });
    let mut png = Vec::new();
    DynamicImage::ImageRgba8(logo)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("a PNG encodes into memory");
    png
}

/// Times [`renditions`] on a 12 MP photo-like JPEG (4000 × 3000, quality 85) with a
/// watermark, `iterations` times, and returns one line: median and p95, decode share, sizes.
pub fn bench(iterations: usize) -> String {
    let iterations = iterations.max(1);
    let jpeg = encode_jpeg(&synthetic_photo(4000, 3000, 0x7e57), 85);
    let logo = synthetic_logo(600, 200);
    let mut totals = Vec::with_capacity(iterations);
    let mut decodes = Vec::with_capacity(iterations);
    let mut sizes = Vec::new();
    for _ in 0..iterations {
        let start = Instant::now();
        let decoded = decode_photo(&jpeg, ImageFormat::Jpeg).expect("the bench photo decodes");
        decodes.push(start.elapsed());
        drop(decoded);

        let start = Instant::now();
        let renditions = renditions(&jpeg, Some(&logo)).expect("the bench photo has renditions");
        totals.push(start.elapsed());
        sizes = renditions
            .iter()
            .map(|rendition| {
                format!(
                    "{} {}×{} {} KiB",
                    rendition.name,
                    rendition.width,
                    rendition.height,
                    rendition.webp.len().div_ceil(1024)
                )
            })
            .collect();
    }
    let (median, p95) = percentiles(&mut totals);
    let (decode_median, _) = percentiles(&mut decodes);
    format!(
        "photo renditions of a 4000×3000 JPEG q85 ({} KiB), watermarked, {iterations} runs: \
         median {:.0} ms, p95 {:.0} ms (of which JPEG decode median {:.0} ms); {}",
        jpeg.len().div_ceil(1024),
        median.as_secs_f64() * 1000.0,
        p95.as_secs_f64() * 1000.0,
        decode_median.as_secs_f64() * 1000.0,
        sizes.join(", "),
    )
}

/// The median and the 95th percentile (nearest rank).
fn percentiles(durations: &mut [Duration]) -> (Duration, Duration) {
    durations.sort();
    let median = durations[durations.len() / 2];
    let p95 = durations[(durations.len() * 95).div_ceil(100) - 1];
    (median, p95)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    fn decode_webp(bytes: &[u8]) -> RgbImage {
        image25::load_from_memory_with_format(bytes, ImageFormat::WebP)
            .expect("a rendition decodes as WebP")
            .into_rgb8()
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        encode_jpeg(&synthetic_photo(width, height, 42), 85)
    }

    /// The 12 MP original, encoded once for every test that needs it.
    fn twelve_megapixels() -> &'static [u8] {
        static JPEG: OnceLock<Vec<u8>> = OnceLock::new();
        JPEG.get_or_init(|| jpeg(4000, 3000))
    }

    fn sizes(renditions: &[Rendition]) -> Vec<(&'static str, u32, u32)> {
        renditions
            .iter()
            .map(|rendition| (rendition.name, rendition.width, rendition.height))
            .collect()
    }

    /// The mean absolute difference between two images over a rectangle.
    fn difference(a: &RgbImage, b: &RgbImage, x: u32, y: u32, width: u32, height: u32) -> f64 {
        let mut sum = 0u64;
        for yy in y..y + height {
            for xx in x..x + width {
                for channel in 0..3 {
                    sum += u64::from(
                        a.get_pixel(xx, yy)[channel].abs_diff(b.get_pixel(xx, yy)[channel]),
                    );
                }
            }
        }
        sum as f64 / f64::from(width * height * 3)
    }

    #[test]
    fn sniff_reads_magic_bytes_only() {
        let cases: [(&str, &[u8], Option<PhotoFormat>); 14] = [
            (
                "jpeg jfif",
                b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00",
                Some(PhotoFormat::Jpeg),
            ),
            (
                "jpeg exif",
                b"\xFF\xD8\xFF\xE1\x12\x34Exif\x00\x00",
                Some(PhotoFormat::Jpeg),
            ),
            (
                "png",
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
                Some(PhotoFormat::Png),
            ),
            (
                "webp",
                b"RIFF\x24\x00\x00\x00WEBPVP8 ",
                Some(PhotoFormat::WebP),
            ),
            (
                "heic",
                b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
                Some(PhotoFormat::Heic),
            ),
            (
                "heif mif1",
                b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heic",
                Some(PhotoFormat::Heic),
            ),
            (
                "avif",
                b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1",
                None,
            ),
            ("mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", None),
            ("wav", b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
            ("pdf", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", None),
            ("text", b"photo.jpg", None),
            ("empty", b"", None),
            ("truncated jpeg", b"\xFF\xD8", None),
            ("truncated webp", b"RIFF\x24\x00\x00\x00WEB", None),
        ];
        for (name, bytes, expected) in cases {
            assert_eq!(sniff(bytes), expected, "{name}");
        }
        assert_eq!(sniff(&jpeg(8, 8)), Some(PhotoFormat::Jpeg));
        assert_eq!(sniff(&synthetic_logo(8, 8)), Some(PhotoFormat::Png));
    }

    #[test]
    fn a_12_megapixel_jpeg_gives_three_webp_renditions() {
        let renditions = renditions(twelve_megapixels(), None).unwrap();

        assert_eq!(
            sizes(&renditions),
            [
                ("thumbnail", 320, 240),
                ("medium", 1024, 768),
                ("large", 2048, 1536)
            ]
        );
        for rendition in &renditions {
            assert_eq!(
                sniff(&rendition.webp),
                Some(PhotoFormat::WebP),
                "{}",
                rendition.name
            );
            let decoded = decode_webp(&rendition.webp);
            assert_eq!(
                decoded.dimensions(),
                (rendition.width, rendition.height),
                "{}",
                rendition.name
            );
        }
        let bytes: Vec<usize> = renditions
            .iter()
            .map(|rendition| rendition.webp.len())
            .collect();
        assert!(bytes[0] < bytes[1] && bytes[1] < bytes[2], "{bytes:?}");
        // Lossy: the large rendition is far smaller than the original.
        assert!(bytes[2] * 4 < twelve_megapixels().len(), "{bytes:?}");
    }

    #[test]
    fn a_small_photo_is_not_upscaled() {
        let renditions = renditions(&jpeg(300, 200), None).unwrap();

        assert_eq!(
            sizes(&renditions),
            [
                ("thumbnail", 300, 200),
                ("medium", 300, 200),
                ("large", 300, 200)
            ]
        );
        for rendition in &renditions {
            assert_eq!(decode_webp(&rendition.webp).dimensions(), (300, 200));
        }
    }

    #[test]
    fn a_portrait_keeps_its_ratio() {
        let renditions = renditions(&jpeg(600, 1500), None).unwrap();

        assert_eq!(
            sizes(&renditions),
            [
                ("thumbnail", 128, 320),
                ("medium", 410, 1024),
                ("large", 600, 1500)
            ]
        );
    }

    /// A JPEG with an EXIF APP1 segment whose only tag is the orientation.
    fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
        let mut exif = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01".to_vec();
        exif.extend_from_slice(b"\x01\x12\x00\x03\x00\x00\x00\x01\x00");
        exif.extend_from_slice(&[orientation, 0, 0, 0, 0, 0, 0]);
        let length = (exif.len() + 2) as u16;
        let mut bytes = jpeg[..2].to_vec();
        bytes.extend_from_slice(&[0xFF, 0xE1]);
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(&exif);
        bytes.extend_from_slice(&jpeg[2..]);
        bytes
    }

    #[test]
    fn the_exif_orientation_is_applied() {
        // Under 320 px, so every rendition keeps the original's size.
        let landscape = jpeg(300, 150);
        for (orientation, expected) in [
            (1, (300, 150)),
            (6, (150, 300)),
            (8, (150, 300)),
            (3, (300, 150)),
        ] {
            let renditions = renditions(&with_orientation(&landscape, orientation), None).unwrap();
            assert_eq!(
                (renditions[0].width, renditions[0].height),
                expected,
                "orientation {orientation}"
            );
        }
    }

    #[test]
    fn the_watermark_marks_medium_and_large_but_not_the_thumbnail() {
        // Large keeps 1200 × 900, medium is 1024 × 768: both are watermarked.
        let original = jpeg(1200, 900);
        let logo = synthetic_logo(300, 100);
        let plain = renditions(&original, None).unwrap();
        let marked = renditions(&original, Some(&logo)).unwrap();

        assert_eq!(plain[0], marked[0], "the thumbnail carries no watermark");
        for index in [1, 2] {
            let (plain, marked) = (
                decode_webp(&plain[index].webp),
                decode_webp(&marked[index].webp),
            );
            let (width, height) = plain.dimensions();
            // The logo spans 15 % of the width, 2 % from the edges; look inside its middle.
            let logo_width = width * 15 / 100;
            let (x, y) = (
                width - width / 50 - logo_width * 3 / 4,
                height - width / 50 - logo_width / 6,
            );
            let inside = difference(&plain, &marked, x, y, logo_width / 2, logo_width / 12);
            let top_left = difference(&plain, &marked, 0, 0, width / 2, height / 2);
            assert!(inside > 40.0, "{}: {inside}", marked_name(index));
            // Not zero: libwebp tunes its quantisers on the whole picture.
            assert!(top_left < 3.0, "{}: {top_left}", marked_name(index));
            // Orange at 60 % over the grey wall: red clearly above blue.
            let pixel = marked.get_pixel(x + logo_width / 4, y + logo_width / 24);
            assert!(
                pixel[0] > pixel[2] + 60,
                "{}: {pixel:?}",
                marked_name(index)
            );
        }
    }

    fn marked_name(index: usize) -> &'static str {
        SIZES[index].0
    }

    /// A small JPEG whose frame header claims `width` × `height`: the pixels never follow.
    fn claiming(width: u16, height: u16) -> Vec<u8> {
        let mut bytes = jpeg(16, 16);
        let frame = bytes
            .windows(2)
            .position(|marker| marker == [0xFF, 0xC0])
            .expect("a baseline JPEG has a SOF0 segment");
        bytes[frame + 5..frame + 7].copy_from_slice(&height.to_be_bytes());
        bytes[frame + 7..frame + 9].copy_from_slice(&width.to_be_bytes());
        bytes
    }

    #[test]
    fn bad_uploads_are_refused_with_a_reason() {
        let mut corrupt_png = synthetic_logo(64, 64);
        let middle = corrupt_png.len() / 2;
        corrupt_png[middle] ^= 0xFF;
        let mut too_heavy = jpeg(16, 16);
        too_heavy.resize(MAX_UPLOAD_BYTES + 1, 0);
        let heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x08meta".to_vec();

        let cases: [(&str, &[u8], &str); 9] = [
            (
                "garbage",
                b"\x00\x01\x02 ceci n'est pas une photo",
                "PHOTO_NOT_AN_IMAGE",
            ),
            ("empty", b"", "PHOTO_NOT_AN_IMAGE"),
            ("pdf", b"%PDF-1.7\n1 0 obj\n", "PHOTO_NOT_AN_IMAGE"),
            ("heic", &heic, "PHOTO_HEIC_UNSUPPORTED"),
            (
                "jpeg magic then garbage",
                b"\xFF\xD8\xFF\xE0garbage garbage garbage",
                "PHOTO_UNREADABLE",
            ),
            ("png with a bad checksum", &corrupt_png, "PHOTO_UNREADABLE"),
            ("png cut short", &corrupt_png[..middle], "PHOTO_UNREADABLE"),
            (
                "60 megapixels claimed",
                &claiming(10_000, 6_000),
                "PHOTO_TOO_MANY_PIXELS",
            ),
            ("over 10 MiB", &too_heavy, "PHOTO_FILE_TOO_LARGE"),
        ];
        for (name, bytes, code) in cases {
            let error = renditions(bytes, None).expect_err(name);
            assert_eq!(error.code(), code, "{name}: {error:?}");
        }
        assert_eq!(
            renditions(&claiming(10_000, 6_000), None),
            Err(PhotoError::TooManyPixels {
                width: 10_000,
                height: 6_000
            })
        );
        assert_eq!(
            renditions(&heic, None).unwrap_err().to_string(),
            "HEIC non pris en charge : envoyez un JPEG"
        );
    }

    /// zune-jpeg, as `image` sets it up, is lenient like browsers: a JPEG cut short by a
    /// flaky upload decodes, the missing part grey. The user sees it in the thumbnail and can
    /// send the photo again; refusing would lose what did arrive.
    #[test]
    fn a_truncated_jpeg_keeps_what_arrived() {
        let original = jpeg(1200, 900);
        let renditions = renditions(&original[..original.len() / 2], None).unwrap();
        assert_eq!(sizes(&renditions)[2], ("large", 1200, 900));
    }

    #[test]
    fn a_broken_watermark_is_its_own_error() {
        // A JPEG logo is drawn as its rectangle; what reads as no image is refused.
        assert!(renditions(&jpeg(64, 64), Some(&jpeg(64, 64))).is_ok());
        let mut truncated_png = Vec::new();
        DynamicImage::ImageRgba8(RgbaImage::new(64, 64))
            .write_to(
                &mut std::io::Cursor::new(&mut truncated_png),
                ImageFormat::Png,
            )
            .unwrap();
        truncated_png.truncate(20);
        for (name, logo) in [("cut png", truncated_png), ("garbage", b"logo".to_vec())] {
            let error = renditions(&jpeg(64, 64), Some(&logo)).unwrap_err();
            assert_eq!(
                error.code(),
                "PHOTO_WATERMARK_UNREADABLE",
                "{name}: {error:?}"
            );
        }
    }

    #[test]
    fn a_transparent_png_is_flattened_on_white() {
        let transparent = {
            let mut png = Vec::new();
            DynamicImage::ImageRgba8(RgbaImage::new(40, 30))
                .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
                .unwrap();
            png
        };
        let renditions = renditions(&transparent, None).unwrap();
        let pixel = *decode_webp(&renditions[0].webp).get_pixel(20, 15);
        assert!(pixel.0.iter().all(|&channel| channel > 245), "{pixel:?}");
    }

    #[test]
    fn codes_are_distinct() {
        let errors = [
            PhotoError::NotAnImage,
            PhotoError::HeicUnsupported,
            PhotoError::FileTooLarge { bytes: 0 },
            PhotoError::TooManyPixels {
                width: 0,
                height: 0,
            },
            PhotoError::Unreadable {
                detail: String::new(),
            },
            PhotoError::WatermarkUnreadable {
                detail: String::new(),
            },
            PhotoError::EncodeFailed {
                detail: String::new(),
            },
        ];
        let codes: std::collections::HashSet<_> = errors.iter().map(|error| error.code()).collect();
        assert_eq!(codes.len(), errors.len());
    }
}
