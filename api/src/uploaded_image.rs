//! Images people upload: signatures (spec §14: drawn in the portal, a picture, or the
//! workshop's scan of the paper the client signed) and the logos of quote templates. Only
//! PNG and JPEG, at most 1 MiB and of sensible dimensions; the size is read from the header
//! before anything is decoded, so a tiny file announcing a gigapixel image is refused
//! without allocating it.

use std::io::Cursor;

use base64::Engine;
use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage};

use crate::ApiError;

pub const MAX_BYTES: usize = 1024 * 1024;
const MAX_SIDE: u32 = 5000;
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

fn invalid(reason: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(domain::ErrorKind::Validation, reason, message.into())
}

/// Reads base64 (a `data:image/…;base64,` URL from a canvas, or plain base64).
pub fn from_base64(text: &str, upload: Upload) -> Result<CheckedImage, ApiError> {
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

fn too_large(upload: Upload) -> ApiError {
    invalid(
        upload.too_large(),
        format!("{} dépasse {} Mo", upload.noun(), MAX_BYTES / (1024 * 1024)),
    )
}

pub fn check(bytes: Vec<u8>, upload: Upload) -> Result<CheckedImage, ApiError> {
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
    let reader = image::io::Reader::with_format(Cursor::new(&bytes), format);
    let (width, height) = reader.into_dimensions().map_err(|_| not_an_image())?;
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
    let decoded =
        image::load_from_memory_with_format(&bytes, format).map_err(|_| not_an_image())?;
    Ok(CheckedImage {
        bytes,
        content_type,
        drawn: drawable(decoded),
    })
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
        let reason = |result: Result<CheckedImage, ApiError>| result.err().unwrap().reason();
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
            reason(from_base64("pas du base64 !", signature)),
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
            from_base64(&data_url, signature).unwrap().drawn.width(),
            300
        );
    }
}
