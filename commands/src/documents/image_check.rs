//! Images people upload: signatures (spec §14: drawn in the portal, a picture, or the
//! workshop's scan of the paper the client signed) and the logos of quote templates. Only
//! PNG and JPEG, at most 1 MiB and of sensible dimensions; the size is read from the header
//! before anything is decoded, so a tiny file announcing a gigapixel image is refused
//! without allocating it. The header also gives the pixel format: a 200 KB PNG of
//! 5000×5000 pixels in 16-bit RGBA would take 200 MB once decoded, so what the decoded
//! picture will weigh is checked too. Decoding is CPU work of up to a second: it runs on
//! tokio's blocking threads, at most `DECODING_AT_ONCE` at a time, so it neither stalls the
//! requests sharing the async threads nor piles up memory under a flood of uploads.

use std::io::Cursor;
use std::sync::LazyLock;

use base64::Engine;
use domain::{DomainError, ErrorKind};
use image::codecs::jpeg::JpegDecoder;
use image::codecs::png::PngDecoder;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageFormat, Rgb, RgbImage};
use tokio::sync::Semaphore;

pub const MAX_BYTES: usize = 1024 * 1024;
const MAX_SIDE: u32 = 5000;
/// What the decoded picture may weigh: a 4000×4000 photo of a receipt in 8-bit RGB (48 MB)
/// passes, a 16-bit or 25-megapixel RGBA one does not.
pub const MAX_DECODED_BYTES: u64 = 48 * 1024 * 1024;
/// Images decoded at once by the process, whoever sends them: with the budget above, at
/// most about 200 MB of decoding at any time.
const DECODING_AT_ONCE: usize = 2;
static DECODING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(DECODING_AT_ONCE));
/// Wider images are scaled down before drawing: neither a signature nor a logo needs more
/// on paper.
const DRAWN_WIDTH: u32 = 800;

/// What the image is for: its name in messages and reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    Signature,
    Logo,
    /// The scan of a payment's receipt (a cheque, a card slip).
    Receipt,
}

impl Upload {
    fn noun(self) -> &'static str {
        match self {
            Self::Signature => "l'image de signature",
            Self::Logo => "le logo",
            Self::Receipt => "le justificatif",
        }
    }

    fn min_side(self) -> u32 {
        match self {
            Self::Signature => 40,
            Self::Logo => 16,
            Self::Receipt => 100,
        }
    }

    fn invalid(self) -> &'static str {
        match self {
            Self::Signature => "SIGNATURE_IMAGE_INVALID",
            Self::Logo => "LOGO_IMAGE_INVALID",
            Self::Receipt => "RECEIPT_IMAGE_INVALID",
        }
    }

    fn too_large(self) -> &'static str {
        match self {
            Self::Signature => "SIGNATURE_IMAGE_TOO_LARGE",
            Self::Logo => "LOGO_IMAGE_TOO_LARGE",
            Self::Receipt => "RECEIPT_IMAGE_TOO_LARGE",
        }
    }

    fn dimensions(self) -> &'static str {
        match self {
            Self::Signature => "SIGNATURE_IMAGE_DIMENSIONS",
            Self::Logo => "LOGO_IMAGE_DIMENSIONS",
            Self::Receipt => "RECEIPT_IMAGE_DIMENSIONS",
        }
    }
}

/// A checked image: its bytes as received and the picture to draw.
pub struct CheckedImage {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub drawn: DynamicImage,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageCheckError {
    /// What was sent is refused: a stable reason, and the French message saying why.
    #[error("{message}")]
    Refused {
        reason: &'static str,
        message: String,
    },
    /// The check could not run (the process is stopping).
    #[error("image check interrupted: {0}")]
    Interrupted(String),
}

impl DomainError for ImageCheckError {
    fn code(&self) -> &'static str {
        match self {
            Self::Refused { reason, .. } => reason,
            Self::Interrupted(_) => "INTERNAL",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Refused { .. } => ErrorKind::Validation,
            Self::Interrupted(_) => ErrorKind::Internal,
        }
    }
}

impl ImageCheckError {
    pub fn reason(&self) -> &'static str {
        self.code()
    }

    /// The French message shown to users.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

fn invalid(reason: &'static str, message: impl Into<String>) -> ImageCheckError {
    ImageCheckError::Refused {
        reason,
        message: message.into(),
    }
}

/// Reads base64 (a `data:image/…;base64,` URL from a canvas, or plain base64) and checks
/// the image off the async threads.
pub async fn from_base64(text: &str, upload: Upload) -> Result<CheckedImage, ImageCheckError> {
    let interrupted =
        |error: &dyn std::fmt::Display| ImageCheckError::Interrupted(error.to_string());
    let text = text.to_owned();
    let _turn = DECODING.acquire().await.map_err(|e| interrupted(&e))?;
    tokio::task::spawn_blocking(move || from_base64_now(&text, upload))
        .await
        .map_err(|e| interrupted(&e))?
}

