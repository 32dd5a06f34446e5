//! Project photos (spec §5.3): before and after, at a step or for a non-conformity, with
//! annotations drawn over them. The log keeps what a photo is (its digest, size, stage) and
//! its annotations; the files live in object storage. Photos are never deleted by hand:
//! only the storage quota purges them, oldest projects first, and says so in the log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainError, ErrorKind};

/// A project keeps at most this many photos: beyond, the tablet is stuck in a loop.
pub const MAX_PHOTOS: usize = 300;
const MAX_ANNOTATIONS: usize = 50;
const MAX_TEXT: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhotoStage {
    Before,
    During,
    After,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Photo {
    pub photo_id: Uuid,
    pub stage: PhotoStage,
    /// The workflow step it was taken at, if any.
    pub step: Option<String>,
    /// The non-conformity it documents, if any.
    pub nc_id: Option<Uuid>,
    pub content_type: String,
    pub size_bytes: u64,
    /// SHA-256 of the original, hex.
    pub sha256: String,
    pub caption: Option<String>,
}

/// Where the storage quota's schedule starts purging the oldest projects' photos: 90 % of
/// the quota (it purges down to 80 %).
pub const PURGE_THRESHOLD_PCT: u64 = 90;

/// Whether a workshop holding `used_bytes` of photos is where the schedule purges: the one
/// rule for the schedule and for the shop floor's purge budget.
pub fn past_purge_threshold(used_bytes: u64, quota_bytes: u64) -> bool {
    used_bytes.saturating_mul(100) >= quota_bytes.saturating_mul(PURGE_THRESHOLD_PCT)
}

/// What an upload by a shop-floor member is checked against (segregation of duties): the
/// workshop's storage, and what that member has sent since the Paris midnight of the
/// decision. A photo that takes the workshop past the purge threshold makes the schedule
/// delete older projects' photos, evidence of work done; a shop-floor member may cause
/// that only within their own daily budget. Owners and admins upload without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeBudget {
    /// Originals and renditions not purged.
    pub used_bytes: u64,
    pub quota_bytes: u64,
    /// Originals this member sent today (Paris).
    pub sent_today_bytes: u64,
    pub daily_budget_bytes: u64,
}

impl PurgeBudget {
    /// Below the threshold after the upload nothing is purged, so anyone uploads; at or
    /// past it, only within the member's budget for the day.
    pub fn check(&self, size_bytes: u64) -> Result<(), PurgeBudgetError> {
        let purges =
            past_purge_threshold(self.used_bytes.saturating_add(size_bytes), self.quota_bytes);
        if !purges || self.sent_today_bytes.saturating_add(size_bytes) <= self.daily_budget_bytes {
            return Ok(());
        }
        Err(PurgeBudgetError {
            daily_budget_bytes: self.daily_budget_bytes,
            sent_today_bytes: self.sent_today_bytes,
        })
    }
}

/// The Paris midnight that starts the day of `now`: budgets count per workshop day.
pub fn paris_day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let day = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
    day.and_hms_opt(0, 0, 0)
        .and_then(|midnight| {
            midnight
                .and_local_timezone(chrono_tz::Europe::Paris)
                .earliest()
        })
        .map_or(now, |start| start.with_timezone(&Utc))
}

/// Megabytes as the workshop reads them (« 500 Mo »).
fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1_000_000)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("l'espace photos de l'atelier est presque plein : cette photo ferait effacer celles des projets les plus anciens, et vous avez déjà envoyé {} Mo aujourd'hui sur les {} Mo permis dans ce cas. Demandez au gérant ou à un administrateur de l'envoyer, ou de libérer de la place", megabytes(*.sent_today_bytes), megabytes(*.daily_budget_bytes))]
pub struct PurgeBudgetError {
    pub daily_budget_bytes: u64,
    pub sent_today_bytes: u64,
}

impl DomainError for PurgeBudgetError {
    fn code(&self) -> &'static str {
        "PHOTO_PURGE_BUDGET_SPENT"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Conflict
    }
}

/// A point on the photo, as fractions of its width and height (0 to 1), so annotations
/// fit every rendition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A shape or a text over the photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "shape")]
pub enum Annotation {
    Arrow {
        from: Point,
        to: Point,
        colour: String,
    },
    Circle {
        centre: Point,
        /// Fraction of the width.
        radius: f64,
        colour: String,
    },
    Rectangle {
        corner: Point,
        opposite: Point,
        colour: String,
    },
    Text {
        at: Point,
        text: String,
        colour: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnotationError {
    #[error("au plus {MAX_ANNOTATIONS} annotations par photo")]
    TooMany,
    #[error("annotation {index} : les positions vont de 0 à 1 (fraction de la photo)")]
    Position { index: usize },
    #[error("annotation {index} : couleur au format #RRGGBB attendue")]
    Colour { index: usize },
    #[error("annotation {index} : texte de 1 à {MAX_TEXT} caractères")]
    Text { index: usize },
}

impl DomainError for AnnotationError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooMany => "ANNOTATIONS_TOO_MANY",
            Self::Position { .. } => "ANNOTATION_POSITION_INVALID",
            Self::Colour { .. } => "ANNOTATION_COLOUR_INVALID",
            Self::Text { .. } => "ANNOTATION_TEXT_INVALID",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

fn on_photo(point: &Point) -> bool {
    (0.0..=1.0).contains(&point.x) && (0.0..=1.0).contains(&point.y)
}

fn colour_ok(colour: &str) -> bool {
    colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit())
}

pub fn validate_annotations(annotations: &[Annotation]) -> Result<(), AnnotationError> {
    if annotations.len() > MAX_ANNOTATIONS {
        return Err(AnnotationError::TooMany);
    }
    for (index, annotation) in annotations.iter().enumerate() {
        let index = index + 1;
        let (points, colour): (Vec<&Point>, &str) = match annotation {
            Annotation::Arrow { from, to, colour } => (vec![from, to], colour),
            Annotation::Circle {
                centre,
                radius,
                colour,
            } => {
                if !(0.0..=1.0).contains(radius) {
                    return Err(AnnotationError::Position { index });
                }
                (vec![centre], colour)
            }
            Annotation::Rectangle {
                corner,
                opposite,
                colour,
            } => (vec![corner, opposite], colour),
            Annotation::Text { at, text, colour } => {
                let length = text.trim().chars().count();
                if length == 0 || length > MAX_TEXT {
                    return Err(AnnotationError::Text { index });
                }
                (vec![at], colour)
            }
        };
        if !points.into_iter().all(on_photo) {
            return Err(AnnotationError::Position { index });
        }
        if !colour_ok(colour) {
            return Err(AnnotationError::Colour { index });
        }
    }
    Ok(())
}