fn from_base64_now(text: &str, upload: Upload) -> Result<CheckedImage, ImageCheckError> {
    let payload = match text.split_once(";base64,") {
        Some((prefix, payload)) if prefix.starts_with("data:") => payload,
        _ => text,
    };
    // Refuse by length first: base64 is 4/3 of the bytes.
    if payload.len() > MAX_BYTES / 3 * 4 + 8 {
        return Err(too_large(upload));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload.trim())
        .map_err(|_| {
            invalid(
                upload.invalid(),
                format!(
                    "{} doit être un PNG ou un JPEG encodé en base64",
                    upload.noun()
                ),
            )
        })?;
    check(bytes, upload)
}

fn too_large(upload: Upload) -> ImageCheckError {
    invalid(
        upload.too_large(),
        format!("{} dépasse {} Mo", upload.noun(), MAX_BYTES / (1024 * 1024)),
    )
}

pub fn check(bytes: Vec<u8>, upload: Upload) -> Result<CheckedImage, ImageCheckError> {
    if bytes.len() > MAX_BYTES {
        return Err(too_large(upload));
    }
    let not_an_image = || {
        invalid(
            upload.invalid(),
            format!("{} n'est pas une image PNG ou JPEG lisible", upload.noun()),
        )
    };
    let format = image::guess_format(&bytes).map_err(|_| not_an_image())?;
    let content_type = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        _ => return Err(not_an_image()),
    };
    let decoder = match format {
        ImageFormat::Png => {
            Decoder::Png(PngDecoder::new(Cursor::new(&bytes[..])).map_err(|_| not_an_image())?)
        }
        _ => Decoder::Jpeg(JpegDecoder::new(Cursor::new(&bytes[..])).map_err(|_| not_an_image())?),
    };
    let (width, height) = decoder.dimensions();
    let min_side = upload.min_side();
    if width.min(height) < min_side || width.max(height) > MAX_SIDE {
        return Err(invalid(
            upload.dimensions(),
            format!(
                "{} mesure {width}×{height} pixels : de {min_side} à {MAX_SIDE} pixels de côté",
                upload.noun()
            ),
        ));
    }
    let decoded_bytes = decoder.total_bytes();
    if decoded_bytes > MAX_DECODED_BYTES {
        return Err(invalid(
            upload.dimensions(),
            format!(
                "{} mesure {width}×{height} pixels en {} : {} Mo une fois décodée, au plus {} Mo",
                upload.noun(),
                decoder.pixel_format(),
                decoded_bytes.div_ceil(1024 * 1024),
                MAX_DECODED_BYTES / (1024 * 1024)
            ),
        ));
    }
    let decoded = decoder.decode().map_err(|_| not_an_image())?;
    Ok(CheckedImage {
        bytes,
        content_type,
        drawn: drawable(decoded),
    })
}

/// The header read, the pixels not yet: one decoder per accepted format. Lives on the
/// stack of one check, so the size difference of its variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Decoder<'a> {
    Png(PngDecoder<Cursor<&'a [u8]>>),
    Jpeg(JpegDecoder<Cursor<&'a [u8]>>),
}

impl Decoder<'_> {
    fn dimensions(&self) -> (u32, u32) {
        match self {
            Self::Png(decoder) => decoder.dimensions(),
            Self::Jpeg(decoder) => decoder.dimensions(),
        }
    }

    fn total_bytes(&self) -> u64 {
        match self {
            Self::Png(decoder) => decoder.total_bytes(),
            Self::Jpeg(decoder) => decoder.total_bytes(),
        }
    }

    /// In the refusal's words: what makes a picture heavy.
    fn pixel_format(&self) -> String {
        let color = match self {
            Self::Png(decoder) => decoder.color_type(),
            Self::Jpeg(decoder) => decoder.color_type(),
        };
        format!("{} bits par pixel", u32::from(color.bytes_per_pixel()) * 8)
    }

    fn decode(self) -> image::ImageResult<DynamicImage> {
        match self {
            Self::Png(decoder) => DynamicImage::from_decoder(decoder),
            Self::Jpeg(decoder) => DynamicImage::from_decoder(decoder),
        }
    }
}

/// A stored image (checked when it was uploaded), ready to draw.
pub fn drawable_from(bytes: &[u8]) -> image::ImageResult<DynamicImage> {
    image::load_from_memory(bytes).map(drawable)
}

/// A picture drawn pixel by pixel, as PNG bytes (the demo's scanned signature).
pub fn rgb_png(
    width: u32,
    height: u32,
    pixel: impl Fn(u32, u32) -> [u8; 3],
) -> image::ImageResult<Vec<u8>> {
    let picture = RgbImage::from_fn(width, height, |x, y| Rgb(pixel(x, y)));
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(picture).write_to(&mut png, ImageFormat::Png)?;
    Ok(png)
}

/// Scaled down if wide, and laid on white: a canvas drawing is transparent around the ink.
pub fn drawable(image: DynamicImage) -> DynamicImage {
    let image = if image.width() > DRAWN_WIDTH {
        image.resize(DRAWN_WIDTH, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        image
    };
    let rgba = image.to_rgba8();
    let mut flat = RgbImage::new(rgba.width(), rgba.height());
    for (x, y, pixel) in rgba.enumerate_pixels() {
        let [r, g, b, a] = pixel.0;
        let over_white = |channel: u8| {
            ((u16::from(channel) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8
        };
        flat.put_pixel(x, y, Rgb([over_white(r), over_white(g), over_white(b)]));
    }
    DynamicImage::ImageRgb8(flat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut image = RgbaImage::new(width, height);
        image.put_pixel(1, 1, Rgba([0, 0, 0, 255]));
        let mut bytes = Vec::new();
        DynamicImage::ImageRgba8(image)
            .write_to(&mut bytes, ImageFormat::Png)
            .unwrap();
        bytes
    }

    /// A valid 1×1 PNG whose header then announces `width`×`height`: what an attacker
    /// sends, a few bytes claiming a huge picture.
    fn announcing(width: u32, height: u32, color: png::ColorType, depth: png::BitDepth) -> Vec<u8> {
        let mut file = Vec::new();
        let mut encoder = png::Encoder::new(&mut file, 1, 1);
        encoder.set_color(color);
        encoder.set_depth(depth);
        let mut writer = encoder.write_header().unwrap();
        writer
            .write_image_data(&[0; 8][..color.samples() * depth as usize / 8])
            .unwrap();
        drop(writer);
        // Signature (8), IHDR's length (4) and type (4), then width and height, then the CRC
        // of type and data after the 13 data bytes.
        file[16..20].copy_from_slice(&width.to_be_bytes());
        file[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32fast::hash(&file[12..29]);
        file[29..33].copy_from_slice(&crc.to_be_bytes());
        file
    }

    #[test]
    fn a_picture_too_heavy_once_decoded_is_refused_from_its_header() {
        let heavy = announcing(5000, 5000, png::ColorType::RGBA, png::BitDepth::Sixteen);
        let refused = check(heavy, Upload::Signature).err().unwrap();
        assert_eq!(refused.reason(), "SIGNATURE_IMAGE_DIMENSIONS");
        assert!(
            refused.message().contains("64 bits par pixel") && refused.message().contains("191 Mo"),
            "{}",
            refused.message()
        );
        // 4000×4000 in 8-bit RGB is within the budget: it gets as far as decoding (and this
        // one then fails there, its pixels being missing).
        let light = announcing(4000, 4000, png::ColorType::RGB, png::BitDepth::Eight);
        assert_eq!(
            check(light, Upload::Receipt).err().unwrap().reason(),
            "RECEIPT_IMAGE_INVALID"
        );
    }

    #[tokio::test]
    async fn base64_images_are_checked_off_the_async_threads() {
        let text = base64::engine::general_purpose::STANDARD.encode(png(300, 100));
        let checked = from_base64(&text, Upload::Signature).await.unwrap();
        assert_eq!(checked.drawn.width(), 300);
    }

    #[test]
    fn a_transparent_drawing_is_laid_on_white() {
        let checked = check(png(200, 80), Upload::Signature).unwrap();
        assert_eq!(checked.content_type, "image/png");
        let drawn = checked.drawn.to_rgb8();
        assert_eq!(drawn.get_pixel(1, 1).0, [0, 0, 0], "the ink stays");
        assert_eq!(
            drawn.get_pixel(50, 50).0,
            [255, 255, 255],
            "the background is white"
        );
    }

    #[test]
    fn what_is_not_a_sensible_image_is_refused_with_its_reason() {
        let reason = |result: Result<CheckedImage, ImageCheckError>| result.err().unwrap().reason();
        let signature = Upload::Signature;
        assert_eq!(
            reason(check(b"%PDF-1.7 not an image".to_vec(), signature)),
            "SIGNATURE_IMAGE_INVALID"
        );
        assert_eq!(
            reason(check(png(10, 10), signature)),
            "SIGNATURE_IMAGE_DIMENSIONS"
        );
        assert_eq!(
            reason(check(vec![0; MAX_BYTES + 1], signature)),
            "SIGNATURE_IMAGE_TOO_LARGE"
        );
        assert_eq!(
            reason(from_base64_now("pas du base64 !", signature)),
            "SIGNATURE_IMAGE_INVALID"
        );
        // A small logo is fine where a signature is not.
        assert!(check(png(20, 20), Upload::Logo).is_ok());
        assert_eq!(
            reason(check(png(10, 10), Upload::Logo)),
            "LOGO_IMAGE_DIMENSIONS"
        );
        let data_url = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png(300, 100))
        );
        assert_eq!(
            from_base64_now(&data_url, signature).unwrap().drawn.width(),
            300
        );
    }
}
